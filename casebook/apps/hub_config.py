"""`workbench hub`: a jupyterhub_config.py written from the workbench's settings, and the hub started.

    load_hub_settings(path=None, **overrides) -> HubSettings   parameters/hub/hub.yaml, checked
    prepare(settings, hub) -> HubFiles      <data>/hub/ (0700): jupyterhub_config.py, cookie secret, the
                                            service's API token, the demo password: all 0600
    render_config(settings, hub, files) -> str       the config's text (values written with repr)
    service_environment(hub, files, settings) -> dict   JUPYTERHUB_* (+ WORKBENCH_*) for an app server started by hand
                                                     (several behind a balancer: hub.service.managed false)
    start_hub(settings, hub, log_path) -> HubProcess JupyterHub + configurable-http-proxy, ready

Roles: JupyterHub's default `user` role lets everyone start a server (JupyterLab, terminals). The
config redefines it: a hub user may reach the workbench service only; the groups marked `lab: true`
in the group file (casebook.apps.hub_groups) get `self` back (their own server). Every group of the
file is created in the hub; with the demo authenticator the file's `demo.users` say who is in which.
"""
from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field, replace
from pathlib import Path
from urllib.parse import urlsplit

from casebook.apps.hub_groups import DEFAULT_PATH as DEFAULT_GROUPS
from casebook.apps.hub_groups import GroupMap, HubGroupsError, load_group_map
from casebook.settings import REPO_ROOT, Settings

DEFAULT_PATH = REPO_ROOT / "parameters" / "hub" / "hub.yaml"
SERVICE = "workbench"
PROXY_BIN = REPO_ROOT / "hub" / "node_modules" / ".bin" / "configurable-http-proxy"
SHARED_PASSWORD = "jupyterhub.authenticators.shared.SharedPasswordAuthenticator"
USER_SCOPES = [f"access:services!service={SERVICE}", "read:users:name!user", "read:users:groups!user"]


@dataclass(frozen=True)
class HubSettings:
    ip: str = "127.0.0.1"
    port: int = 8000                       # the address people open: the proxy
    hub_port: int = 8081                   # the hub's own API, 127.0.0.1
    proxy_api_port: int = 8001
    service_url: str = "http://127.0.0.1:8870"   # the app server, or the balancer in front of several
    managed: bool = True                   # the hub starts (and stops) the app server itself
    pool: int = 2
    https: bool = False                    # TLS ends in front of the proxy: Secure cookies
    groups_file: Path = DEFAULT_GROUPS
    authenticator_class: str = SHARED_PASSWORD
    authenticator_config: dict = field(default_factory=dict)   # {"LDAPAuthenticator": {"server_address": …}}
    demo_users: dict = field(default_factory=dict)             # {"yamada": ["ward-27116"]}
    admin_users: tuple[str, ...] = ()
    lab_spawner: str = "jupyterhub.spawner.SimpleLocalProcessSpawner"
    extra_config: Path | None = None       # a Python file run at the end of the config (e.g. an AD group mapping)

    @property
    def public_url(self) -> str:
        host = "127.0.0.1" if self.ip in ("", "0.0.0.0") else self.ip
        return f"{'https' if self.https else 'http'}://{host}:{self.port}"

    @property
    def service_prefix(self) -> str:
        return f"/services/{SERVICE}/"


class HubConfigError(HubGroupsError):
    """The hub's settings cannot be used (Japanese message naming the field)."""


_KEYS = {"hub": {"ip", "port", "hub_port", "proxy_api_port", "https", "admin_users"},
         "service": {"url", "managed", "pool"}, "groups_file": None, "extra_config": None,
         "authenticator": {"class", "config"},
         "demo": {"users"}}


