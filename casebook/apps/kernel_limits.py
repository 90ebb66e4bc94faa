"""A kernel manager for Voila that keeps a budget of live kernels no single visitor can spend.

Voila starts a kernel for every GET of a page (134 MB each, RECIPES.md), before any script of the
page runs; a crawler or a curl loop that never opens the websocket would leave them all alive, and
a client holding sockets open would keep them forever. The budget:

- `max_kernels` alive at once (pooled kernels included) and `max_kernels_per_client` handed to one
  client address; `has_room(client)` is what a page handler asks before it starts one;
- a kernel whose page has been sent (`page_sent`) but never connects its websocket within
  `unconnected_timeout` seconds is shut down (jupyter_server's culler has no "never connected" rule);
  the wait starts when the page is out, not when the kernel starts: on a busy machine rendering
  alone can take longer than the timeout;
- `cull_idle_timeout` with `cull_connected`: connected but idle kernels are culled too;
- `memory_limit_mb`: a kernel whose resident memory passes it is shut down; the others go on (a
  Voila page kernel restarted empty would serve nobody, so it is shut down rather than restarted).

Kernels still starting count (concurrent GETs would otherwise all pass the check before any of them
is listed). A preheated pool's refill is never refused, which would lose that pool slot for good
(Voila does not retry): it waits until culling makes room, then starts. Loaded only inside Voila.
"""

from __future__ import annotations

import asyncio
import time

from jupyter_server.services.kernels.kernelmanager import AsyncMappingKernelManager
from tornado.ioloop import PeriodicCallback
from tornado.web import HTTPError
from traitlets import Int


class BudgetExceeded(HTTPError):
    """No kernel for this request; a public page handler answers with the static page instead."""

    def __init__(self, reason: str):
        super().__init__(503, "混み合っています。しばらくしてから再読み込みしてください。")
        self.why = reason


