"""The workbench as a JupyterHub service: the hub signs people in, the workbench's seam does the rest.

    HubIdentityProvider   JupyterHub's OAuth for services (jupyterhub.singleuser.extension's provider,
                          its routes prefixed with the service's base URL). The hub user's groups give
                          the role and ward (casebook.apps.hub_groups); a user in no mapped group gets the
                          workbench's Japanese refusal. The store learns the user on first visit and a
                          login row stands for their hub token (casebook.accounts.hub_login), so pages,
                          the one-time kernel ticket and casebook.apps.auth.WorkbenchAuthorizer work as
                          with the built-in sign-in: a kernel belongs to one signed-in user.
    end_signed_out_kernels  a kernel socket outlives the check made when it opened: every few seconds
                          the server asks the hub whether each kernel's token still stands, and ends
                          the login and its kernels once the user has signed out at the hub.
    hub_argv / main       the Voila command line of the service (`python -m casebook.apps.hub`), run by
                          the hub (a managed service) or by hand behind a balancer with the same
                          JUPYTERHUB_* environment (casebook.apps.hub_config.service_environment).
"""
from __future__ import annotations

import os
import sys

from jupyter_server.auth.decorator import allow_unauthenticated
from jupyterhub.singleuser.extension import (
    JupyterHubIdentityProvider,
    JupyterHubOAuthCallbackHandler,
)
from tornado.web import Finish
from traitlets import Unicode, default

from casebook import accounts, identity
from casebook.apps.auth import BACKEND, WorkbenchUser, gate_page, origin_of, page_path, render_page
from casebook.apps.auth_pages import HomeHandler, WorkbenchHandler

GROUPS_ENV = "WORKBENCH_HUB_GROUPS"      # the group file the service reads (parameters/hub/groups.yaml)
PIDFILE_ENV = "WORKBENCH_HUB_PIDFILE"    # where a managed service notes its pid (`workbench hub` stops what is left)
APPS_DIR_ENV = "WORKBENCH_HUB_APPS_DIR"  # an apps folder prepared once for several servers (casebook.apps.hub_balanced)
HUB_TOKENS: dict[str, str] = {}          # login id -> hub OAuth token, for the sign-out check (this process only)


def group_map():
    from casebook.apps.hub_groups import load_group_map

    if not hasattr(group_map, "cached"):
        group_map.cached = load_group_map(os.environ.get(GROUPS_ENV) or None)
    return group_map.cached


class HubIdentityProvider(JupyterHubIdentityProvider):
    """Who is asking, from the hub: same WorkbenchUser, same tickets, same refusal pages."""

    is_hub = True
    groups_file = Unicode("", config=True, help="The hub groups -> roles file (default: $WORKBENCH_HUB_GROUPS).")

    @default("hub_auth")
    def _default_hub_auth(self):
        from jupyterhub.services.auth import HubOAuth

        # A short cache: a user removed from a group or signed out at the hub is seen within seconds.
        return HubOAuth(parent=self, cache_max_age=5)

    def get_handlers(self) -> list:
        base = (self.parent.base_url if self.parent is not None else "/").rstrip("/")
        return [(base + "/oauth_callback", JupyterHubOAuthCallbackHandler, {"hub_auth": self.hub_auth}),
                (base + "/", HomeHandler), (base + "/logout", HubSignOutHandler)]

    async def get_user(self, handler):
        if hasattr(handler, "_workbench_user"):
            return handler._workbench_user
        headers = handler.request.headers
        if identity.TICKET_HEADER in headers:   # only the server may set it, never the browser
            del headers[identity.TICKET_HEADER]
        hub_user = await super().get_user(handler)
        handler._workbench_user = None
        if hub_user is None:
            return None
        info = hub_user.hub_user
        name, groups = info.get("name", ""), list(info.get("groups") or [])
        grant = group_map().resolve(groups)
        if grant is None:
            BACKEND.store.append_audit(actor=name or "(不明)", action="user.hub_refused", record=name,
                                       origin=origin_of(handler), detail={"groups": groups})
            self._refuse(handler, "このワークベンチは使えません",
                         f"{name} さんのハブのアカウントには、ワークベンチの役割を決めるグループがありません。"
                         "区社協の職員は区のグループ、助言者・編集者はそれぞれのグループに入っている必要があります。"
                         "管理者に連絡してください。")
        token = self.hub_auth.get_token(handler) or ""
        try:
            login = accounts.hub_login(BACKEND.store, token, name=name, role=grant.role, ward=grant.ward,
                                       origin=origin_of(handler))
        except accounts.SignInRefused as exc:
            self._refuse(handler, "このワークベンチは使えません", str(exc))
        if login is None:   # the workbench's session ended (idle, too old): back to the hub for a fresh token
            self.hub_auth.clear_cookie(handler)
            handler.redirect(handler.request.uri)
            raise Finish()
        HUB_TOKENS[login.id] = token
        handler._workbench_login = login
        user = WorkbenchUser(username=login.user_name, name=login.user_name, display_name=login.user_name,
                             login_id=login.id, role=login.role, ward=login.ward, session_ref=login.session_ref)
        page = page_path(handler)
        if page is not None and handler.request.method == "GET":
            gate_page(handler, login, page)
            headers[identity.TICKET_HEADER] = accounts.issue_ticket(BACKEND.store, login)
        handler._workbench_user = user
        return user

    @staticmethod
    def _refuse(handler, title: str, message: str) -> None:
        render_page(handler, "message.html.j2", status=403, title=title, message=message, user=None,
                    link=(hub_logout_url(handler), "別のアカウントでサインインする"))
        raise Finish()


def hub_logout_url(handler) -> str:
    auth = handler.identity_provider.hub_auth
    return auth.hub_host + auth.hub_prefix.rstrip("/") + "/logout"


