"""More than one app server: N signed-in Voila servers on one store, behind HAProxy.

A Voila page's kernel lives in the process of the server that rendered the page, so the balancer
keeps each browser on one server: HAProxy inserts its own cookie (`WBSERVER`) naming the server on
the first answer, and every later request and websocket of that browser carries it. What the
servers must share for a browser to move between them is all outside their processes: the store
(PostgreSQL; the sign-in's login rows and the kernel bindings live there) and the cookie secret
(one 0600 file, `WORKBENCH_SECRET_FILE`, casebook.accounts.cookie_secret). When a server dies its
health check fails (or a connection is refused) and HAProxy sends its browsers to another one
(`option redispatch`); their pages notice the lost kernel (the workbench Voila template) and reload.

    haproxy_config(backends, *, port, host="127.0.0.1", tls_pem=None, stats_socket=None) -> str
    serve_balanced(settings, servers=2, port=8866, ...) -> Balanced      (`workbench serve --servers N`)
    Balanced: .url, .servers (VoilaServer), .server_of(cookie_value), .kill(i), .stop(), .haproxy_state()

On several machines the same shape is: `workbench serve --host 0.0.0.0 --behind-proxy` on each
(one WORKBENCH_DB_URL, one secret file), and a haproxy.cfg written by haproxy_config with their
addresses (README, "More than one app server").
"""
from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from casebook.apps.serving import free_port
from casebook.settings import Settings

STICKY_COOKIE = "WBSERVER"
HEALTH_PATH = "/login"          # the sign-in page: answers 200 without starting a kernel
HAPROXY = "haproxy"


@dataclass(frozen=True)
class Backend:
    name: str                   # also the value of the sticky cookie
    host: str
    port: int


def haproxy_config(backends: list[Backend], *, port: int, host: str = "127.0.0.1", tls_pem: Path | None = None,
                   stats_socket: Path | None = None, check_interval_ms: int = 2000,
                   health_path: str = HEALTH_PATH) -> str:
    """The haproxy.cfg text: HTTP mode (websockets pass through as upgraded tunnels), sticky by an
    inserted cookie, health checks on the sign-in page (`health_path`: a page that answers 200 with
    no kernel and no sign-in), redispatch when a browser's server is down."""
    bind = f"bind {host}:{port}" + (f" ssl crt {tls_pem}" if tls_pem else "")
    lines = [
        "# Written by `workbench serve --servers N` (casebook.apps.balancer); edit the servers for other machines.",
        "global",
        "    maxconn 4096",
    ]
    if stats_socket:
        lines.append(f"    stats socket {stats_socket} mode 600 level operator")
    lines += [
        "",
        "defaults",
        "    mode http",
        "    timeout connect 5s",
        # A page is streamed: its head, then nothing while its notebook runs (a minute on a busy
        # server), then the widgets. Both sides are idle meanwhile: neither timeout may be shorter.
        "    timeout client 300s",
        "    timeout server 300s",
        "    timeout tunnel 8h             # an open page's websocket (a training day)",
        "    timeout http-request 30s",
        "    retries 2",
        "    option redispatch 1           # the browser's server refuses: try another at once",
        "",
        "frontend workbench",
        f"    {bind}",
        "    option forwardfor             # the servers run with xheaders: the audit log names the client",
        "    http-request set-header X-Forwarded-Proto https if { ssl_fc }",
        "    http-request set-header X-Forwarded-Proto http if !{ ssl_fc }",
        "    default_backend apps",
        "",
        "backend apps",
        "    balance roundrobin",
        # A browser stays on the server that rendered its first page (its kernels live there).
        f"    cookie {STICKY_COOKIE} insert indirect nocache httponly" + (" secure" if tls_pem else ""),
        f"    option httpchk GET {health_path}",
        "    http-check expect status 200",
        # A dead server refuses at once (a check fails in no time; redispatch moves its browsers). A busy
        # one may answer slowly: 5 s per check and three failures in a row before it is taken out, and
        # its open sockets are left alone even then (seen: with 1 s and shutdown-sessions, a server
        # running many notebooks on 2 loaded cores was marked down and every socket of its pages cut).
        "    timeout check 5s",
        f"    default-server inter {check_interval_ms} fall 3 rise 2",
    ]
    lines += [f"    server {b.name} {b.host}:{b.port} check cookie {b.name}" for b in backends]
    return "\n".join(lines) + "\n"


