"""The public Voila server process: static pages first, a live page only while the budget lasts.

    python -m casebook.apps.public_server <notebooks dir> --PublicVoila.static_dir=… [Voila options]

Run by casebook.apps.public (never imported by the workbench otherwise). On top of Voila:

- `/` and `/published/…` serve the static pages of the snapshot build (casebook.render.dashboard_static)
  at once, with no kernel; `/published/api/live` tells the page's script whether a live view is
  available for this client now (the check is here, server-side, not in the script);
- `/voila/render/<notebook>` asks the kernel budget (casebook.apps.kernel_limits) first and, beyond
  it, redirects to the static page of the same view: a reader never gets a 503;
- a client that disconnects mid-page costs one log line, not a traceback; the log file rotates.
"""

from __future__ import annotations

import logging
import logging.handlers
import os
import re
import sys
import threading
from pathlib import Path
from urllib.parse import urlencode

from tornado import web
from tornado.iostream import StreamClosedError
from traitlets import Int, Unicode
from voila.app import Voila
from voila.tornado.handler import TornadoVoilaHandler
from voila.tornado.treehandler import TornadoVoilaTreeHandler

from casebook.apps.kernel_limits import BudgetExceeded

DASHBOARD, BROWSER = "ward_dashboard.ipynb", "casebook_browser.ipynb"
_SAFE = re.compile(r"^[0-9A-Za-z_-]{1,64}$")


def static_target(static_dir: Path, notebook: str, args: dict[str, str]) -> str:
    """The static page showing what `/voila/render/<notebook>?<args>` would show (a path under /published/)."""
    def exists(rel: str) -> bool:
        return (static_dir / rel).is_file()

    if notebook == DASHBOARD:
        from casebook import vocab

        ward, year = args.get("ward", ""), args.get("year", "")
        try:
            code = vocab.parse_ward(ward).code if ward else ""
        except Exception:   # an unknown ward: the front page
            code = ""
        if code and _SAFE.match(year or "x") and exists(f"wards/{code}/{year}.html"):
            return f"/published/wards/{code}/{year}.html"
        if code and exists(f"wards/{code}.html"):
            return f"/published/wards/{code}.html"
        return "/published/index.html" + (f"?{urlencode({'year': year})}" if _SAFE.match(year or "x") and year else "")
    if notebook == BROWSER:
        case = args.get("case", "")
        if _SAFE.match(case or "x") and case and exists(f"cases/{case}.html"):
            return f"/published/cases/{case}.html"
        q = args.get("q", "")[:200]
        return "/published/search.html" + (f"?{urlencode({'q': q})}" if q else "")
    return "/published/index.html"


class _ClientKernels:
    """The kernel manager as one page request sees it: what it starts counts against its client."""

    def __init__(self, km, client: str):
        self._km, self._client = km, client
        self.kernel_id: str | None = None

    def __getattr__(self, name):
        return getattr(self._km, name)

    async def start_kernel(self, **kwargs):
        self.kernel_id = await self._km.start_kernel(client=self._client, **kwargs)
        return self.kernel_id

    async def get_rendered_notebook(self, *args, **kwargs):
        render_task, cache, kernel_id = await self._km.get_rendered_notebook(*args, **kwargs)
        self._km.assign(kernel_id, self._client)
        self.kernel_id = kernel_id
        return render_task, cache, kernel_id


class PublicPageHandler(TornadoVoilaHandler):
    """Voila's page, but only within the budget; otherwise the static page of the same view."""

    _client_kernels: _ClientKernels | None = None

    @property
    def kernel_manager(self):
        if self._client_kernels is None:
            self._client_kernels = _ClientKernels(self.settings["kernel_manager"], self.request.remote_ip)
        return self._client_kernels

    def _to_static(self, path: str | None) -> None:
        args = {k: self.get_argument(k, "") for k in ("ward", "year", "case", "q")}
        target = static_target(Path(self.settings["published_static_dir"]), path or "", args)
        self.redirect(target + ("&" if "?" in target else "?") + "busy=1")

    async def get(self, path=None):
        km = self.settings["kernel_manager"]
        if not km.has_room(self.request.remote_ip):
            self.log.info("Budget spent for %s: %s served static", self.request.remote_ip, path)
            self._to_static(path)
            return
        try:
            await super().get(path)
        except BudgetExceeded:    # lost a race with another request after the check above
            if not self._headers_written:
                self._to_static(path)
        except StreamClosedError:
            self.log.info("Client %s left while %s was rendering", self.request.remote_ip, path)
        finally:
            if self._client_kernels is not None and self._client_kernels.kernel_id:
                km.page_sent(self._client_kernels.kernel_id)

    def on_connection_close(self):
        self.log.info("Client %s dropped the connection to %s", self.request.remote_ip, self.request.path)

    def log_exception(self, typ, value, tb):
        if isinstance(value, StreamClosedError):   # the reader went away: one line, no traceback
            self.log.info("Client %s left: %s", self.request.remote_ip, self.request.path)
            return
        super().log_exception(typ, value, tb)


