"""Sign-in inside Voila, through Jupyter Server's own extension points (loaded only in the server).

    WorkbenchIdentityProvider   who is asking: the signed cookie names a login row in the store
                                (casebook.accounts decides whether it is still live). For a page
                                request it also strips any client copy of the ticket header and
                                sets a fresh one-time ticket, which Voila hands to the page's kernel
                                (VoilaConfiguration.http_header_envs); the kernel redeems it once
                                (casebook.identity.server_user) and is bound to that login.
    WorkbenchAuthorizer         a kernel (its websocket, /api/kernels/<id>) is for the login it is
                                bound to only; every other API is refused.

The pages (sign-in, home, password, join, sign-out) are in casebook.apps.auth_pages. A page that
the user may not open is refused here, before any kernel starts: HTTP 403 with the reason from
casebook.workflow, in Japanese.
"""
from __future__ import annotations

import dataclasses
import re
from functools import cached_property
from urllib.parse import unquote

from jupyter_server.auth.authorizer import Authorizer
from jupyter_server.auth.identity import IdentityProvider, User as JupyterUser
from tornado.web import Finish

from casebook import accounts, identity, workflow
from casebook.settings import Settings

COOKIE = "workbench_login"
SECURE_ENV = "WORKBENCH_SECURE_COOKIES"     # "1": cookies only over HTTPS (TLS here or at the proxy)


@dataclasses.dataclass
class WorkbenchUser(JupyterUser):
    """Jupyter's user with the login it came from (the authorizer binds kernels to it)."""
    login_id: str = ""
    role: str = ""
    ward: str = ""
    session_ref: str = ""


class Backend:
    """One store and one secret per server process."""

    @cached_property
    def settings(self) -> Settings:
        return Settings.from_env()

    @cached_property
    def store(self):
        from casebook.store import Store

        return Store.open(self.settings)

    @cached_property
    def secret(self) -> bytes:
        return accounts.cookie_secret(self.settings.data_dir)


BACKEND = Backend()


def origin_of(handler) -> str:
    return handler.request.remote_ip or ""


def secure_cookies(handler) -> bool:
    import os

    return os.environ.get(SECURE_ENV) == "1" or handler.request.protocol == "https"


def cookie_token(handler) -> str | None:
    raw = handler.get_secure_cookie(COOKIE, max_age_days=1)
    return raw.decode("ascii", "replace") if raw else None


def render_page(handler, template: str, status: int = 200, **context) -> None:
    """One of our own pages (casebook/templates/auth/), through casebook.render with autoescape."""
    from casebook.render.html import render

    handler.set_status(status)
    handler.set_header("Content-Type", "text/html; charset=UTF-8")
    handler.set_header("Cache-Control", "no-store")
    handler.set_header("X-Frame-Options", "DENY")
    base = handler.base_url.rstrip("/")
    context.setdefault("user", getattr(handler, "_workbench_login", None))
    context.setdefault("hub", getattr(handler.settings.get("identity_provider"), "is_hub", False))
    handler.finish(render(f"auth/{template}", base=base, xsrf=handler.xsrf_token.decode("ascii"), **context))


class WorkbenchIdentityProvider(IdentityProvider):
    """Built-in users in the store; the cookie carries only a random token, signed by the server."""

    @property
    def login_available(self) -> bool:
        return True

    @property
    def auth_enabled(self) -> bool:
        return True

    def get_handlers(self) -> list:
        from casebook.apps.auth_pages import handlers

        return handlers(self.parent.base_url if self.parent is not None else "/")

    def get_user(self, handler) -> WorkbenchUser | None:
        headers = handler.request.headers
        if identity.TICKET_HEADER in headers:   # only the server may set it, never the browser
            del headers[identity.TICKET_HEADER]
        login = accounts.current_login(BACKEND.store, cookie_token(handler))
        if login is None:
            _refuse_closed_session(handler)
            return None
        handler._workbench_login = login
        user = WorkbenchUser(username=login.user_name, name=login.user_name, display_name=login.user_name,
                             login_id=login.id, role=login.role, ward=login.ward, session_ref=login.session_ref)
        page = page_path(handler)
        if page is not None and handler.request.method == "GET":
            self._gate(handler, login, page)
            headers[identity.TICKET_HEADER] = accounts.issue_ticket(BACKEND.store, login)
        return user

    def _gate(self, handler, login, page: str) -> None:
        gate_page(handler, login, page)