def haproxy_path() -> str:
    found = shutil.which(HAPROXY) or (f"/usr/sbin/{HAPROXY}" if Path(f"/usr/sbin/{HAPROXY}").exists() else None)
    if not found:
        raise RuntimeError("HAProxy が見つかりません（Debian: apt-get install haproxy、.ci/setup.sh が入れます）")
    return found


def secret_file(settings: Settings) -> Path:
    """The one cookie secret every server is given: WORKBENCH_SECRET_FILE, else the data folder's."""
    from casebook.accounts import SECRET_FILE_ENV, cookie_secret

    given = os.environ.get(SECRET_FILE_ENV)
    cookie_secret(settings.data_dir)          # made (or checked) once, before any server starts
    return Path(given).expanduser() if given else settings.data_dir / "cookie_secret"


@dataclass
class Balanced:
    """N app servers and the HAProxy in front of them; `stop()` ends all of them."""
    url: str
    servers: list                               # casebook.apps.serving.VoilaServer, in backend order
    backends: list[Backend]
    haproxy: subprocess.Popen
    config_path: Path
    log_path: Path
    stats_socket: Path
    killed: set[int] = field(default_factory=set)
    health_path: str = HEALTH_PATH

    def server_of(self, sticky: str | None) -> int | None:
        """Which server (index) a WBSERVER cookie value names."""
        for i, b in enumerate(self.backends):
            if b.name == sticky:
                return i
        return None

    def kill(self, index: int) -> None:
        """SIGKILL a server and its kernels at the same moment: a machine that dies. (Kernels run in
        sessions of their own; left alone they would notice their parent's death a second later and
        exit, but could still write a pending autosave meanwhile.)"""
        import psutil

        proc = self.servers[index].proc
        try:
            kernels = psutil.Process(proc.pid).children(recursive=True)
        except psutil.NoSuchProcess:
            kernels = []
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        for kernel in kernels:
            try:
                kernel.kill()
            except psutil.NoSuchProcess:
                pass
        proc.wait(10)
        self.killed.add(index)

    def haproxy_state(self) -> dict[str, str]:
        """backend name -> HAProxy's view of it ("UP", "DOWN", ...), from its stats socket."""
        with socket.socket(socket.AF_UNIX) as s:
            s.settimeout(5)
            s.connect(str(self.stats_socket))
            s.sendall(b"show stat\n")
            data = b""
            while chunk := s.recv(65536):
                data += chunk
        state = {}
        for row in data.decode().splitlines():
            cols = row.split(",")
            if len(cols) > 17 and cols[0] == "apps" and cols[1] not in ("BACKEND", "FRONTEND"):
                state[cols[1]] = cols[17]
        return state

    def wait_state(self, name: str, want: str, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.haproxy_state().get(name, "").startswith(want):
                return
            time.sleep(0.25)
        raise TimeoutError(f"HAProxy did not see {name} {want} within {timeout} s: {self.haproxy_state()}")

    def stop(self, timeout: float = 10.0) -> None:
        if self.haproxy.poll() is None:
            self.haproxy.terminate()
            try:
                self.haproxy.wait(timeout)
            except subprocess.TimeoutExpired:
                self.haproxy.kill()
                self.haproxy.wait(timeout)
        for i, server in enumerate(self.servers):
            if i not in self.killed:
                server.stop(timeout)

    def __enter__(self) -> "Balanced":
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def serve_balanced(settings: Settings | None = None, *, servers: int = 2, port: int = 0, host: str = "127.0.0.1",
                   pool_size: int = 1, max_kernels: int = 40, cull_idle_timeout: int = 600,
                   tls_pem: Path | None = None, folder: Path | None = None, check_interval_ms: int = 2000,
                   reload_after: int = 20) -> Balanced:
    """Start `servers` signed-in app servers on free ports of 127.0.0.1 (one apps folder, one store,
    one secret) and HAProxy on host:port in front of them; wait until HAProxy sees every one UP."""
    from casebook.accounts import SECRET_FILE_ENV
    from casebook.apps.editable import APP_NOTEBOOKS, prepare_apps_dir
    from casebook.apps.serving import SignInOptions, VoilaOptions, start_signed_in

    if not 1 <= servers <= 16:
        raise ValueError("servers: 1..16")
    settings = settings or Settings.from_env()
    haproxy_path()                             # missing HAProxy: said before any server starts
    folder = folder or settings.build_dir / "balancer"
    folder.mkdir(parents=True, exist_ok=True)
    secret = secret_file(settings)
    root = prepare_apps_dir(settings)          # once: every server serves the same folder
    # xheaders on (the client's address and scheme come from HAProxy); Secure cookies when HAProxy has TLS.
    signin = SignInOptions(behind_proxy=True, secure_cookies=tls_pem is not None, reload_after=reload_after)
    started = []
    try:
        for i in range(servers):
            opts = VoilaOptions(root=root, port=free_port(), pool_size=pool_size, max_kernels=max_kernels,
                                cull_idle_timeout=cull_idle_timeout, preheat_notebooks=list(APP_NOTEBOOKS))
            env = {SECRET_FILE_ENV: str(secret), "MPLCONFIGDIR": str(settings.build_dir / f"mplconfig-app{i + 1}")}
            started.append(start_signed_in(opts, settings, signin, log_path=folder / f"app{i + 1}.log",
                                           wait=False, env=env))
        for server in started:
            server.wait_ready()
        backends = [Backend(f"app{i + 1}", "127.0.0.1", s.opts.port) for i, s in enumerate(started)]
        return start_haproxy(backends, started, folder=folder, port=port, host=host, tls_pem=tls_pem,
                             check_interval_ms=check_interval_ms)
    except BaseException:
        for server in started:
            server.stop()
        raise


def start_haproxy(backends: list[Backend], servers: list, *, folder: Path, port: int = 0, host: str = "127.0.0.1",
                  tls_pem: Path | None = None, check_interval_ms: int = 2000,
                  health_path: str = HEALTH_PATH) -> Balanced:
    """HAProxy on host:port (0: a free port) in front of running `servers` (one per backend), its
    config and log in `folder`; waits until it sees every server UP (stopped again if not). Also
    casebook.apps.hub_balanced's: the hub's route points at it."""
    exe = haproxy_path()
    port = port or free_port(host if host != "0.0.0.0" else "127.0.0.1")
    stats = folder / "haproxy.sock"
    config = folder / "haproxy.cfg"
    config.write_text(haproxy_config(backends, port=port, host=host, tls_pem=tls_pem, stats_socket=stats,
                                     check_interval_ms=check_interval_ms, health_path=health_path), encoding="utf-8")
    checked = subprocess.run([exe, "-c", "-q", "-f", str(config)], capture_output=True, text=True, check=False)
    if checked.returncode != 0:
        raise RuntimeError(f"haproxy.cfg is not valid:\n{checked.stdout}{checked.stderr}")
    log_path = folder / "haproxy.log"
    with open(log_path, "ab") as log:
        proc = subprocess.Popen([exe, "-db", "-f", str(config)], stdout=log, stderr=subprocess.STDOUT,
                                start_new_session=True)
    scheme = "https" if tls_pem else "http"
    balanced = Balanced(url=f"{scheme}://{'127.0.0.1' if host == '0.0.0.0' else host}:{port}", servers=servers,
                        backends=backends, haproxy=proc, config_path=config, log_path=log_path,
                        stats_socket=stats, health_path=health_path)
    try:
        _wait_up(balanced)
    except BaseException:
        balanced.stop()
        raise
    return balanced


def _wait_up(balanced: Balanced, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if balanced.haproxy.poll() is not None:
            raise RuntimeError(f"HAProxy exited with {balanced.haproxy.returncode}:\n"
                               + balanced.log_path.read_text(errors="replace")[-2000:])
        try:
            if balanced.stats_socket.exists() and all(v == "UP" for v in balanced.haproxy_state().values()):
                urllib.request.urlopen(balanced.url + balanced.health_path, timeout=5)
                return
        except (OSError, urllib.error.URLError):
            pass
        time.sleep(0.3)
    raise TimeoutError(f"HAProxy or its servers did not come up within {timeout} s")