class HubSignOutHandler(WorkbenchHandler):
    """サインアウト: the workbench's login and its kernels end here, then the hub signs the user out."""

    @allow_unauthenticated
    async def post(self):
        login = getattr(self, "_workbench_login", None)
        if login is not None:
            await end_login(self.kernel_manager, login.id, origin=origin_of(self))
        self.identity_provider.hub_auth.clear_cookie(self)
        self.redirect(hub_logout_url(self))

    @allow_unauthenticated
    def get(self):
        self.redirect(hub_logout_url(self))


async def end_login(kernel_manager, login_id: str, *, origin: str = "", why: str = "signed_out") -> list[str]:
    login = BACKEND.store.get_login(login_id)
    if login is not None and login.ended_at is None:
        BACKEND.store.end_login(login_id, audit={"actor": login.user_name, "action": "user.sign_out", "origin": origin,
                                                 "detail": {"via": "hub", "why": why}})
    HUB_TOKENS.pop(login_id, None)
    kernels = set(BACKEND.store.login_kernels(login_id))
    close_sockets(kernels)
    ended = []
    for kernel_id in kernels:
        if kernel_id in kernel_manager:
            await kernel_manager.shutdown_kernel(kernel_id)
            ended.append(kernel_id)
    return ended


def close_sockets(kernel_ids: set[str]) -> int:
    """Close the open websockets of these kernels: shutting a kernel down leaves its socket open
    (Jupyter Server only stops relaying), so a page would not learn that it has lost its kernel."""
    from jupyter_server.services.kernels.connection.channels import (
        ZMQChannelsWebsocketConnection,
    )

    closed = 0
    for connection in list(ZMQChannelsWebsocketConnection._open_sockets):
        try:
            kernel_id = connection.kernel_id
        except Exception:  # noqa: BLE001 - a connection whose kernel is already gone
            continue
        if kernel_id in kernel_ids:
            connection.websocket_handler.close(1008, "signed out")
            closed += 1
    return closed


async def end_signed_out_kernels(kernel_manager, hub_auth, log=None) -> list[str]:
    """End the logins (and kernels) whose hub token no longer stands: the user signed out at the hub,
    or the hub revoked the token. Only logins with a kernel in this server are asked about."""
    ended = []
    asked: dict[str, bool] = {}
    for kernel_id in list(kernel_manager.list_kernel_ids()):
        login_id = BACKEND.store.kernel_login(kernel_id)
        token = HUB_TOKENS.get(login_id or "")
        if not token or login_id in asked:
            continue
        model = await hub_auth.user_for_token(token, use_cache=False, sync=False)
        asked[login_id] = model is not None
        if model is None:
            if log is not None:
                log.info("Hub token of login %s no longer stands: ending its kernels", login_id[:8])
            ended += await end_login(kernel_manager, login_id, why="hub_token_revoked")
    return ended


# --- the service's command line ---------------------------------------------------------------------------

def hub_argv(opts, base_url: str) -> list[str]:
    """casebook.apps.serving.signin_argv with the hub's identity provider, under the service's prefix."""
    from casebook.apps.serving import SignInOptions, signin_argv

    argv = signin_argv(opts, SignInOptions(behind_proxy=True))
    argv = [a for a in argv if not a.startswith("--Voila.identity_provider_class=")]
    return argv + ["--Voila.identity_provider_class=casebook.apps.hub.HubIdentityProvider",
                   f"--Voila.base_url={base_url}"]


def main() -> None:
    """Run the service as the hub (or a balancer's set-up) says: JUPYTERHUB_SERVICE_URL says where to
    listen, JUPYTERHUB_SERVICE_PREFIX under which path; the workbench's settings come from WORKBENCH_*."""
    from urllib.parse import urlsplit

    from casebook.apps.editable import APP_NOTEBOOKS, prepare_apps_dir
    from casebook.apps.serving import (
        VOILA_TEMPLATES,
        SignInOptions,
        VoilaOptions,
        signin_env,
    )
    from casebook.settings import Settings

    settings = Settings.from_env()
    where = urlsplit(os.environ["JUPYTERHUB_SERVICE_URL"])
    prefix = os.environ.get("JUPYTERHUB_SERVICE_PREFIX", "/services/workbench/")
    group_map()   # a bad group file stops the service here, with its message, before anyone comes
    # Several servers on one machine serve one folder prepared before they start: each preparing it
    # would delete the folder another one is already serving from.
    root = os.environ.get(APPS_DIR_ENV) or prepare_apps_dir(settings)
    opts = VoilaOptions(root=root, port=where.port or 80, host=where.hostname or "127.0.0.1",
                        pool_size=int(os.environ.get("WORKBENCH_POOL", "2")),
                        preheat_notebooks=list(APP_NOTEBOOKS))
    secure = SignInOptions(behind_proxy=os.environ.get("WORKBENCH_HUB_HTTPS") == "1")
    env = {**os.environ, **settings.environ(), **signin_env(secure)}
    env["JUPYTER_PATH"] = os.pathsep.join(p for p in (str(VOILA_TEMPLATES), env.get("JUPYTER_PATH")) if p)
    env.setdefault("MPLCONFIGDIR", str(settings.build_dir / "mplconfig"))
    env.setdefault("PYTHONUNBUFFERED", "1")
    os.chdir(root)
    if os.environ.get(PIDFILE_ENV):
        from pathlib import Path

        Path(os.environ[PIDFILE_ENV]).write_text(str(os.getpid()))   # the same pid after exec
    argv = hub_argv(opts, prefix)
    os.execve(sys.executable, argv, env)


if __name__ == "__main__":
    main()
