"""The published pages on a real Voila, started by the function `workbench publish` uses.

A reader — or a script that knows a page's kernel id — can send widget messages to the kernel;
nothing they send changes a row anywhere, and the kernels know only the read-only snapshot.
A crawler fetching pages without ever opening the socket cannot pile up kernels, and never gets a 503:
beyond the budget it is sent to the static page of the same view.
"""

from __future__ import annotations

import hashlib
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest

from casebook.apps.publish import (BROWSER_NOTEBOOK, DASHBOARD_NOTEBOOK, PUBLISHED_ENV, SNAPSHOT_NAME,
                              publish, published_environ, serve_published)
from casebook.store import Store
from kernel_channel import KernelChannel
from public_support import kernels
from tests.publish_seed import APPROVED_TITLE, DRAFT_TITLE, seed

pytestmark = pytest.mark.slow


@pytest.fixture
def published(settings):
    with Store(settings.store_url) as store:
        seed(store)
    publish(settings, static=False)
    return settings


def _store_rows(url: str) -> dict:
    """Every row a reader could hope to change, as comparable values."""
    with Store(url, read_only=True) as store:
        cases = store.list_cases()
        return {
            "cases": [(r.case.id, r.version, r.case.model_dump(mode="json")) for r in cases],
            "history": [len(store.history(r.case.id)) for r in cases],
            "activity": [a.model_dump() for a in store.activity()],
            "sessions": [s.model_dump(mode="json") for s in store.list_sessions()],
        }


def _digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


HOSTILE_TEXT = ["' OR 1=1; DROP TABLE cases; --", "../../data/workbench.sqlite", "sqlite:///tmp/x.sqlite",
                "<script>alert(1)</script>", "x" * 5000, "\x00\x01", DRAFT_TITLE, APPROVED_TITLE, "ｶﾞｰﾄﾞ"]
HOSTILE_INDEX = [-1, 10_000, "0", None, 1.5, True, [0]]


def _drive_everything(kc: KernelChannel) -> int:
    """Send every value a script can send to every widget of the page; returns messages sent."""
    sent = 0
    for mid, st in list(kc.widgets().items()):
        model = st.get("_model_name", "")
        if model in ("DropdownModel", "ToggleButtonsModel", "SelectModel", "SelectMultipleModel"):
            n = len(st.get("_options_labels") or [])
            for i in [*range(n), *HOSTILE_INDEX]:
                kc.set(mid, index=i)
                sent += 1
            kc.set(mid, index=[0, 1])
            kc.set(mid, _options_labels=["../../data/workbench.sqlite"], index=0)
            sent += 2
        elif model in ("TextModel", "TextareaModel", "ComboboxModel", "HTMLModel", "LabelModel"):
            for text in HOSTILE_TEXT:
                kc.set(mid, value=text)
                sent += 1
            kc.set(mid, value=12345)
            sent += 1
        kc.set(mid, disabled=False, _dom_classes=["wb-x"], layout="IPY_MODEL_nothing")
        kc.click(mid)
        sent += 2
    kc.refresh()
    return sent


def test_scripted_messages_change_no_row_and_kernels_know_only_the_snapshot(published):
    settings = published
    snapshot = settings.publish_dir / SNAPSHOT_NAME
    working_file = settings.sqlite_path
    before_rows = (_store_rows(settings.store_url), _store_rows(f"sqlite:///{snapshot}"))
    before_bytes = (_digest(working_file), _digest(snapshot))

    with serve_published(settings, pool_size=0, max_kernels=6) as server:
        for notebook in (DASHBOARD_NOTEBOOK, BROWSER_NOTEBOOK):
            with KernelChannel.from_page(server.page_url(notebook)) as kc:
                assert DRAFT_TITLE not in kc.page_html and APPROVED_TITLE not in kc.page_html
                sent = _drive_everything(kc)
                assert sent > 100
                # After all that, the page still answers and still shows no unpublished case.
                shown = " ".join(kc.text(m) for m in kc.find_all(model="HTMLModel"))
                assert DRAFT_TITLE not in shown and APPROVED_TITLE not in shown
        alive = kernels(server)
        assert alive
        for kernel in alive:
            env = kernel.environ()
            # Its own read-only copy of the snapshot, in the public server's folder.
            assert env[PUBLISHED_ENV] == str(server.public_root.snapshot)
            assert _digest(server.public_root.snapshot) == _digest(snapshot)
            text = "\n".join(f"{k}={v}" for k, v in env.items())
            assert str(settings.data_dir) not in text and "WORKBENCH_DB_URL" not in text
            assert "WORKBENCH_DATA" not in text
    assert (_store_rows(settings.store_url), _store_rows(f"sqlite:///{snapshot}")) == before_rows
    assert (_digest(working_file), _digest(snapshot)) == before_bytes


