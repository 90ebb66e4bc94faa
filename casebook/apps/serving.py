"""How the workbench runs Voila: one place for the command line, the settings that make a page
safe to expose (sources stripped, tracebacks hidden, idle kernels culled, live kernels bounded),
and starting/stopping a server on 127.0.0.1.

Used by `workbench serve`, `workbench session serve`, `workbench publish` and the browser tests.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from casebook.settings import PACKAGE_DIR, Settings


@dataclass
class VoilaOptions:
    root: Path                            # a notebook file, or a folder whose notebooks are served
    port: int = 0                         # 0: pick a free port
    host: str = "127.0.0.1"
    pool_size: int = 0                    # preheated kernels per notebook (0: none)
    cull_idle_timeout: int = 600          # seconds a kernel may sit idle before it is shut down
    cull_interval: int = 30
    max_kernels: int = 40                 # bound on live kernels (pool included)
    show_tracebacks: bool = False
    extra_args: list[str] = field(default_factory=list)
    preheat_notebooks: list[str] = field(default_factory=list)  # names under root to pool (folder root)


# A Jupyter data dir holding voila/templates/workbench: Voila's lab template with no CDN links.
VOILA_TEMPLATES = PACKAGE_DIR / "templates" / "jupyter"


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def voila_argv(opts: VoilaOptions) -> list[str]:
    """The full command line; every security-relevant setting is explicit, not a default."""
    argv = [
        sys.executable, "-m", "voila", str(opts.root),
        "--no-browser",
        f"--port={opts.port}",
        "--Voila.port_retries=0",  # a taken port is an error, never a silent move to the next one
        f"--Voila.ip={opts.host}",
        "--strip_sources=True",
        f"--show_tracebacks={opts.show_tracebacks}",
        "--VoilaConfiguration.file_allowlist=[]",  # no files from the notebook folder, static assets only
        "--VoilaExporter.language_code=ja",           # <html lang="ja">: screen readers read Japanese
        "--VoilaConfiguration.multi_kernel_manager_class=casebook.apps.kernel_limits.BoundedKernelManager",
        f"--BoundedKernelManager.max_kernels={opts.max_kernels}",
        f"--BoundedKernelManager.cull_idle_timeout={opts.cull_idle_timeout}",
        f"--BoundedKernelManager.cull_interval={opts.cull_interval}",
        "--BoundedKernelManager.cull_connected=False",
        "--Voila.tornado_settings={'autoreload': False}",
        "--template=workbench",   # Voila's lab template without its CDN stylesheets (VOILA_TEMPLATES)
    ]
    if opts.pool_size > 0:
        argv += ["--preheat_kernel=True", f"--pool_size={opts.pool_size}"]
    return argv + list(opts.extra_args)


class VoilaServer:
    """A Voila process on 127.0.0.1; `with start_voila(...) as server:` stops it on exit."""

    def __init__(self, proc: subprocess.Popen, opts: VoilaOptions, log_path: Path):
        self.proc, self.opts, self.log_path = proc, opts, log_path
        host = "127.0.0.1" if opts.host == "0.0.0.0" else opts.host   # where this machine reaches it
        self.url = f"http://{host}:{opts.port}"
        self.cleanups: list = []      # run after the process is gone (a public server's private folder)

    def page_url(self, notebook: str | None = None, **query: str) -> str:
        """URL of a notebook page (folder root) or of the single notebook, with query parameters."""
        from urllib.parse import quote, urlencode

        base = self.url + (f"/voila/render/{quote(notebook)}" if notebook else "/")
        return base + (("?" + urlencode(query)) if query else "")

    def wait_ready(self, timeout: float = 60.0) -> "VoilaServer":
        # /voila/static/ answers (404 is fine) without starting a kernel, unlike the page itself.
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"Voila exited with {self.proc.returncode}:\n{self.log_tail()}")
            try:
                urllib.request.urlopen(self.url + "/voila/static/", timeout=2)
                return self
            except urllib.error.HTTPError:
                return self
            except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
                time.sleep(0.2)
        raise TimeoutError(f"Voila did not answer within {timeout} s:\n{self.log_tail()}")

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def stop(self, timeout: float = 10.0) -> None:
        if self.proc.poll() is None:
            # The whole process group: kernels are Voila's children.
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout)
        while self.cleanups:
            self.cleanups.pop()()

    def __enter__(self) -> "VoilaServer":
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def start_voila(opts: VoilaOptions, settings: Settings, *, log_path: Path, env: dict[str, str] | None = None,
                wait: bool = True, foreground: bool = False) -> VoilaServer:
    """Start Voila with the workbench's settings exported to it (kernels inherit the environment)."""
    if not opts.port:
        opts.port = free_port(opts.host)
    child_env = {**os.environ, **settings.environ(), **(env or {})}
    if "WORKBENCH_DB_URL" not in settings.environ():
        child_env.pop("WORKBENCH_DB_URL", None)
    child_env.setdefault("PYTHONUNBUFFERED", "1")
    # Matplotlib caches fonts per user; one cache per server keeps kernels from racing on it.
    child_env.setdefault("MPLCONFIGDIR", str(settings.build_dir / "mplconfig"))
    return launch(opts, child_env, log_path=log_path, wait=wait, foreground=foreground)


