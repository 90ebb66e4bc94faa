"""Who is asking: the `User` every app receives (name, role, ward, session).

    User(name, role, ward="", session="")        frozen; role one of ROLES (more may come, e.g. admin)
    role_label(role) -> str                      区社協職員, 学識経験者（助言者）, …

Apps never decide who someone is; they are handed a `User` and ask `casebook.workflow` what that
user may do. What a user may do is decided there, never here.

DEVELOPMENT MODE ONLY — everything below the line "development mode" fills a `User` from the page's
URL (?role=editor&author=…), which anyone can type. It exists so the apps can be used and tested
before sign-in is built. A later sign-in fills `User` from the server (the built-in sign-in or
JupyterHub) and these helpers are then no longer called by the apps:

    page_query() -> dict[str, str]                    the Voila page's URL query ({} outside Voila; the
                                                      published pages read their filters with it too)
    parse_flag(value) -> bool                         "1/true/はい" → True, refused with a ValueError
    dev_case_page(params, query=None) -> (CasePage | None, problems)   the case form's page
    dev_case_url(page, **changes) -> str              "?case_id=…&role=…" reopening that page
    dev_facilitator(session_id, query=None) -> User   the key in the URL (?key=…) makes the facilitator
    participant(session_id, name, ward="") -> User    a participant who named themselves in the page

Problems come back as Japanese lines naming the URL parameter they are about.

SIGNED-IN MODE — a server started with sign-in (`workbench serve` without --dev) exports
WORKBENCH_AUTH=signin to its kernels, and the URL no longer says who is asking:

    signed_in_mode() -> bool                  the server vouches for the user; URL roles are ignored
    server_user(store) -> (User | None, why)  the page's signed-in user, redeemed once per kernel from
                                              the one-time ticket the server put in the request
                                              (casebook.apps.auth), preheated kernels included
    case_page(params, store) -> (CasePage | None, problems)   dev_case_page or the signed-in page
    case_url(page, **changes) -> str          the query that reopens a page (only case_id when signed in)
    dev_banner() -> str                       the line every development-mode page shows ("" otherwise)
"""

from __future__ import annotations

import hmac
import os
import re
from dataclasses import dataclass
from typing import Any, Mapping
from urllib.parse import parse_qsl, urlencode

from casebook import vocab
from casebook.model import SHORT as NAME_MAX   # a name follows the case sheet's one-line limit

CASE_ROLES = ("staff", "advisor", "editor")         # the case form's roles
SESSION_ROLES = ("facilitator", "participant")      # a training session's roles
ROLES = CASE_ROLES + SESSION_ROLES

_ROLE_LABELS = {"participant": "研修会の参加者", "admin": "管理者"}

AUTH_ENV = "WORKBENCH_AUTH"                  # "signin": set by the server, never by a request
TICKET_HEADER = "X-Workbench-Ticket"         # put into page requests by casebook.apps.auth only
TICKET_ENV = "HTTP_X_WORKBENCH_TICKET"       # how Voila hands that header to the kernel (http_header_envs)


@dataclass(frozen=True)
class User:
    """Who is asking. `ward` is the ward council a member of staff belongs to ("" = none given);
    `session` is the training session a facilitator or participant is in ("" = none)."""

    name: str
    role: str
    ward: str = ""
    session: str = ""

    @property
    def role_label(self) -> str:
        return role_label(self.role)


def role_label(role: str) -> str:
    """The role's Japanese name (the role itself when the vocabulary does not know it)."""
    names = {r["id"]: r["name"] for r in vocab.app_roles()}
    return names.get(role) or _ROLE_LABELS.get(role) or str(role)


# --- development mode: the user from the URL ------------------------------------------------------------

def page_query() -> dict[str, str]:
    """The page's URL query string as a dict (last value wins); {} outside Voila.

    With preheated kernels the notebook runs before the request exists: Voila's helper waits for it.
    """
    wait_for_request()
    query = os.environ.get("QUERY_STRING") or ""
    return dict(parse_qsl(query, keep_blank_values=True))


