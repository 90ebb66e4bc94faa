"""The public pages' budget and housekeeping, without a server: every view exists as a static page,
a kernel over its memory ceiling is shut down while the others go on, and the log rotates."""

from __future__ import annotations

import asyncio
import concurrent.futures
import re
import subprocess
import sys

import pytest

from casebook import vocab
from casebook.apps.public_server import static_target
from casebook.catalog import Catalog
from casebook.render.dashboard_static import render_site
from casebook.exchange import load_sample
from casebook.store import Store
from tests.publish_seed import YEARS, activity_rows


@pytest.fixture(scope="module")
def catalog(tmp_path_factory):
    with Store(f"sqlite:///{tmp_path_factory.mktemp('s') / 's.sqlite'}") as store:
        load_sample(store)
        store.put_activity(activity_rows())
        return Catalog.load(store)


def test_every_published_view_has_a_static_page_with_no_outside_url(catalog, tmp_path):
    files = render_site(catalog)
    assert catalog.cases
    expected = {"index.html", "search.html",
                *(f"wards/{w.code}.html" for w in vocab.wards()),
                *(f"wards/{w.code}/{y}.html" for w in vocab.wards() for y in YEARS),
                *(f"cases/{c.id}.html" for c in catalog.cases)}
    assert expected <= set(files)
    for name, text in files.items():
        assert not re.search(r"(src|href)=\"(https?:)?//", text), name
        assert "<script src=\"http" not in text
    # A ward's year page ranks it among the 24 and names its live view for the page's script.
    ikuno = files["wards/27116/2024.html"]
    assert "生野区の活動状況（2024年度" in ikuno and "位／24区" in ikuno
    assert 'data-live="/voila/render/ward_dashboard.ipynb?ward=' in ikuno and "year=2024" in ikuno


def test_a_live_address_beyond_the_budget_maps_to_the_static_page_of_the_same_view(catalog, tmp_path):
    for rel in ("wards/27116.html", "wards/27116/2024.html", f"cases/{catalog.cases[0].id}.html"):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("x")
    dash, browser = "ward_dashboard.ipynb", "casebook_browser.ipynb"
    assert static_target(tmp_path, dash, {"ward": "生野区", "year": "2024"}) == "/published/wards/27116/2024.html"
    assert static_target(tmp_path, dash, {"ward": "27116", "year": "1999"}) == "/published/wards/27116.html"
    assert static_target(tmp_path, dash, {"ward": "堺市北区"}) == "/published/index.html"
    assert static_target(tmp_path, dash, {"year": "../../x"}) == "/published/index.html"
    case = catalog.cases[0].id
    assert static_target(tmp_path, browser, {"case": case}) == f"/published/cases/{case}.html"
    assert static_target(tmp_path, browser, {"case": "../../data"}) == "/published/search.html"
    assert static_target(tmp_path, browser, {"q": "見守り"}).startswith("/published/search.html?q=%E8")


def test_a_kernel_over_its_memory_ceiling_is_shut_down_and_the_others_go_on(monkeypatch):
    from casebook.apps.kernel_limits import BoundedKernelManager

    async def scenario():
        km = BoundedKernelManager(memory_limit_mb=500, monitor_interval=3600)
        big = await km.start_kernel(kernel_name="python3", client="127.0.0.9")
        small = await km.start_kernel(kernel_name="python3", client="127.0.0.9")
        try:
            real = km._rss_mb
            assert 0 < real(small) < 500           # a real resident size, read from the process
            monkeypatch.setattr(km, "_rss_mb", lambda kid: 900.0 if kid == big else real(kid))
            await km.check_kernels()
            return set(km.list_kernel_ids()), big, small, km.shut_down_for["memory"], km.client_kernels("127.0.0.9")
        finally:
            await km.shutdown_all(now=True)

    # A fresh thread owns its own event loop (earlier browser tests leave one running in this thread).
    with concurrent.futures.ThreadPoolExecutor(1) as one:
        alive, big, small, shut, counted = one.submit(asyncio.run, scenario()).result()
    assert alive == {small} and shut == 1 and counted == 1


def test_the_log_rotates_and_takes_what_kernels_print(tmp_path):
    log = tmp_path / "public.log"
    code = ("import os, sys\n"
            "from casebook.apps.public_server import _rotate_logs\n"
            f"_rotate_logs({str(log)!r}, 20_000, 2)\n"
            "for i in range(3000):\n"
            "    os.write(1, b'kernel says %d\\n' % i)\n"
            "import time; time.sleep(1)\n")
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)
    files = sorted(p.name for p in tmp_path.iterdir())
    assert files == ["public.log", "public.log.1", "public.log.2"]
    assert all(p.stat().st_size <= 21_000 for p in tmp_path.iterdir())
    assert "kernel says 2999" in log.read_text()