def load_hub_settings(path: Path | str | None = None, **overrides) -> HubSettings:
    """The hub's settings from the YAML file (every problem named at once), then `overrides` (the CLI's)."""
    import yaml

    path = Path(path or DEFAULT_PATH)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except OSError as exc:
        raise HubConfigError(f"ハブの設定 {path} を読めません: {exc.strerror}") from None
    except yaml.YAMLError as exc:
        raise HubConfigError(f"{path.name} は YAML として読めません: {exc}") from None
    if not isinstance(data, dict):
        raise HubConfigError(f"{path.name}: hub: / service: / authenticator: などの項目で書いてください")
    problems = [f"「{k}」は使えない項目です（{' / '.join(_KEYS)}）" for k in data if k not in _KEYS]
    for key, allowed in _KEYS.items():
        if allowed and key in data:
            if not isinstance(data[key], dict):
                problems.append(f"「{key}」は項目の集まり（key: value）で書いてください")
                continue
            problems += [f"{key}.{k} は使えない項目です（{' / '.join(sorted(allowed))}）" for k in data[key] if k not in allowed]
    hub, service = data.get("hub") or {}, data.get("service") or {}
    auth, demo = data.get("authenticator") or {}, data.get("demo") or {}
    values: dict = {}

    def port(where: str, value) -> int | None:
        if not isinstance(value, int) or not 1 <= value <= 65535:
            problems.append(f"{where} は 1〜65535 のポート番号にしてください（「{value}」）")
            return None
        return value

    for key in ("port", "hub_port", "proxy_api_port"):
        if key in hub and port(f"hub.{key}", hub[key]) is not None:
            values[key] = hub[key]
    if "ip" in hub:
        values["ip"] = str(hub["ip"])
    for key, name in (("https", "hub.https"), ("managed", "service.managed")):
        source = hub if key == "https" else service
        if key in source:
            if not isinstance(source[key], bool):
                problems.append(f"{name} は true か false で書いてください")
            else:
                values[key] = source[key]
    if "admin_users" in hub:
        values["admin_users"] = tuple(str(u) for u in hub["admin_users"] or ())
    if "url" in service:
        values["service_url"] = str(service["url"])
    if "pool" in service:
        if not isinstance(service["pool"], int) or not 0 <= service["pool"] <= 20:
            problems.append("service.pool は 0〜20 の整数にしてください")
        else:
            values["pool"] = service["pool"]
    if "groups_file" in data:
        values["groups_file"] = (path.parent / str(data["groups_file"])).resolve()
    if data.get("extra_config"):
        extra = (path.parent / str(data["extra_config"])).resolve()
        if not extra.is_file():
            problems.append(f"extra_config: {extra} がありません")
        values["extra_config"] = extra
    if "class" in auth:
        values["authenticator_class"] = str(auth["class"])
    if "config" in auth:
        if not isinstance(auth["config"], dict) or not all(isinstance(v, dict) for v in auth["config"].values()):
            problems.append("authenticator.config は「クラス名: {項目: 値}」の形で書いてください（例: LDAPAuthenticator: {server_address: …}）")
        else:
            values["authenticator_config"] = auth["config"]
    if "users" in demo:
        users = demo["users"] or {}
        if not isinstance(users, dict) or not all(isinstance(g, list) or g is None for g in users.values()):
            problems.append("demo.users は「利用者名: [グループ, …]」の形で書いてください")
        else:
            values["demo_users"] = {str(u): [str(g) for g in (gs or [])] for u, gs in users.items()}
    if problems:
        raise HubConfigError(f"{path.name} を使えません:\n" + "\n".join(problems))
    settings = replace(HubSettings(), **{**values, **overrides})
    check_hub_settings(settings)
    return settings


