-- A store as release 1 of the workbench wrote it (schema_version 1): one approved case with two
-- versions of history and one closed session. Kept as it is, so newer code is tested against real old files.
BEGIN TRANSACTION;
CREATE TABLE case_history (
	case_id VARCHAR(64) NOT NULL,
	version INTEGER NOT NULL,
	action VARCHAR(16) NOT NULL,
	status VARCHAR(32) NOT NULL,
	note TEXT NOT NULL,
	saved_by TEXT NOT NULL,
	saved_at DATETIME NOT NULL,
	data JSON NOT NULL,
	PRIMARY KEY (case_id, version),
	FOREIGN KEY(case_id) REFERENCES cases (id) ON DELETE CASCADE
);
INSERT INTO "case_history" VALUES('2022-27116-01',1,'create','reviewed','','山田','2022-09-01 01:30:00.000000','{"id": "2022-27116-01", "title": "\u4e00\u4eba\u66ae\u3089\u3057\u306eA\u3055\u3093\u3068\u5730\u57df\u306e\u898b\u5b88\u308a", "ward": "\u751f\u91ce\u533a", "fiscal_year": 2022, "provider": "B\u6c0f", "provider_role": "CSW", "keywords": [], "themes": ["\u898b\u5b88\u308a\u30fb\u8a2a\u554f", "\u8a8d\u77e5\u75c7"], "reason": "", "questions": "\u672c\u4eba\u306e\u601d\u3044\u3092\u5730\u57df\u306e\u898b\u5b88\u308a\u306b\u3069\u3046\u3064\u306a\u3050\u304b", "target": "individual", "status": "reviewed", "summary": {"referral": "\u6c11\u751f\u59d4\u54e1", "main_complaint": "\u6700\u8fd1\u3001\u65b0\u805e\u304c\u305f\u307e\u3063\u3066\u3044\u308b\u3068\u8fd1\u6240\u304b\u3089\u76f8\u8ac7\u304c\u3042\u3063\u305f", "support_period": ""}, "person": {"age_band": "80\u4ee3", "gender": "", "household": "\u4e00\u4eba\u66ae\u3089\u3057", "housing": "", "health": "", "care_level": "", "economy": "", "life_history": "", "wishes": "\u4f4f\u307f\u6163\u308c\u305f\u5bb6\u3067\u66ae\u3089\u3057\u7d9a\u3051\u305f\u3044", "strengths": ""}, "community": {"school_district": "", "population": "", "networks": "", "resources": "", "strengths_issues": ""}, "genogram": "", "ecomap": {"nodes": [{"id": "a", "label": "A\u3055\u3093", "kind": "person", "note": ""}, {"id": "c", "label": "C\u75c5\u9662", "kind": "formal", "note": ""}], "ties": [{"source": "c", "target": "a", "strength": "weak", "direction": "forward", "note": ""}]}, "assessment": {"person": "", "family": "", "community": "", "needs": "", "judgement": ""}, "plan": {"policy": "", "short_term_goal": "", "long_term_goal": ""}, "timeline": [{"period": "2024\u5e745\u6708", "support": "\u6c11\u751f\u59d4\u54e1\u3068\u81ea\u5b85\u3092\u8a2a\u554f\u3057\u3001\u672c\u4eba\u3068\u8a71\u3059", "actors": "", "change": ""}], "outcome": {"person_change": "", "community_change": "", "resource_development": ""}, "reflection": {"csw_viewpoint": "", "future_issues": ""}, "discussion": {"issues": "", "discussion": "", "conclusion": ""}, "comments": [], "ethics": {"consent": false, "anonymised": false}}');
INSERT INTO "case_history" VALUES('2022-27116-01',2,'status','approved','助言済み → 承認済み','編集者','2022-09-01 01:30:00.000000','{"id": "2022-27116-01", "title": "\u4e00\u4eba\u66ae\u3089\u3057\u306eA\u3055\u3093\u3068\u5730\u57df\u306e\u898b\u5b88\u308a", "ward": "\u751f\u91ce\u533a", "fiscal_year": 2022, "provider": "B\u6c0f", "provider_role": "CSW", "keywords": [], "themes": ["\u898b\u5b88\u308a\u30fb\u8a2a\u554f", "\u8a8d\u77e5\u75c7"], "reason": "", "questions": "\u672c\u4eba\u306e\u601d\u3044\u3092\u5730\u57df\u306e\u898b\u5b88\u308a\u306b\u3069\u3046\u3064\u306a\u3050\u304b", "target": "individual", "status": "approved", "summary": {"referral": "\u6c11\u751f\u59d4\u54e1", "main_complaint": "\u6700\u8fd1\u3001\u65b0\u805e\u304c\u305f\u307e\u3063\u3066\u3044\u308b\u3068\u8fd1\u6240\u304b\u3089\u76f8\u8ac7\u304c\u3042\u3063\u305f", "support_period": ""}, "person": {"age_band": "80\u4ee3", "gender": "", "household": "\u4e00\u4eba\u66ae\u3089\u3057", "housing": "", "health": "", "care_level": "", "economy": "", "life_history": "", "wishes": "\u4f4f\u307f\u6163\u308c\u305f\u5bb6\u3067\u66ae\u3089\u3057\u7d9a\u3051\u305f\u3044", "strengths": ""}, "community": {"school_district": "", "population": "", "networks": "", "resources": "", "strengths_issues": ""}, "genogram": "", "ecomap": {"nodes": [{"id": "a", "label": "A\u3055\u3093", "kind": "person", "note": ""}, {"id": "c", "label": "C\u75c5\u9662", "kind": "formal", "note": ""}], "ties": [{"source": "c", "target": "a", "strength": "weak", "direction": "forward", "note": ""}]}, "assessment": {"person": "", "family": "", "community": "", "needs": "", "judgement": ""}, "plan": {"policy": "", "short_term_goal": "", "long_term_goal": ""}, "timeline": [{"period": "2024\u5e745\u6708", "support": "\u6c11\u751f\u59d4\u54e1\u3068\u81ea\u5b85\u3092\u8a2a\u554f\u3057\u3001\u672c\u4eba\u3068\u8a71\u3059", "actors": "", "change": ""}], "outcome": {"person_change": "", "community_change": "", "resource_development": ""}, "reflection": {"csw_viewpoint": "", "future_issues": ""}, "discussion": {"issues": "", "discussion": "", "conclusion": ""}, "comments": [], "ethics": {"consent": false, "anonymised": false}}');
CREATE TABLE cases (
	id VARCHAR(64) NOT NULL,
	ward VARCHAR(32) NOT NULL,
	fiscal_year INTEGER NOT NULL,
	status VARCHAR(32) NOT NULL,
	title TEXT NOT NULL,
	data JSON NOT NULL,
	version INTEGER NOT NULL,
	created_by TEXT NOT NULL,
	created_at DATETIME NOT NULL,
	updated_by TEXT NOT NULL,
	updated_at DATETIME NOT NULL,
	PRIMARY KEY (id)
);
INSERT INTO "cases" VALUES('2022-27116-01','生野区',2022,'approved','一人暮らしのAさんと地域の見守り','{"id": "2022-27116-01", "title": "\u4e00\u4eba\u66ae\u3089\u3057\u306eA\u3055\u3093\u3068\u5730\u57df\u306e\u898b\u5b88\u308a", "ward": "\u751f\u91ce\u533a", "fiscal_year": 2022, "provider": "B\u6c0f", "provider_role": "CSW", "keywords": [], "themes": ["\u898b\u5b88\u308a\u30fb\u8a2a\u554f", "\u8a8d\u77e5\u75c7"], "reason": "", "questions": "\u672c\u4eba\u306e\u601d\u3044\u3092\u5730\u57df\u306e\u898b\u5b88\u308a\u306b\u3069\u3046\u3064\u306a\u3050\u304b", "target": "individual", "status": "approved", "summary": {"referral": "\u6c11\u751f\u59d4\u54e1", "main_complaint": "\u6700\u8fd1\u3001\u65b0\u805e\u304c\u305f\u307e\u3063\u3066\u3044\u308b\u3068\u8fd1\u6240\u304b\u3089\u76f8\u8ac7\u304c\u3042\u3063\u305f", "support_period": ""}, "person": {"age_band": "80\u4ee3", "gender": "", "household": "\u4e00\u4eba\u66ae\u3089\u3057", "housing": "", "health": "", "care_level": "", "economy": "", "life_history": "", "wishes": "\u4f4f\u307f\u6163\u308c\u305f\u5bb6\u3067\u66ae\u3089\u3057\u7d9a\u3051\u305f\u3044", "strengths": ""}, "community": {"school_district": "", "population": "", "networks": "", "resources": "", "strengths_issues": ""}, "genogram": "", "ecomap": {"nodes": [{"id": "a", "label": "A\u3055\u3093", "kind": "person", "note": ""}, {"id": "c", "label": "C\u75c5\u9662", "kind": "formal", "note": ""}], "ties": [{"source": "c", "target": "a", "strength": "weak", "direction": "forward", "note": ""}]}, "assessment": {"person": "", "family": "", "community": "", "needs": "", "judgement": ""}, "plan": {"policy": "", "short_term_goal": "", "long_term_goal": ""}, "timeline": [{"period": "2024\u5e745\u6708", "support": "\u6c11\u751f\u59d4\u54e1\u3068\u81ea\u5b85\u3092\u8a2a\u554f\u3057\u3001\u672c\u4eba\u3068\u8a71\u3059", "actors": "", "change": ""}], "outcome": {"person_change": "", "community_change": "", "resource_development": ""}, "reflection": {"csw_viewpoint": "", "future_issues": ""}, "discussion": {"issues": "", "discussion": "", "conclusion": ""}, "comments": [], "ethics": {"consent": false, "anonymised": false}}',2,'山田','2022-09-01 01:30:00.000000','編集者','2022-09-01 01:30:00.000000');
CREATE TABLE evaluations (
	session_id VARCHAR(64) NOT NULL,
	participant VARCHAR(200) NOT NULL,
	data JSON NOT NULL,
	updated_at DATETIME NOT NULL,
	PRIMARY KEY (session_id, participant),
	FOREIGN KEY(session_id) REFERENCES sessions (id) ON DELETE CASCADE
);
CREATE TABLE group_notes (
	id INTEGER NOT NULL,
	session_id VARCHAR(64) NOT NULL,
	group_name TEXT NOT NULL,
	question INTEGER NOT NULL,
	author TEXT NOT NULL,
	text TEXT NOT NULL,
	pinned BOOLEAN NOT NULL,
	created_at DATETIME NOT NULL,
	updated_at DATETIME NOT NULL,
	PRIMARY KEY (id),
	FOREIGN KEY(session_id) REFERENCES sessions (id) ON DELETE CASCADE
);
CREATE TABLE schema_version (
	version INTEGER NOT NULL,
	description TEXT NOT NULL,
	applied_at DATETIME NOT NULL,
	PRIMARY KEY (version)
);
INSERT INTO "schema_version" VALUES(1,'release 1: cases, history, sessions, group notes, evaluations, ward activity','2026-11-28 17:12:15.989194');
CREATE TABLE sessions (
	id VARCHAR(64) NOT NULL,
	title TEXT NOT NULL,
	date DATE NOT NULL,
	closed BOOLEAN NOT NULL,
	data JSON NOT NULL,
	updated_at DATETIME NOT NULL,
	PRIMARY KEY (id)
);
INSERT INTO "sessions" VALUES('2022-basic1-01','基礎研修I','2022-06-03',1,'{"id": "2022-basic1-01", "title": "\u57fa\u790e\u7814\u4feeI", "date": "2022-06-03", "closed": true}','2022-09-01 01:30:00.000000');
CREATE TABLE ward_activity (
	ward VARCHAR(32) NOT NULL,
	fiscal_year INTEGER NOT NULL,
	theme VARCHAR(64) NOT NULL,
	figure VARCHAR(200) NOT NULL,
	value FLOAT NOT NULL,
	unit TEXT NOT NULL,
	PRIMARY KEY (ward, fiscal_year, theme, figure)
);
CREATE INDEX ix_cases_ward ON cases (ward);
CREATE INDEX ix_cases_fiscal_year ON cases (fiscal_year);
CREATE INDEX ix_cases_status ON cases (status);
CREATE INDEX ix_group_notes_session_id ON group_notes (session_id);
COMMIT;