class LiveBudgetHandler(web.RequestHandler):
    """GET /published/api/live -> {"live": true|false}: may this client open a live page now?"""

    def get(self):
        self.set_header("Cache-Control", "no-store")
        self.write({"live": bool(self.settings["kernel_manager"].has_room(self.request.remote_ip))})


class StaticPages(web.StaticFileHandler):
    def set_extra_headers(self, path):
        self.set_header("Cache-Control", "no-cache")
        self.set_header("X-Content-Type-Options", "nosniff")


class PublicVoila(Voila):
    static_dir = Unicode("", config=True, help="The snapshot build's static pages (served at /published/).")
    log_file = Unicode("", config=True, help="Rotating log file; empty: standard error only.")
    log_max_bytes = Int(5 * 2**20, config=True)
    log_backups = Int(3, config=True)
    max_message_bytes = Int(256 * 2**10, config=True, help="Largest websocket message a client may send.")

    def initialize(self, argv=None):
        super().initialize(argv)
        if self.log_file:
            _rotate_logs(self.log_file, self.log_max_bytes, self.log_backups)

    def init_settings(self):
        settings = super().init_settings()
        settings["published_static_dir"] = self.static_dir
        settings["websocket_max_message_size"] = self.max_message_bytes
        return settings

    def init_handlers(self):
        handlers = []
        for spec in super().init_handlers():
            pattern, handler = spec[0], spec[1]
            if handler is TornadoVoilaTreeHandler:
                continue   # no listing of the notebook folder: the static front page instead
            if handler is TornadoVoilaHandler:
                spec = (pattern, PublicPageHandler, *spec[2:])
            handlers.append(spec)
        ours = [
            (r"/", web.RedirectHandler, {"url": "/published/index.html"}),
            (r"/voila/tree/?.*", web.RedirectHandler, {"url": "/published/index.html"}),
            (r"/published/api/live", LiveBudgetHandler),
            (r"/published/?", web.RedirectHandler, {"url": "/published/index.html"}),
            (r"/published/(.*)", StaticPages, {"path": self.static_dir}),
        ]
        return ours + handlers


def _rotate_logs(path: str, max_bytes: int, backups: int) -> None:
    """Everything the server and its kernels print goes through one rotating file."""
    handler = logging.handlers.RotatingFileHandler(path, maxBytes=max_bytes, backupCount=backups,
                                                   encoding="utf-8")
    handler.setFormatter(logging.Formatter("[%(levelname)1.1s %(asctime)s %(name)s] %(message)s"))
    handler.setLevel(logging.INFO)   # Voila logs every kernel message at DEBUG: megabytes per page
    root = logging.getLogger()
    for name in ("", "tornado", "tornado.access", "tornado.application", "tornado.general", "Voila",
                 "PublicVoila"):
        log = logging.getLogger(name)
        for h in list(log.handlers):
            log.removeHandler(h)
        log.propagate = name != ""
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    # Kernels inherit file descriptors 1 and 2: route them through the same file, line by line.
    read_fd, write_fd = os.pipe()
    os.dup2(write_fd, 1)
    os.dup2(write_fd, 2)
    os.close(write_fd)
    sys.stdout = os.fdopen(1, "w", buffering=1, closefd=False)
    sys.stderr = os.fdopen(2, "w", buffering=1, closefd=False)
    out = logging.getLogger("output")

    def pump():
        with os.fdopen(read_fd, "r", encoding="utf-8", errors="replace") as pipe:
            for line in pipe:
                out.info(line.rstrip()[:2000])

    threading.Thread(target=pump, daemon=True, name="log-pump").start()


main = PublicVoila.launch_instance

if __name__ == "__main__":
    main()
