"""Start a real Voila server for a test and stop it afterwards (see casebook.apps.serving)."""

from __future__ import annotations

import contextlib
from pathlib import Path

from casebook.apps.serving import VoilaOptions, VoilaServer, start_voila
from casebook.settings import Settings


@contextlib.contextmanager
def running_voila(root: Path, settings: Settings, *, log_name: str = "voila.log", **options) -> VoilaServer:
    """`with running_voila(notebook_dir, settings, pool_size=1) as server: page.goto(server.page_url(...))`.

    The log lands in settings.build_dir/logs so a failing test leaves it behind to read.
    """
    opts = VoilaOptions(root=Path(root), **options)
    server = start_voila(opts, settings, log_path=settings.build_dir / "logs" / log_name)
    try:
        yield server
    finally:
        server.stop()
