"""JupyterHub in front of several app servers: the hub's proxy route -> HAProxy -> N hub-mode servers.

configurable-http-proxy gives the route /services/workbench/ one target only, so the hub's service is
unmanaged (`service.managed: false`) and its URL is HAProxy's address; HAProxy keeps each browser on
one app server (casebook.apps.balancer's sticky cookie, path /services/workbench/). Each app server is
`python -m casebook.apps.hub` with the hub's JUPYTERHUB_* variables
(casebook.apps.hub_config.service_environment), JUPYTERHUB_SERVICE_URL saying its own port. What a
browser needs to move to another server lives outside the processes: the store (PostgreSQL: the
workbench's login rows and kernel bindings) and the one cookie secret that signs the hub's OAuth
token cookie (HubOAuth keeps it in a Tornado secure cookie, signed with the server's cookie_secret,
casebook.accounts.cookie_secret: WORKBENCH_SECRET_FILE).

    serve_hub_balanced(settings, hub, servers=2) -> HubBalanced     (`workbench hub --servers N`)
    HubBalanced: .url (the hub's public address), .hub (HubProcess), .balanced (balancer.Balanced), .stop()
"""
from __future__ import annotations

import os
import sys
from dataclasses import dataclass, replace
from pathlib import Path
from urllib.parse import urlsplit

from casebook.settings import Settings

# A file Voila serves with no kernel and no sign-in (the hub's OAuth guards the pages, not this).
HEALTH_FILE = "voila/static/voila.js"


@dataclass
class HubBalanced:
    hub: object                  # casebook.apps.hub_config.HubProcess
    balanced: object             # casebook.apps.balancer.Balanced

    @property
    def url(self) -> str:
        return self.hub.url

    def stop(self) -> None:
        try:
            self.hub.stop()
        finally:
            self.balanced.stop()

    def __enter__(self) -> "HubBalanced":
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def serve_hub_balanced(settings: Settings, hub, *, servers: int = 2, log_dir: Path | None = None,
                       check_interval_ms: int = 2000) -> HubBalanced:
    """Start `servers` hub-mode app servers on free ports, HAProxy on hub.service_url's port in front
    of them, and JupyterHub (+ proxy) with its unmanaged service pointing at HAProxy."""
    from casebook.accounts import SECRET_FILE_ENV
    from casebook.apps.balancer import Backend, haproxy_path, secret_file, start_haproxy
    from casebook.apps.editable import prepare_apps_dir
    from casebook.apps.hub import APPS_DIR_ENV
    from casebook.apps.hub_config import prepare, service_environment, start_hub
    from casebook.apps.serving import VoilaOptions, free_port, launch

    if not 1 <= servers <= 16:
        raise ValueError("servers: 1..16")
    where = urlsplit(hub.service_url)
    if where.hostname not in ("127.0.0.1", "localhost", "0.0.0.0") or not where.port:
        raise ValueError(f"service.url {hub.service_url}: HAProxy listens on this machine (http://127.0.0.1:PORT)")
    haproxy_path()
    hub = replace(hub, managed=False)
    folder = log_dir or settings.build_dir / "hub-balanced"
    folder.mkdir(parents=True, exist_ok=True)
    files = prepare(settings, hub)
    secret = secret_file(settings)
    root = prepare_apps_dir(settings)              # once, before any server serves it
    common = {**os.environ, **service_environment(hub, files, settings), SECRET_FILE_ENV: str(secret),
              APPS_DIR_ENV: str(root), "PYTHONUNBUFFERED": "1"}
    if "WORKBENCH_DB_URL" not in settings.environ():
        common.pop("WORKBENCH_DB_URL", None)
    started, process, balanced = [], None, None
    try:
        for i in range(servers):
            port = free_port()
            env = {**common, "JUPYTERHUB_SERVICE_URL": f"http://127.0.0.1:{port}",
                   "MPLCONFIGDIR": str(settings.build_dir / f"mplconfig-hubapp{i + 1}")}
            started.append(launch(VoilaOptions(root=root, port=port), env, log_path=folder / f"app{i + 1}.log",
                                  wait=False, argv=[sys.executable, "-m", "casebook.apps.hub"]))
        process = start_hub(settings, hub, log_path=folder / "hub.log", wait=False)
        for server in started:
            server.wait_ready(timeout=120)
        backends = [Backend(f"app{i + 1}", "127.0.0.1", s.opts.port) for i, s in enumerate(started)]
        balanced = start_haproxy(backends, started, folder=folder, port=where.port,
                                 host=where.hostname if where.hostname != "localhost" else "127.0.0.1",
                                 check_interval_ms=check_interval_ms,
                                 health_path=hub.service_prefix + HEALTH_FILE)
        process.wait_ready()
    except BaseException:
        if process is not None:
            process.stop()
        if balanced is not None:
            balanced.stop()
        for server in started:
            server.stop()
        raise
    return HubBalanced(process, balanced)