def gate_page(handler, login, page: str) -> None:
    """Refuse a page this user may not open, before a kernel starts: 403 (or 404) with the reason
    (the built-in sign-in's and the hub's identity providers both ask here)."""
    from casebook.apps.pages import page_decision

    status, reason = page_decision(BACKEND.store, accounts.user_of(login), page,
                                   {k: handler.get_query_argument(k) for k in handler.request.query_arguments})
    if status != 200:
        BACKEND.store.append_audit(actor=login.user_name, action="page.refused", record=page,
                                   origin=origin_of(handler), detail={"status": status, "reason": reason})
        handler._workbench_login = login
        render_page(handler, "message.html.j2", status=status, title="このページは開けません", message=reason)
        raise Finish()


def _refuse_closed_session(handler) -> None:
    """A participant whose session has closed gets a Japanese message, not the staff sign-in page."""
    if handler.request.method != "GET" or (page_path(handler) is None and handler.request.path != handler.base_url):
        return
    session = accounts.closed_session_of(BACKEND.store, token=cookie_token(handler))
    if session is not None:
        render_page(handler, "message.html.j2", status=403, title="研修会は終了しました", user=None,
                    message=f"研修会「{session.title}」は終了しました。入力は受け付けていません。ご参加ありがとうございました。")
        raise Finish()


async def end_closed_sessions_kernels(kernel_manager, log=None, noticed: set | None = None) -> list[str]:
    """Shut down the kernels of participants whose session has closed: an open socket outlives the
    cookie check (it is made when the socket opens), so a page left open would go on talking.

    With `noticed` (kept between calls), a kernel is ended at the second call that finds it closed:
    its page has had the time to tell the participant (widgets.session_access.watch_closing)."""
    ended = []
    for kernel_id in list(kernel_manager.list_kernel_ids()):
        login_id = BACKEND.store.kernel_login(kernel_id)
        if login_id and accounts.closed_session_of(BACKEND.store, login_id=login_id) is not None:
            if noticed is not None and kernel_id not in noticed:
                noticed.add(kernel_id)
                continue
            if log is not None:
                log.info("Session closed: shutting down participant kernel %s", kernel_id)
            await kernel_manager.shutdown_kernel(kernel_id)
            ended.append(kernel_id)
            if noticed is not None:
                noticed.discard(kernel_id)
    return ended


_RENDER = re.compile(r"/voila/render/(.+)$")


def page_path(handler) -> str | None:
    """The notebook a request renders (relative to the served folder), None for anything else."""
    base = handler.base_url.rstrip("/")
    path = handler.request.path
    if not path.startswith(base + "/voila/render/"):
        return None
    match = _RENDER.search(path[len(base):])
    return unquote(match.group(1)) if match else None


class WorkbenchAuthorizer(Authorizer):
    """Kernels belong to the login whose ticket their page redeemed; every other API is closed."""

    def is_authorized(self, handler, user, action: str, resource: str) -> bool:
        if not isinstance(user, WorkbenchUser) or resource != "kernels":
            return False
        kernel_id = (getattr(handler, "kernel_id", None) or handler.path_kwargs.get("kernel_id")
                     or (handler.path_args[0] if handler.path_args else None))
        if not kernel_id:
            return False
        allowed = BACKEND.store.kernel_login(str(kernel_id)) == user.login_id
        if not allowed:
            self.log.warning("Refused %s on kernel %s for %s", action, kernel_id, user.username)
        return allowed


def decision_status(decision: workflow.Decision) -> tuple[int, str]:
    return (200, "") if decision else (403, decision.reason)