def check_hub_settings(hub: HubSettings) -> GroupMap:
    """What a hub cannot start with, named: the service URL, the authenticator class, unknown groups."""
    problems = []
    url = urlsplit(hub.service_url)
    if url.scheme not in ("http", "https") or not url.hostname or not url.port:
        problems.append(f"service.url「{hub.service_url}」は http://ホスト:ポート の形にしてください（例: http://127.0.0.1:8870）")
    if "." not in hub.authenticator_class:
        problems.append(f"authenticator.class「{hub.authenticator_class}」はモジュール名つきで書いてください"
                        "（例: ldapauthenticator.LDAPAuthenticator）")
    groups = load_group_map(hub.groups_file)
    known = set(groups.mapped_groups)
    for user, names in hub.demo_users.items():
        problems += [f"demo.users.{user}: グループ「{g}」は {Path(hub.groups_file).name} にありません" for g in names if g not in known]
    if problems:
        raise HubConfigError("ハブの設定を使えません:\n" + "\n".join(problems))
    return groups


@dataclass(frozen=True)
class HubFiles:
    folder: Path
    config: Path
    cookie_secret: Path
    api_token: Path
    demo_password: Path
    database: Path


def _secret_file(path: Path, make) -> None:
    if not path.exists():
        fd = os.open(str(path), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(make())
    os.chmod(path, 0o600)


def hub_files(settings: Settings) -> HubFiles:
    folder = settings.data_dir / "hub"
    return HubFiles(folder, folder / "jupyterhub_config.py", folder / "jupyterhub_cookie_secret",
                    folder / "service_api_token", folder / "demo_password", folder / "jupyterhub.sqlite")


def prepare(settings: Settings, hub: HubSettings) -> HubFiles:
    """<data>/hub/ with its secrets (made once, 0600) and a freshly written config (0600)."""
    files = hub_files(settings)
    files.folder.mkdir(parents=True, exist_ok=True)
    os.chmod(files.folder, 0o700)
    _secret_file(files.cookie_secret, lambda: secrets.token_hex(32))
    _secret_file(files.api_token, lambda: secrets.token_hex(32))
    _secret_file(files.demo_password, lambda: secrets.token_urlsafe(12))
    text = render_config(settings, hub, files)
    tmp = files.config.with_suffix(".tmp")
    fd = os.open(str(tmp), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)
    tmp.replace(files.config)
    return files


def roles(groups: GroupMap) -> list[dict]:
    """The `user` role redefined (the workbench service only), and the lab groups' own servers."""
    found = [{"name": "user", "description": "ワークベンチのみ（JupyterLab・端末は使えない）", "scopes": USER_SCOPES}]
    if groups.lab_groups:
        found.append({"name": "workbench-lab", "description": "自分の JupyterLab を起動できる",
                      "scopes": ["self"], "groups": list(groups.lab_groups)})
    return found


def service_environment(hub: HubSettings, files: HubFiles, settings: Settings | None = None) -> dict[str, str]:
    """The JUPYTERHUB_* variables HubOAuth reads, for app servers started outside the hub (set
    JUPYTERHUB_SERVICE_URL per server to where it listens); with `settings`, the workbench's too."""
    from casebook.apps.hub import PIDFILE_ENV

    api = f"http://127.0.0.1:{hub.hub_port}/hub/api"
    own = {} if settings is None else {k: v for k, v in _app_environment(settings, hub).items() if k != PIDFILE_ENV}
    return {**own, "JUPYTERHUB_API_TOKEN": files.api_token.read_text().strip(), "JUPYTERHUB_API_URL": api,
            "JUPYTERHUB_BASE_URL": "/", "JUPYTERHUB_SERVICE_NAME": SERVICE,
            "JUPYTERHUB_SERVICE_PREFIX": hub.service_prefix, "JUPYTERHUB_SERVICE_URL": hub.service_url,
            "JUPYTERHUB_CLIENT_ID": f"service-{SERVICE}", "JUPYTERHUB_HOST": "",
            "JUPYTERHUB_OAUTH_CALLBACK_URL": hub.service_prefix + "oauth_callback",
            "JUPYTERHUB_OAUTH_ACCESS_SCOPES": f'["access:services!service={SERVICE}"]'}


def _app_environment(settings: Settings, hub: HubSettings) -> dict[str, str]:
    from casebook.apps.hub import GROUPS_ENV, PIDFILE_ENV

    env = {**settings.environ(), GROUPS_ENV: str(hub.groups_file), "WORKBENCH_POOL": str(hub.pool),
           "WORKBENCH_HUB_HTTPS": "1" if hub.https else "0", PIDFILE_ENV: str(hub_files(settings).folder / "service.pid")}
    if os.environ.get("PYTHONPATH"):
        env["PYTHONPATH"] = os.environ["PYTHONPATH"]
    return env


def render_config(settings: Settings, hub: HubSettings, files: HubFiles) -> str:
    groups = check_hub_settings(hub)
    members = {g: [] for g in groups.mapped_groups}
    for user, names in hub.demo_users.items():
        for g in names:
            members[g].append(user)
    # timeout: Voila with its kernel pool can take a minute to answer on a loaded 2-core machine (seen: > 30 s).
    service = {"name": SERVICE, "url": hub.service_url, "display": True, "oauth_no_confirm": True, "timeout": 120,
               "oauth_client_id": f"service-{SERVICE}",
               "oauth_redirect_uri": hub.service_prefix + "oauth_callback",
               "oauth_client_allowed_scopes": ["read:users:groups!user"]}
    if hub.managed:
        service["command"] = [sys.executable, "-m", "casebook.apps.hub"]
        service["environment"] = _app_environment(settings, hub)
    proxy = str(PROXY_BIN) if PROXY_BIN.exists() else "configurable-http-proxy"
    lines = [
        "# Written by `workbench hub` (casebook/apps/hub_config.py). Do not edit: change",
        "# parameters/hub/hub.yaml or parameters/hub/groups.yaml and run `workbench hub` again.",
        "c = get_config()  # noqa: F821",
        "",
        f"c.JupyterHub.ip = {hub.ip!r}",
        f"c.JupyterHub.port = {hub.port!r}",
        "c.JupyterHub.hub_ip = '127.0.0.1'",
        f"c.JupyterHub.hub_port = {hub.hub_port!r}",
        f"c.ConfigurableHTTPProxy.api_url = 'http://127.0.0.1:{hub.proxy_api_port}'",
        f"c.ConfigurableHTTPProxy.command = [{proxy!r}]",
        f"c.ConfigurableHTTPProxy.pid_file = {str(files.folder / 'proxy.pid')!r}",
        f"c.JupyterHub.cookie_secret_file = {str(files.cookie_secret)!r}",
        f"c.JupyterHub.db_url = {'sqlite:///' + str(files.database)!r}",
        f"c.JupyterHub.pid_file = {str(files.folder / 'jupyterhub.pid')!r}",
        f"c.JupyterHub.default_url = {hub.service_prefix!r}",
        f"c.JupyterHub.template_paths = [{str(REPO_ROOT / 'casebook' / 'templates' / 'hub')!r}]",
        "",
        "# Who may sign in: any authenticator class (parameters/hub/hub.yaml: authenticator.class / config).",
        f"c.JupyterHub.authenticator_class = {hub.authenticator_class!r}",
    ]
    for cls, options in hub.authenticator_config.items():
        lines += [f"c.{cls}.{key} = {value!r}" for key, value in options.items()]
    if hub.authenticator_class == SHARED_PASSWORD:
        lines += [f"c.SharedPasswordAuthenticator.user_password = open({str(files.demo_password)!r}).read().strip()",
                  f"c.Authenticator.allowed_users = {set(hub.demo_users) or set()!r}"]
    if hub.admin_users:
        lines.append(f"c.Authenticator.admin_users = {set(hub.admin_users)!r}")
    lines += [
        "",
        "# Groups (the workbench's roles come from them) and roles: no server of one's own unless in a lab group.",
        f"c.JupyterHub.load_groups = {{g: {{'users': u}} for g, u in {members!r}.items()}}",
        f"c.JupyterHub.load_roles = {roles(groups)!r}",
        f"c.JupyterHub.spawner_class = {hub.lab_spawner!r}",
        f"c.Spawner.cmd = [{sys.executable!r}, '-m', 'jupyterhub.singleuser']",
        "c.Spawner.default_url = '/lab'",
        "c.Spawner.http_timeout = 90   # a 2-core machine under load starts a server slowly",
        "# The demo's spawner runs servers as the hub's own OS user; Jupyter Server refuses root without this.",
        "c.Spawner.args = ['--allow-root'] if __import__('os').geteuid() == 0 else []",
        "",
        "# The workbench: a service behind the proxy at /services/workbench/ (its URL may be a balancer's).",
        f"c.JupyterHub.services = [{{**{service!r}, 'api_token': open({str(files.api_token)!r}).read().strip()}}]",
        "",
    ]
    if hub.extra_config:
        lines += ["# More settings of the council's own (hub.yaml: extra_config), e.g. AD groups as hub groups.",
                  f"exec(compile(open({str(hub.extra_config)!r}).read(), {str(hub.extra_config)!r}, 'exec'))", ""]
    return "\n".join(lines)


# What the hub starts, and a hub that dies (or is killed) leaves behind: each in a session of its own.
_LEFT_BEHIND = (("proxy.pid", "configurable-http-proxy"), ("service.pid", "casebook.apps.voila_main"))


def _end_left_behind(folder: Path, timeout: float = 10.0) -> None:
    """Stop the proxy and the managed app server (with its kernels) if the hub did not: only a live
    process whose command line is the expected one (a pid file may be stale, its pid reused)."""
    for name, expected in _LEFT_BEHIND:
        try:
            pid = int((folder / name).read_text().strip())
            alive = expected in Path(f"/proc/{pid}/cmdline").read_bytes().decode("utf-8", "replace")
        except (OSError, ValueError):
            continue
        if not alive:
            continue
        for sig in (signal.SIGTERM, signal.SIGKILL):
            try:
                os.killpg(pid, sig)
            except ProcessLookupError:
                break
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline and Path(f"/proc/{pid}").exists():
                time.sleep(0.2)
            if not Path(f"/proc/{pid}").exists():
                break


class HubProcess:
    def __init__(self, proc: subprocess.Popen, hub: HubSettings, log_path: Path, folder: Path | None = None):
        self.proc, self.hub, self.log_path, self.folder = proc, hub, log_path, folder
        self.url = hub.public_url

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def wait_ready(self, timeout: float = 90.0) -> HubProcess:
        """Until the proxy answers for the hub and (a managed one) the workbench service behind it."""
        deadline = time.monotonic() + timeout
        probe = self.url + self.hub.service_prefix + "voila/static/"
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"JupyterHub exited with {self.proc.returncode}:\n{self.log_tail()}")
            try:
                urllib.request.urlopen(self.url + "/hub/api/", timeout=2)
                if not self.hub.managed:   # app servers started apart (behind a balancer) come when they come
                    return self
                urllib.request.urlopen(probe, timeout=2)
                return self
            except urllib.error.HTTPError as exc:
                if exc.code == 404 and exc.url.startswith(probe):
                    return self
            except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
                pass
            time.sleep(0.3)
        raise TimeoutError(f"JupyterHub did not answer within {timeout} s:\n{self.log_tail()}")

    def stop(self, timeout: float = 20.0) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)   # the hub stops the proxy and its services itself
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout)
        if self.folder is not None:
            _end_left_behind(self.folder)

    def __enter__(self) -> HubProcess:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def start_hub(settings: Settings, hub: HubSettings, *, log_path: Path, wait: bool = True) -> HubProcess:
    files = prepare(settings, hub)
    log_path.parent.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, **settings.environ()}
    env.pop("JUPYTERHUB_API_TOKEN", None)
    with open(log_path, "ab") as log:
        proc = subprocess.Popen([sys.executable, "-m", "jupyterhub", "-f", str(files.config)], cwd=str(files.folder),
                                stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True)
    process = HubProcess(proc, hub, log_path, files.folder)
    if wait:
        try:
            process.wait_ready()
        except BaseException:
            process.stop()
            raise
    return process