_REQUEST_SEEN = False


def wait_for_request() -> None:
    """A preheated kernel waits (once) until Voila hands it its request. Only once: a second wait
    would never be answered, and Voila's request-info socket drops another kernel's waiter when a
    kernel reconnects under the same id."""
    global _REQUEST_SEEN
    if os.environ.get("VOILA_PREHEAT") == "True" and not _REQUEST_SEEN:
        from voila.utils import wait_for_request as voila_wait

        voila_wait()
        _REQUEST_SEEN = True


_TRUE = {"1", "true", "yes", "on", "はい", "y"}
_FALSE = {"", "0", "false", "no", "off", "いいえ", "n", "none"}


def parse_flag(value: object) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValueError(f"「{value}」ははい／いいえとして読めません（true / false）")


@dataclass(frozen=True)
class CasePage:
    """What a case-form page was asked for: by whom, which case ("" = a new one), read-only or not."""

    user: User
    case_id: str = ""
    read_only: bool = False


CASE_PAGE_KEYS = ("case_id", "ward", "author", "role", "read_only")
_CASE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,39}")


def dev_case_page(params: Mapping[str, Any], query: Mapping[str, str] | None = None
                  ) -> tuple[CasePage | None, list[str]]:
    """The case form's page from the notebook's parameters, URL query values winning (development mode only).

    `params` and `query` use the keys CASE_PAGE_KEYS; a query key outside them is refused.
    """
    given = {"case_id": "", "ward": "", "author": "", "role": "staff", "read_only": False, **params}
    if query is not None:
        unknown = sorted(set(query) - set(CASE_PAGE_KEYS))
        if unknown:
            return None, [f"このページでは使えない指定があります: {', '.join(unknown)}"]
        given.update(query)
    problems: list[str] = []
    role = given["role"]
    role_text = vocab.normalize(role or "staff").lower()
    if role_text not in CASE_ROLES:
        problems.append(f"役割（role）「{role}」は使えません（staff / advisor / editor のどれか）")
    ward_name = ""
    if str(given["ward"] or "").strip():
        try:
            ward_name = vocab.parse_ward(given["ward"]).name
        except vocab.VocabError as exc:
            problems.append(f"区（ward）: {exc}")
    case_id = given["case_id"]
    case_text = vocab.normalize(case_id or "")
    if case_text and not _CASE_ID.fullmatch(case_text):
        problems.append(f"事例番号（case_id）「{case_id}」は半角英数字とハイフンで指定してください")
    author_text = str(given["author"] or "").strip()
    if re.search(r"[\x00-\x1f\x7f]", author_text) or len(author_text) > NAME_MAX:
        problems.append("記入者（author）は改行・制御文字なしの200文字以内で指定してください")
    try:
        flag = parse_flag(given["read_only"])
    except ValueError as exc:
        problems.append(f"読み取り専用（read_only）: {exc}")
        flag = True
    if not flag and not author_text and not problems:
        problems.append("記入者（author）を指定してください（例: ?author=山田&role=staff&ward=生野区）")
    if problems:
        return None, problems
    return CasePage(User(author_text, role_text, ward_name), case_text, flag), []


def dev_case_url(page: CasePage, **changes: str) -> str:
    """The query that reopens this page (development mode only: with sign-in only case_id stays)."""
    values = {"case_id": page.case_id, "ward": page.user.ward, "author": page.user.name, "role": page.user.role,
              "read_only": "1" if page.read_only else "", **changes}
    return "?" + urlencode({k: v for k, v in values.items() if v})


def _same_key(given: str, expected: str) -> bool:
    return hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8"))


def dev_facilitator(session_id: str, query: Mapping[str, str] | None = None) -> User:
    """Who opened a session's facilitator page (development mode only).

    `workbench session serve` puts a key in the facilitator's URL (?key=…) and in its kernels'
    environment: whoever brings that key is the facilitator; anyone else is taken for a participant.
    A batch run (no key set) runs as the facilitator.
    """
    from casebook.sessions import FACILITATOR_KEY_ENV

    expected = os.environ.get(FACILITATOR_KEY_ENV)
    if expected:
        given = (page_query() if query is None else query).get("key", "")
        role = "facilitator" if _same_key(str(given), expected) else "participant"
    else:
        role = "facilitator"
    return User("", role, "", session_id)


