"""Which pages the signed-in server serves, and whether this user may open one (asked of
casebook.workflow): the answer comes before a kernel starts, as an HTTP status and a Japanese reason.

    page_decision(store, user, page, query) -> (200 | 403 | 404, reason)
    home_links(store, user, served=None) -> dict   what the home page lists for this user (reports too)
    SESSIONS_DIR                        sessions' pages live under sessions/<id>/ in the served folder
"""
from __future__ import annotations

import re
from typing import TYPE_CHECKING, Mapping

from casebook import workflow
from casebook.errors import NotFoundError

if TYPE_CHECKING:
    from casebook.identity import User

CASE_FORM = "case_analysis.ipynb"
SESSIONS_DIR = "sessions"
FACILITATOR_PAGE = "training_session.ipynb"
PARTICIPANT_PAGE = "session_participant.ipynb"
REPORT_PAGE = "report.ipynb"             # the executed session report: the facilitator's (and editors')
SESSION_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}")
_SESSION_PAGE = re.compile(rf"{SESSIONS_DIR}/({SESSION_ID.pattern})/([a-z_]+\.ipynb)")
NO_PAGE = "このページはありません"


def page_decision(store, user: "User", page: str, query: Mapping[str, str]) -> tuple[int, str]:
    if page == CASE_FORM:
        return _case_form(store, user, query)
    match = _SESSION_PAGE.fullmatch(page)
    if match and match.group(2) in (FACILITATOR_PAGE, PARTICIPANT_PAGE, REPORT_PAGE):
        try:
            session = store.get_session(match.group(1))
        except NotFoundError:
            return 404, f"研修会「{match.group(1)}」は登録されていません"
        if match.group(2) in (FACILITATOR_PAGE, REPORT_PAGE):
            decision = workflow.may_run_session(user, session)
        else:
            decision = workflow.may_take_part(user, session)
        return (200, "") if decision else (403, decision.reason)
    return 404, NO_PAGE


def _case_form(store, user: "User", query: Mapping[str, str]) -> tuple[int, str]:
    case_id = str(query.get("case_id") or "").strip()
    if not case_id:
        if workflow.may_create(user) or workflow.worklist(user) is not None:
            return 200, ""
        return 403, workflow.may_create(user).reason
    try:
        record = store.get_case(case_id)
    except NotFoundError as exc:
        return 404, str(exc)
    decision = workflow.may_read(user, record)
    return (200, "") if decision else (403, decision.reason)


def home_links(store, user: "User", served=None) -> dict:
    """What this user may open: new case, the cases listed for them, their sessions (with the report,
    when `served`, the served folder, holds one)."""
    from urllib.parse import quote

    links: dict = {"new_case": bool(workflow.may_create(user)), "cases": [], "sessions": [], "reports": {},
                   "case_form": f"/voila/render/{CASE_FORM}"}
    kwargs = workflow.worklist(user)
    if kwargs is not None:
        links["cases"] = [r for r in store.list_cases(**kwargs) if workflow.may_read(user, r)][:200]
    for session in store.list_sessions():
        if workflow.may_run_session(user, session):
            links["sessions"].append((session, f"/voila/render/{SESSIONS_DIR}/{quote(session.id)}/{FACILITATOR_PAGE}"))
            if served is not None and (served / SESSIONS_DIR / session.id / REPORT_PAGE).is_file():
                links["reports"][session.id] = f"/voila/render/{SESSIONS_DIR}/{quote(session.id)}/{REPORT_PAGE}"
    return links


def join_details(session_id: str) -> tuple[str, str]:
    """(join code, join URL) for a session, from inside a page's kernel on the signed-in server: the code
    from the server's secret (casebook.accounts.join_code), the URL from the request Voila handed over
    (the address the facilitator reached, so the participants' phones on the same network reach it too)."""
    import os
    from urllib.parse import urlsplit

    from casebook import accounts
    from casebook.settings import Settings

    code = accounts.join_code(accounts.cookie_secret(Settings.from_env().data_dir), session_id)
    from casebook.apps.auth import SECURE_ENV

    # The request's Host as Voila handed it over (SERVER_NAME/PORT: a preheated kernel gets them with
    # its request; VOILA_REQUEST_URL would be the pool's); https when cookies are Secure (behind TLS).
    host, port = os.environ.get("SERVER_NAME", ""), os.environ.get("SERVER_PORT", "")
    if not host:
        host = urlsplit(os.environ.get("VOILA_REQUEST_URL", "")).hostname or ""
    scheme = "https" if os.environ.get(SECURE_ENV) == "1" else "http"
    default = {"http": "80", "https": "443"}[scheme]
    site = f"{scheme}://{host}{':' + port if port and port != default else ''}" if host else ""
    base = "/" + os.environ.get("VOILA_BASE_URL", "/").strip("/")
    return code, f"{site}{base.rstrip('/')}/join?code={code}"
