"""`workbench serve`: Voila on 127.0.0.1 over the apps folder only — the case form opens, batch
notebooks are not served — and stopping the command stops Voila and its kernels."""

from __future__ import annotations

import os
import select
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from casebook.apps.serving import free_port
from casebook.store import Store
from kernel_channel import KernelChannel

pytestmark = pytest.mark.slow


def _answers(url: str) -> int | None:
    try:
        return urllib.request.urlopen(url, timeout=5).status
    except urllib.error.HTTPError as exc:
        return exc.code
    except OSError:
        return None


def test_serve_opens_the_case_form_only_and_stops_cleanly(settings):
    with Store.open(settings):
        pass
    port = free_port()
    workbench = str(Path(sys.executable).with_name("workbench"))
    proc = subprocess.Popen([workbench, "serve", "--dev", "--port", str(port), "--pool", "0"], stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, env={**os.environ, **settings.environ()})
    try:
        # A server that never starts fails the test instead of hanging it.
        assert select.select([proc.stdout], [], [], 120)[0], "workbench serve printed nothing in 120 s"
        assert proc.stdout.readline().startswith("開発モード（サインインなし・127.0.0.1 のみ")
        first = proc.stdout.readline()
        assert first.startswith("事例分析シート: http://127.0.0.1:"), first
        url = first.split(": ", 1)[1].strip()
        with KernelChannel.from_page(url) as kc:
            assert "新しい事例" in kc.text(kc.find(dom_class="wb-title"))
            assert "開発モード" in kc.text(kc.find(dom_class="wb-dev-banner"))   # every page says so
            assert kc.find_all(dom_class="wb-save")
        base = f"http://127.0.0.1:{port}"
        assert _answers(f"{base}/voila/render/case_page.ipynb") == 404       # batch notebooks are not apps
        assert _answers(f"{base}/voila/render/training_session.ipynb") == 404
        assert sorted(p.name for p in (settings.build_dir / "apps").iterdir()) == ["case_analysis.ipynb"]
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)
    deadline = time.monotonic() + 15
    while _answers(f"http://127.0.0.1:{port}/voila/static/") is not None and time.monotonic() < deadline:
        time.sleep(0.3)
    assert _answers(f"http://127.0.0.1:{port}/voila/static/") is None              # Voila is gone too


def test_development_mode_never_listens_on_the_network(settings):
    from typer.testing import CliRunner

    from casebook.cli import app

    result = CliRunner().invoke(app, ["serve", "--dev", "--host", "0.0.0.0"], env=settings.environ())
    assert result.exit_code == 2 and "127.0.0.1 でしか動かせません" in result.output
