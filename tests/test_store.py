"""The case store, told as the staff's stories; every test runs on SQLite and on PostgreSQL."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from casebook.model import (AdvisorComment, Case, Ecomap, EcomapNode, EcomapTie, Evaluation, GroupNote,
                            Session, TimelineEntry, WardActivity)
from casebook.store import (SCHEMA_VERSION, CaseRecord, DuplicateError, HistoryEntry, NotFoundError,
                            ReadOnlyError, SessionClosedError, StaleVersionError, Store, StoreError,
                            TransitionError)


def make_case(case_id: str = "2024-27116-01", *, ward: str = "生野区", fiscal_year: int = 2024,
              title: str = "一人暮らしのAさんと地域の見守り", themes=("見守り・訪問",), status: str = "draft") -> Case:
    return Case(
        id=case_id, title=title, ward=ward, fiscal_year=fiscal_year, provider="B氏", provider_role="CSW",
        themes=list(themes), status=status, questions="本人の思いを地域の見守りにどうつなぐか",
        summary={"referral": "民生委員", "main_complaint": "最近、新聞がたまっていると近所から相談があった"},
        person={"age_band": "80代", "household": "一人暮らし", "wishes": "住み慣れた家で暮らし続けたい"},
        ecomap=Ecomap(nodes=[EcomapNode(id="a", label="Aさん", kind="person"),
                             EcomapNode(id="c", label="C病院", kind="formal")],
                      ties=[EcomapTie(source="c", target="a", strength="weak", direction="forward")]),
        timeline=[TimelineEntry(period="2024年5月", support="民生委員と自宅を訪問し、本人と話す")],
    )


@pytest.fixture
def store(store_url):
    with Store(store_url) as s:
        yield s


def test_a_new_store_is_at_the_current_schema_version(store):
    assert store.schema_version() == SCHEMA_VERSION
    assert store.dialect in ("sqlite", "postgresql")
    assert store.list_cases() == []
    assert store.integrity_check() == []


def test_a_staff_member_creates_a_case_and_reads_it_back(store):
    record = store.create_case(make_case(), author="山田")
    assert isinstance(record, CaseRecord)
    assert (record.version, record.created_by, record.updated_by) == (1, "山田", "山田")
    assert record.created_at.tzinfo is not None and record.created_at.utcoffset() == dt.timedelta(0)

    again = store.get_case("2024-27116-01")
    assert again.case == make_case()
    assert again.case.ecomap.center().label == "Aさん"
    assert again.version == 1 and again.updated_at == record.updated_at

    with pytest.raises(DuplicateError, match="2024-27116-01"):
        store.create_case(make_case(title="別の事例"), author="佐藤")
    assert store.get_case("2024-27116-01").case.title == "一人暮らしのAさんと地域の見守り"
    with pytest.raises(NotFoundError, match="2024-99999-01"):
        store.get_case("2024-99999-01")


def test_a_save_from_a_stale_page_is_refused_and_names_who_saved_first(store):
    store.create_case(make_case(), author="山田")
    # Two staff members open version 1 of the same case in two pages.
    yamada = store.get_case("2024-27116-01")
    sato = store.get_case("2024-27116-01")

    yamada.case.plan.policy = "見守り体制を地域の方と一緒に作る"
    first = store.save_case(yamada.case, author="山田", base_version=yamada.version)
    assert first.version == 2

    sato.case.plan.policy = "まずは医療につなぐ"
    typed = sato.case.model_dump()
    with pytest.raises(StaleVersionError) as refused:
        store.save_case(sato.case, author="佐藤", base_version=sato.version)
    err = refused.value
    assert (err.case_id, err.base_version, err.current_version, err.saved_by) == ("2024-27116-01", 1, 2, "山田")
    assert err.saved_at == first.updated_at
    shown = first.updated_at.astimezone(dt.timezone(dt.timedelta(hours=9))).strftime("%Y-%m-%d %H:%M")
    message = str(err)
    assert f"{shown} に 山田 さんが保存しています（版 2）" in message
    assert "版 1 を元に" in message and "保存されていません" in message

    # 佐藤さん's text is still in her form; the store holds 山田さん's save, and only that.
    assert sato.case.model_dump() == typed and sato.case.plan.policy == "まずは医療につなぐ"
    stored = store.get_case("2024-27116-01")
    assert stored.version == 2 and stored.case.plan.policy == "見守り体制を地域の方と一緒に作る"
    assert [h.version for h in store.history("2024-27116-01")] == [1, 2]

    # After reloading she can save on top of 山田さん's version.
    stored.case.plan.short_term_goal = "週1回の声かけ"
    assert store.save_case(stored.case, author="佐藤", base_version=2).version == 3


def test_every_version_can_be_shown_and_an_old_one_restored_as_a_new_version(store):
    store.create_case(make_case(), author="山田")
    texts = ["地域の方と一緒に見守る", "見守り協力員に声をかける", "ふれあい喫茶に誘う"]
    for version, text in enumerate(texts, start=1):
        current = store.get_case("2024-27116-01")
        current.case.plan.policy = text
        store.save_case(current.case, author="佐藤", base_version=version)

    history = store.history("2024-27116-01")
    assert all(isinstance(h, HistoryEntry) for h in history)
    assert [(h.version, h.action, h.saved_by) for h in history] == [
        (1, "create", "山田"), (2, "save", "佐藤"), (3, "save", "佐藤"), (4, "save", "佐藤")]
    assert [h.saved_at for h in history] == sorted(h.saved_at for h in history)
    assert store.case_at("2024-27116-01", 1) == make_case()
    assert [store.case_at("2024-27116-01", v).plan.policy for v in (2, 3, 4)] == texts

    restored = store.restore("2024-27116-01", 2, author="鈴木", base_version=4)
    assert restored.version == 5 and restored.case.plan.policy == texts[0]
    assert store.get_case("2024-27116-01").case == store.case_at("2024-27116-01", 2)
    last = store.history("2024-27116-01")[-1]
    assert (last.version, last.action, last.saved_by, last.note) == (5, "restore", "鈴木", "版 2 を復元")
    # Nothing was rewritten: version 4 is still there to go back to.
    assert store.case_at("2024-27116-01", 4).plan.policy == texts[2]

    with pytest.raises(StaleVersionError):
        store.restore("2024-27116-01", 1, author="鈴木", base_version=4)
    with pytest.raises(NotFoundError, match="版 9"):
        store.case_at("2024-27116-01", 9)
    assert store.integrity_check() == []


def test_status_moves_follow_the_workflow_and_the_roles(store):
    store.create_case(make_case(), author="山田")
    with pytest.raises(TransitionError, match="「下書き」から「公開中」へは変更できません"):
        store.change_status("2024-27116-01", "published", author="編集者", role="editor", base_version=1)
    # The same jump hidden in an ordinary save is refused too, and nothing is written.
    jump = make_case(status="published")
    with pytest.raises(TransitionError, match="公開中"):
        store.save_case(jump, author="山田", base_version=1)
    assert store.get_case("2024-27116-01").case.status == "draft"

    submitted = store.change_status("2024-27116-01", "submitted", author="山田", role="staff", base_version=1)
    with pytest.raises(TransitionError, match="権限"):
        store.change_status("2024-27116-01", "reviewed", author="山田", role="staff", base_version=2)
    reviewed = store.change_status("2024-27116-01", "助言済み", author="C先生", role="advisor",
                                   base_version=submitted.version)
    approved = store.change_status("2024-27116-01", "approved", author="編集者", role="editor",
                                   base_version=reviewed.version, note="公開に向けて確認済み")
    published = store.change_status("2024-27116-01", "published", author="編集者", role="editor",
                                    base_version=approved.version)
    assert published.case.status == "published" and published.version == 5
    with pytest.raises(TransitionError, match="既に「公開中」"):
        store.change_status("2024-27116-01", "published", author="編集者", role="editor", base_version=5)

    history = store.history("2024-27116-01")
    assert [h.status for h in history] == ["draft", "submitted", "reviewed", "approved", "published"]
    assert [h.action for h in history[1:]] == ["status"] * 4
    assert history[3].note == "助言済み → 承認済み: 公開に向けて確認済み"
    assert [r.case.id for r in store.list_cases(status="published")] == ["2024-27116-01"]


def test_an_advisor_comment_is_a_new_version_of_the_case(store):
    store.create_case(make_case(), author="山田")
    comment = AdvisorComment(kind="advice", advisor="C先生", text="本人の「家で暮らしたい」を支援の軸に置きましょう。")
    record = store.add_comment("2024-27116-01", comment, base_version=1)
    assert record.version == 2 and record.updated_by == "C先生"
    [saved] = record.case.comments
    assert saved.text == comment.text and saved.created_at is not None
    assert store.history("2024-27116-01")[-1].action == "comment"
    with pytest.raises(StaleVersionError):
        store.add_comment("2024-27116-01", comment, base_version=1)
    assert len(store.get_case("2024-27116-01").case.comments) == 1


def test_cases_are_listed_by_ward_order_and_filtered_as_staff_type_them(store):
    store.create_case(make_case("2024-27116-01"), author="山田")
    store.create_case(make_case("2023-27116-01", fiscal_year=2023, themes=["こども食堂"]), author="山田")
    store.create_case(make_case("2024-27127-01", ward="北区", themes=["認知症", "見守り・訪問"]), author="佐藤")
    store.create_case(make_case("2024-27122-01", ward="西成区", themes=[], status="submitted"), author="鈴木")

    assert [r.case.id for r in store.list_cases()] == [
        "2024-27127-01", "2023-27116-01", "2024-27116-01", "2024-27122-01"]  # 北区 … 生野区 … 西成区
    for form in ("生野区", "大阪市生野区", "Ikuno", "27116", "２７１１６"):
        assert [r.case.id for r in store.list_cases(ward=form)] == ["2023-27116-01", "2024-27116-01"]
    assert [r.case.id for r in store.list_cases(fiscal_year="令和5年度")] == ["2023-27116-01"]
    assert [r.case.id for r in store.list_cases(theme="見守り・訪問")] == ["2024-27127-01", "2024-27116-01"]
    assert [r.case.id for r in store.list_cases(theme="こども食堂")] == ["2023-27116-01"]
    assert [r.case.id for r in store.list_cases(status=["submitted", "reviewed"])] == ["2024-27122-01"]
    assert [r.case.id for r in store.list_cases(status="draft", ward="北区")] == ["2024-27127-01"]
    assert store.case_ids() == sorted(r.case.id for r in store.list_cases())
    assert store.case_ids(status=["submitted", "reviewed"]) == ["2024-27122-01"]

    assert store.next_case_id("生野区", 2024) == "2024-27116-02"
    assert store.next_case_id("Kita", "R6") == "2024-27127-02"
    assert store.next_case_id("港区", 2025) == "2025-27107-01"


def test_privacy_overrides_are_recorded_per_case(store):
    store.create_case(make_case(), author="山田")
    store.record_override("2024-27116-01", field="summary.main_complaint", kind="place", text="C病院",
                          editor="編集者", reason="架空の施設名のため公開して差し支えない")
    [override] = store.overrides("2024-27116-01")
    assert override["field"] == "summary.main_complaint" and override["editor"] == "編集者"
    assert override["reason"] == "架空の施設名のため公開して差し支えない" and override["at"].tzinfo is not None
    with pytest.raises(NotFoundError):
        store.record_override("2024-00000-01", field="x", kind="name", text="Aさん", editor="編集者", reason="確認済み")


def _session(**changes) -> Session:
    data = dict(id="2024-basic2-01", title="基礎研修II 事例検討", date=dt.date(2024, 11, 12), kind="basic2",
                facilitator="B氏", advisor="C先生", groups=[{"name": "1班"}, {"name": "2班"}],
                questions=["本人の強みは何か", "地域で誰とつなぐか"])
    return Session(**{**data, **changes})


def test_groups_submit_notes_until_the_facilitator_closes_the_session(store):
    store.save_session(_session())
    store.save_session(_session(id="2024-basic1-01", title="基礎研修I", date=dt.date(2024, 6, 3), kind="basic1"))
    assert [s.id for s in store.list_sessions()] == ["2024-basic1-01", "2024-basic2-01"]

    first = store.add_group_note(GroupNote(session_id="2024-basic2-01", group="1班", question=0,
                                           author="Aさん", text="家で暮らしたいという思いがはっきりしている"))
    second = store.add_group_note(GroupNote(session_id="2024-basic2-01", group="2班", question=1,
                                            text="民生委員と喫茶のボランティア"))
    store.update_group_note(second, GroupNote(session_id="2024-basic2-01", group="2班", question=1,
                                              text="民生委員、ふれあい喫茶のボランティア、C病院の相談員"))
    store.set_note_pinned(first, True)
    store.save_evaluation(Evaluation(session_id="2024-basic2-01", participant="Aさん", satisfaction=4,
                                     understanding=3, usefulness=5, comments="他区の工夫が聞けた"))
    store.save_evaluation(Evaluation(session_id="2024-basic2-01", participant="Aさん", satisfaction=5,
                                     understanding=4, usefulness=5, comments="他区の工夫が聞けた"))

    notes = store.group_notes("2024-basic2-01")
    assert [n for n, _ in notes] == [first, second]
    assert notes[0][1].pinned and not notes[1][1].pinned
    assert notes[1][1].text == "民生委員、ふれあい喫茶のボランティア、C病院の相談員"
    [evaluation] = store.evaluations("2024-basic2-01")
    assert (evaluation.satisfaction, evaluation.understanding) == (5, 4)

    # The advisor's draft summary changes nothing else of the session (the venue set meanwhile stays).
    store.save_session(_session(venue="区民センター"))
    drafted = store.set_session_summary("2024-basic2-01", "下書きの総括")
    assert store.get_session("2024-basic2-01") == drafted
    assert (drafted.summary, drafted.venue) == ("下書きの総括", "区民センター")

    store.close_session("2024-basic2-01", summary="本人の思いから出発する視点が共有された")
    with pytest.raises(SessionClosedError):
        store.set_session_summary("2024-basic2-01", "閉じた後の書き換え")
    closed = store.get_session("2024-basic2-01")
    assert closed.closed and closed.summary == "本人の思いから出発する視点が共有された"

    late = GroupNote(session_id="2024-basic2-01", group="1班", question=1, text="遅れて書いた意見")
    with pytest.raises(SessionClosedError, match="基礎研修II 事例検討"):
        store.add_group_note(late)
    with pytest.raises(SessionClosedError):
        store.update_group_note(first, late)
    with pytest.raises(SessionClosedError):
        store.save_evaluation(Evaluation(session_id="2024-basic2-01", participant="B氏", satisfaction=3,
                                         understanding=3, usefulness=3))
    assert len(store.group_notes("2024-basic2-01")) == 2 and len(store.evaluations("2024-basic2-01")) == 1

    # Preparing the session again from its parameter file must not reopen it.
    store.save_session(_session(venue="市社協 会議室"))
    again = store.get_session("2024-basic2-01")
    assert again.closed and again.venue == "市社協 会議室"
    with pytest.raises(NotFoundError):
        store.add_group_note(GroupNote(session_id="no-such-session", group="1班", question=0, text="x"))


def test_ward_figures_are_upserted_by_ward_year_theme_and_figure(store):
    rows = [WardActivity(ward="生野区", fiscal_year=2024, theme="見守り・訪問", figure="見守り訪問件数", value=120, unit="件"),
            WardActivity(ward="北区", fiscal_year=2024, theme="こども食堂", figure="こども食堂 箇所数", value=4, unit="か所"),
            WardActivity(ward="北区", fiscal_year=2023, theme="こども食堂", figure="こども食堂 箇所数", value=3, unit="か所")]
    assert store.put_activity(rows) == 3
    corrected = WardActivity(ward="Ikuno", fiscal_year="令和6年度", theme="見守り", figure="見守り訪問件数",
                             value=132, unit="件")
    assert store.put_activity([corrected]) == 1

    everything = store.activity()
    assert [(a.ward, a.fiscal_year) for a in everything] == [("北区", 2023), ("北区", 2024), ("生野区", 2024)]
    [ikuno] = store.activity(ward="大阪市生野区")
    assert ikuno.value == 132
    assert [a.value for a in store.activity(theme="こども食堂", fiscal_year=2024)] == [4]


def test_an_import_that_fails_half_way_changes_nothing(store):
    store.create_case(make_case(), author="山田")
    before = (store.list_cases(), store.history("2024-27116-01"))
    changed = make_case(title="一人暮らしのAさんと地域の見守り（改訂）")
    with pytest.raises(NotFoundError, match="研修会「2099-none」"):
        store.import_all(cases=[changed, make_case("2024-27127-01", ward="北区")],
                         activity=[WardActivity(ward="北区", fiscal_year=2024, theme="認知症", figure="登録者数", value=5)],
                         sessions=[_session()],
                         notes=[GroupNote(session_id="2024-basic2-01", group="1班", question=0, text="ok"),
                                GroupNote(session_id="2099-none", group="1班", question=0, text="行き先のない記録")])
    assert (store.list_cases(), store.history("2024-27116-01")) == before
    assert store.activity() == [] and store.list_sessions() == []

    with pytest.raises(DuplicateError, match="2024-27127-01"):
        store.import_all(cases=[make_case("2024-27127-01", ward="北区"), make_case("2024-27127-01", ward="北区")])
    assert [r.case.id for r in store.list_cases()] == ["2024-27116-01"]

    counts = store.import_all(cases=[changed, make_case("2024-27127-01", ward="北区"), make_case("2023-27116-01")],
                              sessions=[_session()],
                              notes=[GroupNote(session_id="2024-basic2-01", group="1班", question=0, text="ok")],
                              evaluations=[Evaluation(session_id="2024-basic2-01", participant="Aさん",
                                                      satisfaction=5, understanding=5, usefulness=5)],
                              activity=[WardActivity(ward="北区", fiscal_year=2024, theme="認知症",
                                                     figure="登録者数", value=5)], author="一括取込")
    assert counts == {"cases": 3, "cases_new": 2, "cases_updated": 1, "cases_unchanged": 0, "activity": 1,
                      "sessions": 1, "notes": 1, "evaluations": 1}
    assert store.get_case("2024-27116-01").case.title.endswith("（改訂）")
    assert store.history("2024-27116-01")[-1].action == "import"
    # The same file imported twice adds nothing new.
    again = store.import_all(cases=[changed], notes=[GroupNote(session_id="2024-basic2-01", group="1班",
                                                               question=0, text="ok")])
    assert again["cases_unchanged"] == 1 and store.get_case("2024-27116-01").version == 2
    assert len(store.group_notes("2024-basic2-01")) == 1
    assert store.integrity_check() == []


def test_a_read_only_store_refuses_every_write_even_through_raw_sql(store_url):
    with Store(store_url) as writer:
        writer.create_case(make_case(), author="山田")
        writer.save_session(_session())
        note_id = writer.add_group_note(GroupNote(session_id="2024-basic2-01", group="1班", question=0, text="ok"))

    reader = Store(store_url, read_only=True)
    try:
        record = reader.get_case("2024-27116-01")
        assert reader.read_only and record.version == 1 and reader.integrity_check() == []
        attempts = {
            "create_case": lambda: reader.create_case(make_case("2024-27127-01", ward="北区"), author="x"),
            "save_case": lambda: reader.save_case(record.case, author="x", base_version=1),
            "change_status": lambda: reader.change_status("2024-27116-01", "submitted", author="x", role="staff",
                                                          base_version=1),
            "add_comment": lambda: reader.add_comment("2024-27116-01", AdvisorComment(advisor="C先生", text="x"),
                                                      base_version=1),
            "restore": lambda: reader.restore("2024-27116-01", 1, author="x", base_version=1),
            "delete_all": reader.delete_all,
            "record_override": lambda: reader.record_override("2024-27116-01", field="f", kind="k", text="t",
                                                              editor="x", reason="r"),
            "save_session": lambda: reader.save_session(_session()),
            "close_session": lambda: reader.close_session("2024-basic2-01"),
            "add_group_note": lambda: reader.add_group_note(GroupNote(session_id="2024-basic2-01", group="1班",
                                                                      question=0, text="x")),
            "update_group_note": lambda: reader.update_group_note(note_id, GroupNote(
                session_id="2024-basic2-01", group="1班", question=0, text="x")),
            "set_note_pinned": lambda: reader.set_note_pinned(note_id, True),
            "save_evaluation": lambda: reader.save_evaluation(Evaluation(
                session_id="2024-basic2-01", participant="x", satisfaction=1, understanding=1, usefulness=1)),
            "put_activity": lambda: reader.put_activity([]),
            "import_all": lambda: reader.import_all(),
        }
        for name, attempt in attempts.items():
            with pytest.raises(ReadOnlyError, match="読み取り専用"):
                attempt()

        # Below the store's own checks, the database connection itself refuses to write.
        with pytest.raises(sa.exc.DBAPIError, match="(?i)read-?only"):
            with reader.engine.begin() as conn:
                conn.exec_driver_sql("UPDATE cases SET title = 'overwritten'")
        with pytest.raises(sa.exc.DBAPIError, match="(?i)read-?only"):
            with reader.engine.begin() as conn:
                conn.exec_driver_sql("DELETE FROM case_history")
        assert reader.get_case("2024-27116-01").case.title == "一人暮らしのAさんと地域の見守り"
        assert len(reader.history("2024-27116-01")) == 1
    finally:
        reader.close()


def test_the_integrity_check_notices_a_history_with_a_gap(store):
    store.create_case(make_case(), author="山田")
    for version in (1, 2):
        current = store.get_case("2024-27116-01")
        current.case.plan.policy = f"方針 {version}"
        store.save_case(current.case, author="山田", base_version=version)
    assert store.integrity_check() == []
    with store.engine.begin() as conn:  # damage the store behind its back, as a faulty tool would
        conn.exec_driver_sql("DELETE FROM case_history WHERE version = 2")
    problems = store.integrity_check()
    assert problems and "2024-27116-01" in problems[0] and "履歴" in problems[0]


def test_delete_all_empties_the_store_but_keeps_its_schema(store):
    store.create_case(make_case(), author="山田")
    store.save_session(_session())
    store.add_group_note(GroupNote(session_id="2024-basic2-01", group="1班", question=0, text="ok"))
    store.put_activity([WardActivity(ward="北区", fiscal_year=2024, theme="認知症", figure="登録者数", value=5)])
    store.delete_all()
    assert store.list_cases() == [] and store.list_sessions() == [] and store.activity() == []
    assert store.schema_version() == SCHEMA_VERSION
    store.create_case(make_case(), author="山田")
    assert store.get_case("2024-27116-01").version == 1


def test_store_open_uses_the_settings_store_url(settings):
    with Store.open(settings) as store:
        assert store.dialect == "sqlite" and store.url == settings.store_url
        store.create_case(make_case(), author="山田")
    assert settings.sqlite_path.exists()
    with Store.open(read_only=True) as reader:  # from the environment the settings fixture exported
        assert reader.get_case("2024-27116-01").version == 1
    with Store(settings.store_url) as store, store.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 5000


def test_an_empty_author_is_refused(store):
    with pytest.raises(StoreError, match="author"):
        store.create_case(make_case(), author="  ")
    assert store.list_cases() == []
