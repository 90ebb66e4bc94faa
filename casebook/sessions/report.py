"""What the session report shows, read in one go from the store (the HTML is
casebook.render.session_report)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from casebook.model import Evaluation, Session
from casebook.sessions.board import comparison


@dataclass(frozen=True)
class ReportData:
    """Everything the report shows, read in one go from the store."""
    session: Session
    notes: list
    evaluations: list[Evaluation]
    earlier: Any                                  # sessions.comparison(...)
    case_titles: list[tuple[str, str]]


def load(store, session_id: str) -> ReportData:
    from casebook.store import NotFoundError

    session = store.get_session(session_id)
    titles = []
    for case_id in session.case_ids:
        try:
            titles.append((case_id, store.get_case(case_id).case.title))
        except NotFoundError:
            titles.append((case_id, "（事例が見つかりません）"))
    return ReportData(session, store.group_notes(session_id), store.evaluations(session_id),
                      comparison(store, session), titles)
