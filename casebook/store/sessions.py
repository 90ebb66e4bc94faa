"""Training sessions, their group notes and evaluation surveys."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from casebook.errors import NotFoundError, SessionClosedError, StoreError
from casebook.model import Evaluation, GroupNote, Session
from casebook.store.records import _now
from casebook.store.schema import EVALUATIONS, JOINS, NOTES, SESSIONS


@dataclass(frozen=True)
class SessionJoin:
    """A participant identity that entered a session (the first time; joining again changes nothing)."""
    participant: str
    ward: str
    joined_at: dt.datetime


class SessionsMixin:
    def _put_session(self, conn: Connection, session: Session) -> None:
        stored = conn.execute(sa.select(SESSIONS.c.closed).where(SESSIONS.c.id == session.id)).scalar()
        if stored:  # re-preparing a closed session must not reopen it to submissions
            session = session.model_copy(update={"closed": True})
        self._upsert(conn, SESSIONS, {"id": session.id, "title": session.title, "date": session.date,
                                      "closed": session.closed, "data": session.model_dump(mode="json"),
                                      "updated_at": _now()})

    def _open_session(self, conn: Connection, session_id: str, *, check_closed: bool = True):
        # FOR SHARE: submissions run side by side but wait for (and then see) a closing session.
        row = conn.execute(sa.select(SESSIONS.c.id, SESSIONS.c.title, SESSIONS.c.closed)
                           .where(SESSIONS.c.id == session_id).with_for_update(read=True)).first()
        if row is None:
            raise NotFoundError(f"研修会「{session_id}」はありません")
        if check_closed and row.closed:
            raise SessionClosedError(f"研修会「{row.title}」は終了しているため、入力を受け付けていません")
        return row

    def save_session(self, session: Session) -> None:
        """Upsert by id; a closed session stays closed (reopen_session opens it again)."""
        with self._write() as conn:
            self._put_session(conn, session)

    def get_session(self, session_id: str) -> Session:
        with self._read() as conn:
            row = conn.execute(sa.select(SESSIONS.c.data, SESSIONS.c.closed).where(SESSIONS.c.id == session_id)).first()
        if row is None:
            raise NotFoundError(f"研修会「{session_id}」はありません")
        return Session.model_validate({**row.data, "closed": bool(row.closed)})

    def list_sessions(self) -> list[Session]:
        with self._read() as conn:
            rows = conn.execute(sa.select(SESSIONS.c.data, SESSIONS.c.closed)
                                .order_by(SESSIONS.c.date, SESSIONS.c.id)).all()
        return [Session.model_validate({**r.data, "closed": bool(r.closed)}) for r in rows]

    def _set_closed(self, session_id: str, closed: bool, summary: str | None) -> None:
        with self._write() as conn:
            row = conn.execute(sa.select(SESSIONS.c.data).where(SESSIONS.c.id == session_id).with_for_update()).first()
            if row is None:
                raise NotFoundError(f"研修会「{session_id}」はありません")
            data = {**row.data, "closed": closed, **({"summary": summary} if summary is not None else {})}
            data = Session.model_validate(data).model_dump(mode="json")
            conn.execute(SESSIONS.update().where(SESSIONS.c.id == session_id)
                         .values(closed=closed, data=data, updated_at=_now()))

    def set_session_summary(self, session_id: str, summary: str) -> Session:
        """Only the advisor's 総括, read and written under the row lock; refused once the session is closed."""
        with self._write() as conn:
            row = conn.execute(sa.select(SESSIONS.c.data, SESSIONS.c.closed, SESSIONS.c.title)
                               .where(SESSIONS.c.id == session_id).with_for_update()).first()
            if row is None:
                raise NotFoundError(f"研修会「{session_id}」はありません")
            if row.closed:
                raise SessionClosedError(f"研修会「{row.title}」は終了しているため、入力を受け付けていません")
            session = Session.model_validate({**row.data, "summary": summary, "closed": False})
            conn.execute(SESSIONS.update().where(SESSIONS.c.id == session_id)
                         .values(data=session.model_dump(mode="json"), updated_at=_now()))
        return session

    def close_session(self, session_id: str, *, summary: str | None = None) -> None:
        self._set_closed(session_id, True, summary)

    def reopen_session(self, session_id: str) -> None:
        self._set_closed(session_id, False, None)

    def add_group_note(self, note: GroupNote) -> int:
        with self._write() as conn:
            self._open_session(conn, note.session_id)
            return self._insert_note(conn, note)

    def _insert_note(self, conn: Connection, note: GroupNote) -> int:
        now = _now()
        result = conn.execute(NOTES.insert().values(
            session_id=note.session_id, group_name=note.group, question=note.question, author=note.author,
            text=note.text, pinned=note.pinned, created_at=now, updated_at=now))
        return int(result.inserted_primary_key[0])

    def update_group_note(self, note_id: int, note: GroupNote) -> None:
        """Rewrite a note's text while the session is open; pinning is left to set_note_pinned."""
        with self._write() as conn:
            stored = conn.execute(sa.select(NOTES.c.session_id).where(NOTES.c.id == note_id)).scalar()
            if stored is None:
                raise NotFoundError(f"グループの記録（番号 {note_id}）はありません")
            if stored != note.session_id:
                raise StoreError(f"グループの記録（番号 {note_id}）は研修会「{stored}」のものです")
            self._open_session(conn, stored)
            conn.execute(NOTES.update().where(NOTES.c.id == note_id).values(
                group_name=note.group, question=note.question, author=note.author, text=note.text,
                released=False, updated_at=_now()))   # a corrected text is new to the board: masked again

    def set_note_pinned(self, note_id: int, pinned: bool) -> None:
        with self._write() as conn:
            done = conn.execute(NOTES.update().where(NOTES.c.id == note_id).values(pinned=bool(pinned)))
            if done.rowcount != 1:
                raise NotFoundError(f"グループの記録（番号 {note_id}）はありません")

    def set_note_released(self, note_id: int, released: bool = True) -> None:
        with self._write() as conn:
            done = conn.execute(NOTES.update().where(NOTES.c.id == note_id).values(released=bool(released)))
            if done.rowcount != 1:
                raise NotFoundError(f"グループの記録（番号 {note_id}）はありません")

    def record_join(self, session_id: str, participant: str, ward: str = "") -> bool:
        """Record that `participant` entered the open session; False when they had joined already."""
        with self._write() as conn:
            self._open_session(conn, session_id)
            known = conn.execute(sa.select(JOINS.c.participant).where(
                JOINS.c.session_id == session_id, JOINS.c.participant == participant)).first()
            if known:
                return False
            conn.execute(JOINS.insert().values(session_id=session_id, participant=participant, ward=ward or "",
                                               joined_at=_now()))
            return True

    def session_joins(self, session_id: str) -> list[SessionJoin]:
        with self._read() as conn:
            rows = conn.execute(sa.select(JOINS).where(JOINS.c.session_id == session_id)
                                .order_by(JOINS.c.joined_at, JOINS.c.participant)).all()
        return [SessionJoin(r.participant, r.ward, r.joined_at) for r in rows]

    def group_notes(self, session_id: str) -> list[tuple[int, GroupNote]]:
        with self._read() as conn:
            rows = conn.execute(sa.select(NOTES).where(NOTES.c.session_id == session_id).order_by(NOTES.c.id)).all()
        return [(r.id, GroupNote(session_id=r.session_id, group=r.group_name, question=r.question,
                                 author=r.author, text=r.text, pinned=bool(r.pinned),
                                 released=bool(r.released))) for r in rows]

    def save_evaluation(self, evaluation: Evaluation) -> None:
        with self._write() as conn:
            self._open_session(conn, evaluation.session_id)
            self._put_evaluation(conn, evaluation)

    def _put_evaluation(self, conn: Connection, evaluation: Evaluation) -> None:
        self._upsert(conn, EVALUATIONS, {"session_id": evaluation.session_id, "participant": evaluation.participant,
                                         "data": evaluation.model_dump(mode="json"), "updated_at": _now()})

    def evaluations(self, session_id: str) -> list[Evaluation]:
        with self._read() as conn:
            rows = conn.execute(sa.select(EVALUATIONS.c.data).where(EVALUATIONS.c.session_id == session_id)
                                .order_by(EVALUATIONS.c.updated_at, EVALUATIONS.c.participant)).scalars()
            return [Evaluation.model_validate(d) for d in rows]