def test_a_kernel_with_the_published_environment_cannot_write_the_snapshot(published):
    """What a page's kernel would get if its code tried: the driver refuses (mode=ro), the file stays."""
    from jupyter_client.manager import start_new_kernel

    settings = published
    snapshot = settings.publish_dir / SNAPSHOT_NAME
    before = _digest(snapshot)
    env = published_environ(snapshot, settings)
    km, kc = start_new_kernel(kernel_name="python3", env=env, cwd=str(settings.build_dir))
    try:
        code = (
            "import os\n"
            "from casebook.apps.publish import open_snapshot\n"
            "from casebook.settings import Settings\n"
            "s = open_snapshot()\n"
            "results = []\n"
            "for sql in ('DELETE FROM cases', \"UPDATE ward_activity SET value = 0\", 'CREATE TABLE x (a)'):\n"
            "    try:\n"
            "        with s.engine.begin() as c:\n"
            "            c.exec_driver_sql(sql)\n"
            "        results.append('WROTE')\n"
            "    except Exception as e:\n"
            "        results.append(type(e).__name__ + ':' + str(e.orig if hasattr(e, 'orig') else e))\n"
            "print(results)\n"
            "print('ENV', sorted(k for k in os.environ if k.startswith('WORKBENCH')))\n")
        reply_text = []
        kc.execute_interactive(code, timeout=60,
                               output_hook=lambda m: reply_text.append(m["content"].get("text", "")))
        out = "".join(reply_text)
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)
    assert "WROTE" not in out
    assert out.count("readonly database") == 3, out
    assert "ENV ['WORKBENCH_PUBLISHED']" in out
    assert _digest(snapshot) == before


def test_fifty_fetches_without_a_socket_stay_within_the_bound_and_never_see_a_503(published):
    settings = published
    bound, pool_total = 6, 2            # pool_size 1 for each of the two published notebooks
    with serve_published(settings, pool_size=1, max_kernels=bound, max_kernels_per_client=bound,
                         cull_idle_timeout=3, cull_interval=1, unconnected_timeout=3) as server:
        deadline = time.monotonic() + 60
        while len(kernels(server)) < pool_total and time.monotonic() < deadline:
            time.sleep(0.5)
        peak, stop = 0, threading.Event()

        def watch():
            nonlocal peak
            while not stop.is_set():
                peak = max(peak, len(kernels(server)))
                time.sleep(0.05)

        def fetch(_):
            try:
                with urllib.request.urlopen(server.page_url(DASHBOARD_NOTEBOOK), timeout=120) as resp:
                    resp.read()
                    return resp.status, "/published/" in resp.url
            except urllib.error.HTTPError as exc:
                return exc.code, False

        watcher = threading.Thread(target=watch, daemon=True)
        watcher.start()
        with ThreadPoolExecutor(10) as pool:
            results = list(pool.map(fetch, range(50)))
        codes = Counter(code for code, _ in results)
        assert codes == {200: 50}, codes
        assert 1 <= sum(not static for _, static in results) < 50     # some live, the rest static
        # Unconnected kernels are shut down; the pool refills to its size and no further.
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and len(kernels(server)) != pool_total:
            time.sleep(0.5)
        time.sleep(3)
        stop.set()
        watcher.join()
        assert peak <= bound, f"{peak} kernels alive at once (bound {bound})"
        assert len(kernels(server)) == pool_total
        # And a reader coming later still gets the live page.
        assert fetch(0) == (200, False)
