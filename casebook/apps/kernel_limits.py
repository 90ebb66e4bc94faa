"""A kernel manager for Voila that puts a ceiling on live kernels.

Voila starts a kernel for every GET of a page (134 MB each, RECIPES.md); a crawler or a curl loop
that never opens the websocket would leave them all alive. Culling (jupyter_server's
`cull_idle_timeout`) takes them back after a while; this class refuses new ones beyond a bound
meanwhile, with a 503 the reader can understand. Loaded only inside the Voila server process.

Kernels still starting count too (concurrent GETs would otherwise all pass the check before any
of them is listed). A preheated pool's refill is never refused, which would lose that pool slot
for good (Voila does not retry): it waits until culling makes room, then starts.
"""

from __future__ import annotations

import asyncio

from jupyter_server.services.kernels.kernelmanager import AsyncMappingKernelManager
from tornado.web import HTTPError
from traitlets import Int


class BoundedKernelManager(AsyncMappingKernelManager):
    max_kernels = Int(40, config=True, help="Most kernels alive at once (pooled kernels included); 0 = no bound.")

    _starting = 0   # kernels whose start has begun but which are not listed yet

    def _room(self) -> bool:
        return not self.max_kernels or len(self.list_kernel_ids()) + self._starting < self.max_kernels

    async def start_kernel(self, *args, **kwargs):
        refill = (kwargs.get("env") or {}).get("VOILA_PREHEAT") == "True"
        if not self._room():
            if not refill:
                self.log.warning("Refusing a new kernel: %d alive, %d starting (max_kernels=%d)",
                                 len(self.list_kernel_ids()), self._starting, self.max_kernels)
                raise HTTPError(503, "混み合っています。しばらくしてから再読み込みしてください。")
            while not self._room():   # check and count below happen with no await between them
                await asyncio.sleep(0.25)
        self._starting += 1
        try:
            return await super().start_kernel(*args, **kwargs)
        finally:
            self._starting -= 1
