"""`Store`: the one object through which the workbench reads and writes its database."""
from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa

from casebook.errors import DuplicateError, NotFoundError
from casebook.model import Case, Evaluation, GroupNote, Session, WardActivity
from casebook.store.audit import AuditMixin
from casebook.store.base import StoreBase
from casebook.store.cases import CasesMixin
from casebook.store.figures import FiguresMixin
from casebook.store.records import _require_author
from casebook.store.schema import CASES, NOTES, SESSIONS
from casebook.store.sessions import SessionsMixin
from casebook.store.users import UsersMixin


class Store(CasesMixin, SessionsMixin, FiguresMixin, UsersMixin, AuditMixin, StoreBase):
    """Cases (versioned, with history), sessions, notes, evaluations, ward figures, accounts and the audit log."""

    def import_all(self, *, cases: Iterable[Case] = (), activity: Iterable[WardActivity] = (),
                   sessions: Iterable[Session] = (), notes: Iterable[GroupNote] = (),
                   evaluations: Iterable[Evaluation] = (), author: str = "import") -> dict[str, int]:
        """Everything in ONE transaction: any failure leaves the store exactly as it was.

        A new case gets version 1, a changed one a new version (action "import", status taken as
        given: this is the editor's bulk path), an identical one is left alone. Notes already present
        (same session, group, question, author, text) are not added twice.
        """
        author = _require_author(author)
        counts = dict.fromkeys(("cases", "cases_new", "cases_updated", "cases_unchanged", "activity",
                                "sessions", "notes", "evaluations"), 0)
        with self._write() as conn:
            seen: set[str] = set()
            for case in cases:
                if case.id in seen:
                    raise DuplicateError(f"取り込む事例の中に事例番号「{case.id}」が2回あります")
                seen.add(case.id)
                row = conn.execute(sa.select(CASES).where(CASES.c.id == case.id).with_for_update()).first()
                data = case.model_dump(mode="json")
                if row is None:
                    self._insert_case(conn, case, author, "import")
                    counts["cases_new"] += 1
                elif row.data == data:
                    counts["cases_unchanged"] += 1
                else:
                    self._update_case(conn, row, data, author, "import")
                    counts["cases_updated"] += 1
                counts["cases"] += 1
            for session in sessions:
                self._put_session(conn, session)
                counts["sessions"] += 1
            for n, note in enumerate(notes, start=1):
                if not conn.execute(sa.select(SESSIONS.c.id).where(SESSIONS.c.id == note.session_id)).first():
                    raise NotFoundError(f"グループの記録 {n} 件目: 研修会「{note.session_id}」はありません")
                same = sa.select(NOTES.c.id).where(
                    NOTES.c.session_id == note.session_id, NOTES.c.group_name == note.group,
                    NOTES.c.question == note.question, NOTES.c.author == note.author, NOTES.c.text == note.text)
                if not conn.execute(same).first():
                    self._insert_note(conn, note)
                counts["notes"] += 1
            for n, evaluation in enumerate(evaluations, start=1):
                if not conn.execute(sa.select(SESSIONS.c.id).where(SESSIONS.c.id == evaluation.session_id)).first():
                    raise NotFoundError(f"アンケート {n} 件目: 研修会「{evaluation.session_id}」はありません")
                self._put_evaluation(conn, evaluation)
                counts["evaluations"] += 1
            for row in activity:
                self._put_activity(conn, row)
                counts["activity"] += 1
        return counts

