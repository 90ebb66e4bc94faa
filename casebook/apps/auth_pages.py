"""The signed-in server's own pages: sign-in, home, password change, join by code, sign-out.

Every form carries the `_xsrf` token (Jupyter Server checks it on every POST); every refusal is a
Japanese message and changes nothing; every outcome is in the audit log (casebook.accounts).
"""
from __future__ import annotations

import asyncio
from urllib.parse import urlsplit

from jupyter_server.auth.decorator import allow_unauthenticated
from jupyter_server.base.handlers import JupyterHandler
from tornado import web

from casebook import accounts, vocab
from casebook.apps.auth import BACKEND, COOKIE, cookie_token, origin_of, render_page, secure_cookies
from casebook.apps.pages import PARTICIPANT_PAGE, SESSIONS_DIR, home_links


def _set_login_cookie(handler, token: str) -> None:
    # A session cookie (gone with the browser); the store's row decides idle and absolute expiry.
    handler.set_secure_cookie(COOKIE, token, expires_days=None, httponly=True, samesite="Lax",
                              secure=secure_cookies(handler), path=handler.base_url)


def _local_next(handler, value: str | None) -> str:
    """Only a path on this server (never another host) is followed after sign-in."""
    base = handler.base_url
    parts = urlsplit(value or "")
    if parts.scheme or parts.netloc or not (value or "").startswith(base) or "\\" in (value or ""):
        return base
    return value


class WorkbenchHandler(JupyterHandler):
    @property
    def login(self):
        return getattr(self, "_workbench_login", None)

    def write_error(self, status_code: int, **kwargs) -> None:
        """Our own page for errors (a missing or stale _xsrf on a form: 403) in Japanese."""
        message = {403: "フォームの有効期限が切れたか、別のサイトから送られました。ページを開き直してください。"
                   }.get(status_code, "処理できませんでした。ページを開き直してください。")
        render_page(self, "message.html.j2", status=status_code, title="送信できませんでした", message=message,
                    user=None)


class SignInHandler(WorkbenchHandler):
    @allow_unauthenticated
    def get(self):
        if self.login is not None:
            return self.redirect(_local_next(self, self.get_query_argument("next", None)))
        render_page(self, "signin.html.j2", next=_local_next(self, self.get_query_argument("next", None)),
                    error="", entered="")

    @allow_unauthenticated
    async def post(self):
        name = self.get_body_argument("name", "")
        target = _local_next(self, self.get_body_argument("next", None))
        try:
            signed = accounts.sign_in(BACKEND.store, name, self.get_body_argument("password", ""),
                                      origin=origin_of(self))
        except accounts.SignInRefused as exc:
            await asyncio.sleep(exc.delay)       # each wrong guess costs more time
            return render_page(self, "signin.html.j2", status=403, next=target, error=str(exc), entered=name,
                               user=None)
        _set_login_cookie(self, signed.token)
        self.redirect(self.base_url + "password" if signed.must_change else target)


class SignOutHandler(WorkbenchHandler):
    @allow_unauthenticated
    async def post(self):
        login = accounts.sign_out(BACKEND.store, cookie_token(self), origin=origin_of(self))
        self.clear_cookie(COOKIE, path=self.base_url)
        if login is not None:   # an open page's socket would outlive the sign-out: end its kernel
            for kernel_id in BACKEND.store.login_kernels(login.id):
                if kernel_id in self.kernel_manager:
                    await self.kernel_manager.shutdown_kernel(kernel_id)
        render_page(self, "message.html.j2", title="サインアウトしました", user=None,
                    message="サインアウトしました。続けるときはもう一度サインインしてください。",
                    link=(self.base_url + "login", "サインイン"))


class HomeHandler(WorkbenchHandler):
    @web.authenticated
    def get(self):
        user = accounts.user_of(self.login)
        if self.login.session_ref:   # a participant has one page: their session's
            return self.redirect(f"{self.base_url}voila/render/{SESSIONS_DIR}/{self.login.session_ref}/{PARTICIPANT_PAGE}")
        from casebook.apps.editable import apps_dir

        links = home_links(BACKEND.store, user, apps_dir(BACKEND.settings))
        import os

        render_page(self, "home.html.j2", links=links, role_label=user.role_label,
                    status_label=vocab.status_label, public_url=os.environ.get("WORKBENCH_PUBLIC_URL", ""))


class PasswordHandler(WorkbenchHandler):
    @web.authenticated
    def get(self):
        render_page(self, "password.html.j2", error="", must_change=self._must_change())

    def _must_change(self) -> bool:
        user = BACKEND.store.get_user(self.login.user_name)
        return bool(user and user.must_change)

    @web.authenticated
    def post(self):
        new = self.get_body_argument("new", "")
        if new != self.get_body_argument("again", ""):
            return render_page(self, "password.html.j2", status=400, error="新しいパスワードが2回で一致しません",
                               must_change=self._must_change())
        try:
            accounts.change_own_password(BACKEND.store, self.login, self.get_body_argument("current", ""), new,
                                         origin=origin_of(self))
        except accounts.AccountError as exc:
            return render_page(self, "password.html.j2", status=400, error=str(exc), must_change=self._must_change())
        self.clear_cookie(COOKIE, path=self.base_url)   # the change ended every session: sign in with the new one
        render_page(self, "message.html.j2", title="パスワードを変更しました", user=None,
                    message="新しいパスワードでサインインしてください。", link=(self.base_url + "login", "サインイン"))


class JoinHandler(WorkbenchHandler):
    """Training participants: the session's join code gives an identity for that session only."""

    @allow_unauthenticated
    def get(self):
        render_page(self, "join.html.j2", error="", code=self.get_query_argument("code", ""), entered_name="",
                    entered_ward="", user=None)

    @allow_unauthenticated
    async def post(self):
        code, name, ward = (self.get_body_argument(k, "") for k in ("code", "name", "ward"))
        try:
            signed = accounts.join_session(BACKEND.store, BACKEND.secret, code, name=name, ward=ward,
                                           origin=origin_of(self))
        except accounts.SignInRefused as exc:
            await asyncio.sleep(exc.delay)
            return render_page(self, "join.html.j2", status=403, error=str(exc), code=code, entered_name=name,
                               entered_ward=ward, user=None)
        _set_login_cookie(self, signed.token)
        self.redirect(f"{self.base_url}voila/render/{SESSIONS_DIR}/{signed.login.session_ref}/{PARTICIPANT_PAGE}")


def handlers(base_url: str) -> list:
    from casebook.apps import api

    base = base_url.rstrip("/")
    return [*api.handlers(base), (base + "/", HomeHandler), (base + "/login", SignInHandler), (base + "/logout", SignOutHandler),
            (base + "/password", PasswordHandler), (base + "/join", JoinHandler)]