def participant(session_id: str, name: object, ward: str = "") -> User:
    """A participant who named themselves in the page; the name follows the session roster's rule
    (casebook.sessions.SubmissionError says why a name is refused)."""
    from casebook.sessions.submissions import _check_name   # the rule every submission's name passes

    return User(_check_name(name), "participant", ward, session_id)


# --- signed-in mode: the user from the server -----------------------------------------------------------

def signed_in_mode() -> bool:
    return os.environ.get(AUTH_ENV) == "signin"


def in_voila() -> bool:
    return "VOILA_BASE_URL" in os.environ or os.environ.get("VOILA_PREHEAT") == "True"


def dev_banner() -> str:
    """What every development-mode page says about itself ("" when signed in or outside Voila)."""
    if signed_in_mode() or not in_voila():
        return ""
    return ("開発モード: サインインなしで、役割と名前をURLから読んでいます。"
            "このサーバーは 127.0.0.1 だけで待ち受け、実際の業務には使えません。")


def kernel_id() -> str:
    """This kernel's id: Voila tells a preheated kernel; otherwise its connection file is named after it."""
    known = os.environ.get("VOILA_KERNEL_ID")
    if known:
        return known
    try:
        from ipykernel.connect import get_connection_file

        match = re.search(r"kernel-([0-9a-f-]{36})\.json$", get_connection_file())
        return match.group(1) if match else ""
    except Exception:  # noqa: BLE001 - not in a kernel
        return ""


_SERVER_USER: tuple[User, str] | None = None   # (user, login id): redeemed once per kernel


def server_user(store) -> tuple[User | None, str]:
    """The signed-in user whose page started (or took) this kernel, or (None, why not)."""
    global _SERVER_USER
    if _SERVER_USER is not None:
        return _SERVER_USER[0], ""
    wait_for_request()
    ticket = os.environ.pop(TICKET_ENV, "")   # used once; a later reader of the environment finds nothing
    from casebook import accounts

    login = accounts.redeem_ticket(store, ticket, kernel_id()) if ticket else None
    if login is None:
        return None, "サインインを確認できませんでした。サインインし直してから開いてください。"
    _SERVER_USER = (accounts.user_of(login), login.id)
    return _SERVER_USER[0], ""


def server_login_id() -> str:
    return _SERVER_USER[1] if _SERVER_USER else ""


def case_page(params: Mapping[str, Any], store=None, query: Mapping[str, str] | None = None
              ) -> tuple[CasePage | None, list[str]]:
    """The case form's page: development mode reads the user from the URL; signed in, the user is the
    server's and only case_id / read_only are read from the URL (role=, author=, ward= are ignored)."""
    if not signed_in_mode():
        return dev_case_page(params, query)
    user, why = server_user(store)
    if user is None:
        return None, [why]
    given = {"case_id": params.get("case_id", ""), "read_only": params.get("read_only", False)}
    given.update({k: v for k, v in (query or {}).items() if k in ("case_id", "read_only")})
    case_text = vocab.normalize(str(given["case_id"] or ""))
    if case_text and not _CASE_ID.fullmatch(case_text):
        return None, [f"事例番号（case_id）「{given['case_id']}」は半角英数字とハイフンで指定してください"]
    try:
        flag = parse_flag(given["read_only"])
    except ValueError as exc:
        return None, [f"読み取り専用（read_only）: {exc}"]
    return CasePage(user, case_text, flag), []


def case_url(page: CasePage, **changes: str) -> str:
    if not signed_in_mode():
        return dev_case_url(page, **changes)
    values = {"case_id": page.case_id, "read_only": "1" if page.read_only else "", **changes}
    return "?" + urlencode({k: v for k, v in values.items() if k in ("case_id", "read_only") and v})
