"""The audit log (append-only: who did what to which record, when and why) and the one action that
removes a case for good, leaving an audit row in its place.

The store offers no way to change or remove an audit row, and the database refuses it too (triggers
made by schema step 4), so a row written stays. Sign-in will write its actions here as well:
`action` is a dotted name ("case.purge", later "user.sign_in" …), `record` what it was about,
`detail` a small JSON object that must never hold a case's content, `origin` where it came from
("cli@host", an app's name).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from casebook.errors import NotFoundError, StoreError
from casebook.store.records import _now, _require_author, _utc
from casebook.store.schema import AUDIT, CASES, HISTORY, OVERRIDES, SESSIONS

PURGE_ACTION = "case.purge"


@dataclass(frozen=True)
class AuditEntry:
    id: int
    at: dt.datetime
    actor: str
    action: str
    record: str
    detail: dict = field(default_factory=dict)
    origin: str = ""


class AuditMixin:
    # --- the audit log: append and read, nothing else ----------------------------------------------

    def _append_audit(self, conn: Connection, *, actor: str, action: str, record: str = "",
                      detail: dict | None = None, origin: str = "") -> int:
        actor = _require_author(actor)
        if not action or not action.strip():
            raise StoreError("監査記録の操作名（action）が空です")
        result = conn.execute(AUDIT.insert().values(at=_now(), actor=actor, action=action.strip(),
                                                    record=record or "", detail=dict(detail or {}),
                                                    origin=origin or ""))
        return int(result.inserted_primary_key[0])

    def append_audit(self, *, actor: str, action: str, record: str = "", detail: dict | None = None,
                     origin: str = "") -> int:
        """Add one row to the audit log (its own transaction); returns its id."""
        with self._write() as conn:
            return self._append_audit(conn, actor=actor, action=action, record=record, detail=detail,
                                      origin=origin)

    def audit_log(self, *, action: str | None = None, record: str | None = None, actor: str | None = None,
                  since: dt.datetime | None = None, limit: int | None = None) -> list[AuditEntry]:
        """The audit rows, oldest first (of one action / record / actor, from `since`, when given; the
        newest `limit`). An action ending in "." matches every action under it ("user.")."""
        query = sa.select(AUDIT).order_by(AUDIT.c.id.desc())
        if action is not None:
            query = query.where(AUDIT.c.action.startswith(action) if action.endswith(".") else AUDIT.c.action == action)
        if actor is not None:
            query = query.where(AUDIT.c.actor == actor)
        if since is not None:
            query = query.where(AUDIT.c.at >= since)
        if record is not None:
            query = query.where(AUDIT.c.record == record)
        if limit is not None:
            query = query.limit(limit)
        with self._read() as conn:
            rows = conn.execute(query).all()
        return [AuditEntry(r.id, _utc(r.at), r.actor, r.action, r.record, dict(r.detail or {}), r.origin)
                for r in reversed(rows)]

    # --- purging a case -----------------------------------------------------------------------------

    def purge_case(self, case_id: str, *, actor: str, reason: str, origin: str = "") -> dict:
        """Remove a case, every version of it, its comments (part of its data) and the editor's privacy
        overrides, and take its id out of every session's case list; write the audit row — one
        transaction. Returns counts (no content). Call `compact()` afterwards so the deleted text
        does not stay in free pages of the database."""
        actor = _require_author(actor)
        if not reason or not reason.strip():
            raise StoreError("削除の理由（--reason）を入力してください")
        with self._write() as conn:
            row = conn.execute(sa.select(CASES.c.id, CASES.c.data).where(CASES.c.id == case_id)
                               .with_for_update()).first()
            if row is None:
                raise NotFoundError(f"事例番号「{case_id}」の事例はありません", record=case_id)
            counts = {"versions": conn.execute(sa.select(sa.func.count()).select_from(HISTORY)
                                               .where(HISTORY.c.case_id == case_id)).scalar(),
                      "comments": len(row.data.get("comments", [])),
                      "overrides": conn.execute(OVERRIDES.delete().where(OVERRIDES.c.case_id == case_id)).rowcount}
            conn.execute(HISTORY.delete().where(HISTORY.c.case_id == case_id))
            conn.execute(CASES.delete().where(CASES.c.id == case_id))
            counts["sessions"] = self._drop_from_sessions(conn, case_id)
            self._append_audit(conn, actor=actor, action=PURGE_ACTION, record=case_id, origin=origin,
                               detail={"reason": reason.strip(), **counts})
        return counts

    def _drop_from_sessions(self, conn: Connection, case_id: str) -> list[str]:
        changed = []
        for sid, data in conn.execute(sa.select(SESSIONS.c.id, SESSIONS.c.data).with_for_update()).all():
            if case_id in data.get("case_ids", []):
                data = {**data, "case_ids": [c for c in data["case_ids"] if c != case_id]}
                conn.execute(SESSIONS.update().where(SESSIONS.c.id == sid).values(data=data, updated_at=_now()))
                changed.append(sid)
        return changed

    def compact(self) -> list[str]:
        """Rewrite the database so deleted rows leave no bytes behind; returns what could not be done.

        SQLite: checkpoint the WAL into the file, VACUUM (the file is rebuilt without free pages),
        checkpoint again and truncate the WAL. A reader holding an old snapshot keeps the WAL from
        being truncated: that is reported, and the next compact (or the last connection closing) ends it.
        PostgreSQL: VACUUM FULL of the tables a purge touches (each is rewritten into a new file)."""
        notes: list[str] = []
        if self.dialect == "sqlite":
            raw = self.engine.raw_connection()
            try:
                cur = raw.cursor()
                cur.execute("PRAGMA wal_checkpoint(TRUNCATE)")
                cur.execute("VACUUM")
                busy, _log, _done = cur.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
                if busy:
                    notes.append("ほかの接続が読み取り中のため、WAL ファイルを空にできませんでした。"
                                 "アプリを止めてから workbench purge をもう一度実行するか、しばらく後に確認してください")
            finally:
                raw.close()
        elif self.dialect == "postgresql":
            with self.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                for table in (CASES, HISTORY, OVERRIDES, SESSIONS):
                    conn.exec_driver_sql(f"VACUUM (FULL, ANALYZE) {table.name}")
        return notes
