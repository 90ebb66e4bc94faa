"""A kernel manager for Voila that puts a ceiling on live kernels.

Voila starts a kernel for every GET of a page (134 MB each, RECIPES.md); a crawler or a curl loop
that never opens the websocket would leave them all alive. Culling (jupyter_server's
`cull_idle_timeout`) takes them back after a while; this class refuses new ones beyond a bound
meanwhile, with a 503 the reader can understand. Loaded only inside the Voila server process.
"""

from __future__ import annotations

from jupyter_server.services.kernels.kernelmanager import AsyncMappingKernelManager
from tornado.web import HTTPError
from traitlets import Int


class BoundedKernelManager(AsyncMappingKernelManager):
    max_kernels = Int(40, config=True, help="Most kernels alive at once (pooled kernels included); 0 = no bound.")

    async def start_kernel(self, *args, **kwargs):
        if self.max_kernels and len(self.list_kernel_ids()) >= self.max_kernels:
            self.log.warning("Refusing a new kernel: %d alive (max_kernels=%d)", len(self.list_kernel_ids()), self.max_kernels)
            raise HTTPError(503, "混み合っています。しばらくしてから再読み込みしてください。")
        return await super().start_kernel(*args, **kwargs)