def launch(opts: VoilaOptions, env: dict[str, str], *, log_path: Path, wait: bool = True,
           foreground: bool = False, argv: list[str] | None = None, user: str | None = None) -> VoilaServer:
    """Run Voila with exactly `env`, output appended to `log_path`; stopped again if it never answers.
    `argv` replaces the command line (`public_voila_argv`, `signin_argv`); `user` runs it as that OS
    user (the process is started as root and drops to it before exec)."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    # Voila finds templates in the Jupyter data path; ours comes first.
    env = {**env, "JUPYTER_PATH": os.pathsep.join(p for p in (str(VOILA_TEMPLATES), env.get("JUPYTER_PATH")) if p)}
    with open(log_path, "ab") as log:   # the child keeps its own descriptor
        as_user = {"user": user, "group": user, "extra_groups": []} if user else {}
        proc = subprocess.Popen(argv or voila_argv(opts), stdout=log, stderr=subprocess.STDOUT, env=env,
                                cwd=str(opts.root if Path(opts.root).is_dir() else Path(opts.root).parent),
                                start_new_session=not foreground, **as_user)
    server = VoilaServer(proc, opts, log_path)
    if wait:
        try:
            server.wait_ready()
        except BaseException:   # a server that never answered must not stay behind
            server.stop()
            raise
    return server


# --- the signed-in server (casebook.apps.auth): kept apart from the public side above ---------------------

@dataclass
class SignInOptions:
    behind_proxy: bool = False      # TLS ends at a reverse proxy: trust its X-Forwarded-* headers, Secure cookies
    secure_cookies: bool | None = None   # None: as behind_proxy; False: a proxy on plain http (127.0.0.1 demo)
    reload_after: int = 20          # seconds before a page whose kernel is lost reloads itself (template)


def signin_argv(opts: VoilaOptions, signin: SignInOptions) -> list[str]:
    """voila_argv with the built-in sign-in: identity provider, authorizer, the ticket header handed to
    kernels, and our launcher (cookie secret from the data folder, xheaders behind a proxy)."""
    from casebook.identity import TICKET_HEADER

    argv = voila_argv(opts)
    at = argv.index("voila")
    argv[at] = "casebook.apps.voila_main"
    argv += [
        "--Voila.identity_provider_class=casebook.apps.auth.WorkbenchIdentityProvider",
        "--Voila.authorizer_class=casebook.apps.auth.WorkbenchAuthorizer",
        f"--VoilaConfiguration.http_header_envs=['{TICKET_HEADER}']",
        f"--VoilaConfiguration.resources={{'workbench_reload_after': {int(signin.reload_after)}}}",
    ]
    if signin.behind_proxy:
        argv.append("--WorkbenchVoila.xheaders=True")
    return argv


def signin_env(signin: SignInOptions) -> dict[str, str]:
    """What the server exports to itself and its kernels: kernels learn here, not from a request, that
    the user comes from sign-in (casebook.identity.signed_in_mode)."""
    from casebook.apps.auth import SECURE_ENV
    from casebook.identity import AUTH_ENV

    secure = signin.behind_proxy if signin.secure_cookies is None else signin.secure_cookies
    return {AUTH_ENV: "signin", SECURE_ENV: "1" if secure else "0"}


def start_signed_in(opts: VoilaOptions, settings: Settings, signin: SignInOptions, *, log_path: Path,
                    wait: bool = True, foreground: bool = False, env: dict[str, str] | None = None) -> VoilaServer:
    """start_voila with sign-in: the same environment handling, the signed-in command line."""
    if not opts.port:
        opts.port = free_port("127.0.0.1" if opts.host == "0.0.0.0" else opts.host)
    child_env = {**os.environ, **settings.environ(), **signin_env(signin), **(env or {})}
    if "WORKBENCH_DB_URL" not in settings.environ():
        child_env.pop("WORKBENCH_DB_URL", None)
    child_env.setdefault("PYTHONUNBUFFERED", "1")
    child_env.setdefault("MPLCONFIGDIR", str(settings.build_dir / "mplconfig"))
    return launch(opts, child_env, log_path=log_path, wait=wait, foreground=foreground,
                  argv=signin_argv(opts, signin))


# --- the public server (casebook.apps.public): its own entry point and budget ---------------------

@dataclass
class PublicOptions:
    static_dir: Path                      # the snapshot build's static pages, served at /published/
    log_file: Path                        # rotating log of the server and its kernels
    connection_dir: Path                  # kernels' connection files (the public user's own folder)
    max_kernels_per_client: int = 3
    unconnected_timeout: int = 30         # a page that never connects gives its kernel back after this
    memory_limit_mb: int = 600            # a kernel above it is shut down; the others go on
    max_message_bytes: int = 256 * 1024   # largest websocket message from a client (a page sends < 10 KB)


def public_voila_argv(opts: VoilaOptions, public: PublicOptions) -> list[str]:
    """Voila's safe command line run through casebook.apps.public_server, with the public budget."""
    argv = voila_argv(opts)
    argv[argv.index("voila")] = "casebook.apps.public_server"
    # A held socket keeps no kernel past the idle cull: connected kernels are culled too.
    argv[argv.index("--BoundedKernelManager.cull_connected=False")] = "--BoundedKernelManager.cull_connected=True"
    return argv + [
        f"--PublicVoila.static_dir={public.static_dir}",
        f"--PublicVoila.log_file={public.log_file}",
        f"--PublicVoila.max_message_bytes={public.max_message_bytes}",
        f"--Voila.connection_dir_root={public.connection_dir}",
        "--Voila.kernel_websocket_connection_class=casebook.apps.kernel_socket.PublicKernelConnection",
        # Kernels on Unix sockets in the public user's 0700 folder: no TCP port for another local
        # user to reach, and no port clash when many kernels start at once (seen: EADDRINUSE).
        "--KernelManager.transport=ipc",
        f"--BoundedKernelManager.max_kernels_per_client={public.max_kernels_per_client}",
        f"--BoundedKernelManager.unconnected_timeout={public.unconnected_timeout}",
        f"--BoundedKernelManager.monitor_interval={max(1, min(5, public.unconnected_timeout // 3))}",
        f"--BoundedKernelManager.memory_limit_mb={public.memory_limit_mb}",
    ]