class BoundedKernelManager(AsyncMappingKernelManager):
    max_kernels = Int(40, config=True, help="Most kernels alive at once (pooled kernels included); 0 = no bound.")
    max_kernels_per_client = Int(0, config=True, help="Most kernels handed to one client address; 0 = no bound.")
    unconnected_timeout = Int(0, config=True, help="Seconds a handed-out kernel may wait for its websocket; 0 = forever.")
    memory_limit_mb = Int(0, config=True, help="A kernel using more resident memory is shut down; 0 = no limit.")
    monitor_interval = Int(5, config=True, help="Seconds between checks of unconnected kernels and memory.")

    _starting = 0   # kernels whose start has begun but which are not listed yet
    _stopping = 0   # kernels being shut down: unlisted before their process is gone, still memory

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._clients: dict[str, str] = {}       # kernel id -> the client address it was handed to
        self._handed_at: dict[str, float] = {}    # kernel id -> when, for kernels never connected yet
        self._starting_for: dict[str, int] = {}   # client -> kernels starting for it
        self._monitor: PeriodicCallback | None = None
        self.shut_down_for: dict[str, int] = {"unconnected": 0, "memory": 0}

    # --- the budget -----------------------------------------------------------------------------

    def client_kernels(self, client: str) -> int:
        return sum(1 for c in self._clients.values() if c == client) + self._starting_for.get(client, 0)

    def _room(self) -> bool:
        return (not self.max_kernels
                or len(self.list_kernel_ids()) + self._starting + self._stopping < self.max_kernels)

    def has_room(self, client: str | None = None) -> bool:
        """Whether a page for `client` may get a kernel now (global bound, then the client's own)."""
        if not self._room():
            return False
        return not (client and self.max_kernels_per_client
                    and self.client_kernels(client) >= self.max_kernels_per_client)

    def assign(self, kernel_id: str, client: str | None) -> None:
        """Count a kernel against `client`."""
        if client:
            self._clients[kernel_id] = client

    def page_sent(self, kernel_id: str) -> None:
        """The page of this kernel is out (or its reader left): its wait for a websocket starts now."""
        if kernel_id in self._kernels and not self._kernel_connections.get(kernel_id):
            self._handed_at[kernel_id] = time.monotonic()
            self._start_monitor()

    async def start_kernel(self, *args, client: str | None = None, **kwargs):
        refill = (kwargs.get("env") or {}).get("VOILA_PREHEAT") == "True"
        if not refill and not self.has_room(client):
            self.log.warning("No kernel for %s: %d alive, %d starting (max_kernels=%d, per client %d)",
                             client or "?", len(self.list_kernel_ids()), self._starting, self.max_kernels,
                             self.max_kernels_per_client)
            raise BudgetExceeded("budget")
        while refill and not self._room():   # check and count below happen with no await between them
            await asyncio.sleep(0.25)
        self._starting += 1
        if client:
            self._starting_for[client] = self._starting_for.get(client, 0) + 1
        try:
            kernel_id = await super().start_kernel(*args, **kwargs)
        finally:
            self._starting -= 1
            if client:
                self._starting_for[client] -= 1
        if not refill:
            self.assign(kernel_id, client)
        return kernel_id

    async def shutdown_kernel(self, kernel_id, *args, **kwargs):
        self._stopping += 1
        try:
            return await super().shutdown_kernel(kernel_id, *args, **kwargs)
        finally:
            self._stopping -= 1

    def notify_connect(self, kernel_id):
        super().notify_connect(kernel_id)
        self._handed_at.pop(kernel_id, None)

    def remove_kernel(self, kernel_id):
        self._clients.pop(kernel_id, None)
        self._handed_at.pop(kernel_id, None)
        return super().remove_kernel(kernel_id)

    # --- the monitor: never-connected kernels and memory ---------------------------------------

    def _start_monitor(self) -> None:
        if self._monitor is None and (self.unconnected_timeout > 0 or self.memory_limit_mb > 0):
            self._monitor = PeriodicCallback(self.check_kernels, 1000 * max(1, self.monitor_interval))
            self._monitor.start()

    async def check_kernels(self) -> None:
        now = time.monotonic()
        for kernel_id in list(self.list_kernel_ids()):
            handed = self._handed_at.get(kernel_id)
            if (self.unconnected_timeout > 0 and handed is not None
                    and now - handed > self.unconnected_timeout
                    and not self._kernel_connections.get(kernel_id)):
                await self._shut(kernel_id, "unconnected",
                                 f"its page never connected within {self.unconnected_timeout} s")
            elif self.memory_limit_mb > 0:
                rss = self._rss_mb(kernel_id)
                if rss > self.memory_limit_mb:
                    await self._shut(kernel_id, "memory", f"{rss:.0f} MB > {self.memory_limit_mb} MB")

    def _rss_mb(self, kernel_id: str) -> float:
        import psutil

        try:
            pid = self.get_kernel(kernel_id).provisioner.pid
            return psutil.Process(pid).memory_info().rss / 2**20 if pid else 0.0
        except (KeyError, AttributeError, psutil.Error):
            return 0.0

    async def _shut(self, kernel_id: str, why: str, detail: str) -> None:
        self.log.warning("Shutting down kernel %s (client %s): %s", kernel_id, self._clients.get(kernel_id, "?"),
                         detail)
        self.shut_down_for[why] += 1
        self._handed_at.pop(kernel_id, None)
        try:
            await self.shutdown_kernel(kernel_id, now=True)
        except Exception as exc:   # already gone: the culler or the page's own shutdown was first
            self.log.info("Kernel %s already gone (%s)", kernel_id, exc)

    async def cull_kernel_if_idle(self, kernel_id):
        # A kernel still starting has no last_activity yet: jupyter_server's culler would log a
        # traceback for it at every pass (seen with cull_interval=1). It is not idle; skip it.
        kernel = self._kernels.get(kernel_id)
        if kernel is None or kernel._trait_values.get("last_activity") is None:
            return
        return await super().cull_kernel_if_idle(kernel_id)

    def initialize_culler(self):
        super().initialize_culler()
        self._start_monitor()
