"""Cases: versioned, every write one transaction that checks the version the editor started from
and appends a full snapshot to `case_history`; status moves; privacy overrides."""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from casebook import vocab
from casebook.errors import DuplicateError, NotFoundError, StoreError, TransitionError
from casebook.model import AdvisorComment, Case
from casebook.store.records import (
    _WARD_ORDER,
    CaseDigest,
    CaseRecord,
    HistoryEntry,
    StaleVersionError,
    _index_columns,
    _now,
    _record,
    _require_author,
    _status_label,
    _transition_message,
    _utc,
)
from casebook.store.schema import CASES, HISTORY, OVERRIDES


class CasesMixin:
    def _insert_case(self, conn: Connection, case: Case, author: str, action: str) -> CaseRecord:
        if conn.execute(sa.select(CASES.c.id).where(CASES.c.id == case.id)).first():
            raise DuplicateError(f"事例番号「{case.id}」の事例は既にあります")
        now, data = _now(), case.model_dump(mode="json")
        conn.execute(CASES.insert().values(id=case.id, data=data, version=1, created_by=author, created_at=now,
                                           updated_by=author, updated_at=now, **_index_columns(case)))
        conn.execute(HISTORY.insert().values(case_id=case.id, version=1, action=action, status=case.status,
                                             note="", saved_by=author, saved_at=now, data=data))
        self._append_audit(conn, actor=author, action=f"case.{action}", record=case.id,
                           detail={"version": 1, "status": case.status}, origin=self.audit_origin)
        return CaseRecord(Case.model_validate(data), 1, author, now, author, now)

    def _lock_case(self, conn: Connection, case_id: str, base_version: int | None):
        row = conn.execute(sa.select(CASES).where(CASES.c.id == case_id).with_for_update()).first()
        if row is None:
            raise NotFoundError(f"事例番号「{case_id}」の事例はありません")
        if base_version is not None and row.version != base_version:
            raise StaleVersionError(case_id, base_version, row.version, row.updated_by, _utc(row.updated_at))
        return row

    def _update_case(self, conn: Connection, row, data: dict, author: str, action: str, note: str = "") -> CaseRecord:
        case = Case.model_validate(data)
        data = case.model_dump(mode="json")
        version, now = row.version + 1, _now()
        done = conn.execute(CASES.update().where(CASES.c.id == row.id, CASES.c.version == row.version).values(
            data=data, version=version, updated_by=author, updated_at=now, **_index_columns(case)))
        if done.rowcount != 1:  # cannot happen under the row lock; kept so a lost update is impossible
            current = self._lock_case(conn, row.id, None)
            raise StaleVersionError(row.id, row.version, current.version, current.updated_by, _utc(current.updated_at))
        conn.execute(HISTORY.insert().values(case_id=row.id, version=version, action=action, status=case.status,
                                             note=note, saved_by=author, saved_at=now, data=data))
        # Every write of a case is in the audit log too (no content: version and status only).
        self._append_audit(conn, actor=author, action=f"case.{action}", record=row.id, origin=self.audit_origin,
                           detail={"version": version, "status": case.status, "from": row.status})
        return CaseRecord(case, version, author, now, row.created_by, _utc(row.created_at))

    def create_case(self, case: Case, *, author: str) -> CaseRecord:
        author = _require_author(author)
        try:
            with self._write() as conn:
                return self._insert_case(conn, case, author, "create")
        except StoreError as exc:
            if isinstance(exc.__cause__, sa.exc.IntegrityError):  # lost a race with another creator
                raise DuplicateError(f"事例番号「{case.id}」の事例は既にあります") from exc
            raise

    def save_case(self, case: Case, *, author: str, base_version: int, role: str | None = None) -> CaseRecord:
        author = _require_author(author)
        with self._write() as conn:
            row = self._lock_case(conn, case.id, base_version)
            note = ""
            if case.status != row.status:
                if not vocab.allowed_transition(row.status, case.status, role):
                    raise TransitionError(_transition_message(row.status, case.status, role))
                note = f"状態: {_status_label(row.status)} → {_status_label(case.status)}"
            return self._update_case(conn, row, case.model_dump(mode="json"), author, "save", note)

    def get_case(self, case_id: str) -> CaseRecord:
        with self._read() as conn:
            row = conn.execute(sa.select(CASES).where(CASES.c.id == case_id)).first()
        if row is None:
            raise NotFoundError(f"事例番号「{case_id}」の事例はありません")
        return _record(row)

    def list_cases(self, *, ward=None, status=None, fiscal_year=None, theme=None, ids=None) -> list[CaseRecord]:
        """Cases in ward order; status None: every status but 取り下げ (withdrawn). `ids`: only these."""
        query = sa.select(CASES)
        if ids is not None:
            query = query.where(CASES.c.id.in_(list(ids)))
        if ward is not None:
            query = query.where(CASES.c.ward == vocab.parse_ward(ward).name)
        if status is not None:
            wanted = [status] if isinstance(status, str) else list(status)
            query = query.where(CASES.c.status.in_([vocab.parse_status(s) for s in wanted]))
        else:  # a withdrawn draft leaves every list; asked for by its status, it is found
            query = query.where(CASES.c.status != "withdrawn")
        if fiscal_year is not None:
            query = query.where(CASES.c.fiscal_year == vocab.parse_fiscal_year(fiscal_year))
        if theme is not None:
            query = query.where(CASES.c.themes.contains(f"|{vocab.parse_theme(theme)}|", autoescape=True))
        with self._read() as conn:
            rows = conn.execute(query).all()
        rows.sort(key=lambda r: (_WARD_ORDER.get(r.ward, 99), r.fiscal_year, r.id))
        return [_record(r) for r in rows]

    def case_ids(self, *, status=None) -> list[str]:
        """The ids of every case (of `status`), sorted; reads only the id column (for counts and lookups)."""
        query = sa.select(CASES.c.id).order_by(CASES.c.id)
        if status is not None:
            wanted = [status] if isinstance(status, str) else list(status)
            query = query.where(CASES.c.status.in_([vocab.parse_status(s) for s in wanted]))
        with self._read() as conn:
            return list(conn.execute(query).scalars())

    def case_versions(self) -> tuple[tuple[str, int], ...]:
        """(id, version) of every case, sorted: a cheap "has anything changed?" for caches (similar cases)."""
        query = sa.select(CASES.c.id, CASES.c.version).order_by(CASES.c.id)
        with self._read() as conn:
            return tuple((r.id, r.version) for r in conn.execute(query))

    def case_digests(self, *, status=None, known: dict | None = None) -> list[CaseDigest]:
        """Every case (of `status`) as a CaseDigest, in list_cases order; reads no Case object, so a
        rebuild learns what changed since last time for the cost of hashing the stored text.

        `known`: {id: (version, updated_at ISO text, sha256)} from an earlier call. A row whose version
        and updated_at are those is not read or hashed again (every write bumps both); only the
        others' stored text is read, in a second query."""
        import hashlib

        cols = (CASES.c.id, CASES.c.version, CASES.c.updated_at, CASES.c.ward, CASES.c.fiscal_year,
                CASES.c.status, CASES.c.themes)
        text = sa.cast(CASES.c.data, sa.Text).label("text")
        where = []
        if status is not None:
            wanted = [status] if isinstance(status, str) else list(status)
            where.append(CASES.c.status.in_([vocab.parse_status(s) for s in wanted]))

        def digest(r, sha: str) -> CaseDigest:
            return CaseDigest(r.id, r.version, _utc(r.updated_at), r.ward, r.fiscal_year, r.status,
                              tuple(t for t in r.themes.split("|") if t), sha)

        out: dict[str, CaseDigest] = {}
        with self._read(snapshot=True) as conn:
            if known is None:
                rows = conn.execute(sa.select(*cols, text).where(*where)).all()
                changed = rows
            else:
                rows, changed = conn.execute(sa.select(*cols).where(*where)).all(), []
                stale = []
                for r in rows:
                    k = known.get(r.id)
                    if k is not None and k[0] == r.version and k[1] == _utc(r.updated_at).isoformat():
                        out[r.id] = digest(r, k[2])
                    else:
                        stale.append(r.id)
                for i in range(0, len(stale), 500):
                    changed += conn.execute(sa.select(*cols, text).where(CASES.c.id.in_(stale[i:i + 500]))).all()
            for r in changed:
                out[r.id] = digest(r, hashlib.sha256(r.text.encode("utf-8")).hexdigest())
        digests = [out[r.id] for r in rows if r.id in out]
        digests.sort(key=lambda d: (_WARD_ORDER.get(d.ward, 99), d.fiscal_year, d.id))
        return digests

    def change_status(self, case_id: str, new_status: str, *, author: str, role: str | None,
                      base_version: int, note: str = "") -> CaseRecord:
        author = _require_author(author)
        try:
            new = vocab.parse_status(new_status)
        except vocab.VocabError as exc:
            raise TransitionError(str(exc)) from exc
        with self._write() as conn:
            row = self._lock_case(conn, case_id, base_version)
            if row.status == new:
                raise TransitionError(f"この事例は既に「{_status_label(new)}」です")
            if not vocab.allowed_transition(row.status, new, role):
                raise TransitionError(_transition_message(row.status, new, role))
            if new == "withdrawn" and conn.execute(sa.select(HISTORY.c.version).where(
                    HISTORY.c.case_id == case_id, HISTORY.c.status.not_in(["draft", "withdrawn"]))).first():
                raise TransitionError("提出されたことのある事例は取り下げられません（取り下げは、提出前の下書きだけです）")
            moved = f"{_status_label(row.status)} → {_status_label(new)}"
            return self._update_case(conn, row, {**row.data, "status": new}, author, "status",
                                     f"{moved}: {note}" if note else moved)

    def add_comment(self, case_id: str, comment: AdvisorComment, *, base_version: int) -> CaseRecord:
        if comment.created_at is None:
            comment = comment.model_copy(update={"created_at": _now()})
        with self._write() as conn:
            row = self._lock_case(conn, case_id, base_version)
            data = {**row.data, "comments": [*row.data.get("comments", []), comment.model_dump(mode="json")]}
            try:
                Case.model_validate(data)
            except ValueError as exc:
                from casebook.model import describe_errors
                raise StoreError("コメントを追加できません: " + " / ".join(describe_errors(exc))) from exc
            kind = "ポイント整理" if comment.kind == "key_points" else "助言"
            return self._update_case(conn, row, data, comment.advisor, "comment", kind)

    def history(self, case_id: str) -> list[HistoryEntry]:
        with self._read() as conn:
            rows = conn.execute(sa.select(HISTORY.c.case_id, HISTORY.c.version, HISTORY.c.saved_by,
                                          HISTORY.c.saved_at, HISTORY.c.action, HISTORY.c.status, HISTORY.c.note)
                                .where(HISTORY.c.case_id == case_id).order_by(HISTORY.c.version)).all()
        if not rows:
            raise NotFoundError(f"事例番号「{case_id}」の事例はありません")
        return [HistoryEntry(r.case_id, r.version, r.saved_by, _utc(r.saved_at), r.action, r.status, r.note or "")
                for r in rows]

    def case_at(self, case_id: str, version: int) -> Case:
        with self._read() as conn:
            data = conn.execute(sa.select(HISTORY.c.data).where(
                HISTORY.c.case_id == case_id, HISTORY.c.version == version)).scalar()
        if data is None:
            raise NotFoundError(f"事例番号「{case_id}」の版 {version} はありません")
        return Case.model_validate(data)

    def restore(self, case_id: str, version: int, *, author: str, base_version: int) -> CaseRecord:
        """The content of `version` becomes a new version; the workflow status stays where it is."""
        author = _require_author(author)
        with self._write() as conn:
            row = self._lock_case(conn, case_id, base_version)
            old = conn.execute(sa.select(HISTORY.c.data).where(
                HISTORY.c.case_id == case_id, HISTORY.c.version == version)).scalar()
            if old is None:
                raise NotFoundError(f"事例番号「{case_id}」の版 {version} はありません")
            return self._update_case(conn, row, {**old, "status": row.status}, author, "restore",
                                     f"版 {version} を復元")

    def next_case_id(self, ward, fiscal_year) -> str:
        """The next free number of a ward's year: 2024-27116-03."""
        prefix = f"{vocab.parse_fiscal_year(fiscal_year)}-{vocab.parse_ward(ward).code}-"
        with self._read() as conn:
            ids = conn.execute(sa.select(CASES.c.id).where(CASES.c.id.startswith(prefix, autoescape=True))).scalars()
            numbers = [int(i[len(prefix):]) for i in ids if i[len(prefix):].isdigit()]
        return f"{prefix}{max(numbers, default=0) + 1:02d}"

    def record_override(self, case_id: str, *, field: str, kind: str, text: str, editor: str, reason: str) -> None:
        editor = _require_author(editor)
        if not reason or not reason.strip():
            raise StoreError("判断の理由（reason）を入力してください")
        with self._write() as conn:
            self._lock_case(conn, case_id, None)
            conn.execute(OVERRIDES.insert().values(case_id=case_id, field=field, kind=kind, text=text,
                                                   editor=editor, reason=reason.strip(), at=_now()))

    def overrides(self, case_id: str) -> list[dict]:
        with self._read() as conn:
            rows = conn.execute(sa.select(OVERRIDES).where(OVERRIDES.c.case_id == case_id)
                                .order_by(OVERRIDES.c.id)).all()
        return [{"field": r.field, "kind": r.kind, "text": r.text, "editor": r.editor, "reason": r.reason,
                 "at": _utc(r.at)} for r in rows]
