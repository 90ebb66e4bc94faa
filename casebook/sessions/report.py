"""What the session report shows, read in one go from the store (the HTML is
casebook.render.session_report)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from casebook.model import Evaluation, Session
from casebook.sessions.board import comparison, joined_participants


@dataclass(frozen=True)
class ReportData:
    """Everything the report shows, read in one go from the store."""
    session: Session
    notes: list
    evaluations: list[Evaluation]
    earlier: Any                                  # sessions.comparison(...)
    case_titles: list[tuple[str, str]]
    joined: list[tuple[str, str]]                 # (name, ward) of who came: sessions.attendance(...)


def _gated(text: str) -> str:
    """Free text as the report may print it: anonymised like a case passing the gate (Aさん, （略））."""
    from casebook.privacy import anonymize

    return anonymize(text) if text else text


def load(store, session_id: str) -> ReportData:
    from casebook.store import NotFoundError

    session = store.get_session(session_id)
    titles = []
    for case_id in session.case_ids:
        try:
            titles.append((case_id, store.get_case(case_id).case.title))
        except NotFoundError:
            titles.append((case_id, "（事例が見つかりません）"))
    notes, evaluations = store.group_notes(session_id), store.evaluations(session_id)
    joined = joined_participants(store, session, notes, evaluations)
    # Group work discusses real cases: what participants and the advisor typed passes the gate first.
    notes = [(nid, n.model_copy(update={"text": _gated(n.text)})) for nid, n in notes]
    evaluations = [e.model_copy(update={"comments": _gated(e.comments), "requests": _gated(e.requests)})
                   for e in evaluations]
    session = session.model_copy(update={"summary": _gated(session.summary)})
    return ReportData(session, notes, evaluations, comparison(store, session), titles, joined)
