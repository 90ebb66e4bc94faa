"""A reader in Chromium on the public server: the static page at once, the live view on request while
the budget lasts, and the static page (with a word about why) when it does not; without script, the
page is whole and no kernel is spent."""

from __future__ import annotations

import urllib.request

import pytest

from casebook.apps.publish import DASHBOARD_NOTEBOOK, publish, serve_published
from casebook.settings import Settings
from casebook.store import Store
from browser_support import keep_local
from tests.public_support import kernels
from tests.publish_seed import PUBLISHED_TITLE, seed

pytestmark = [pytest.mark.slow, pytest.mark.browser]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    root = tmp_path_factory.mktemp("public")
    settings = Settings(data_dir=root / "data", build_dir=root / "build")
    with Store(settings.store_url) as store:
        seed(store)
    publish(settings)
    with serve_published(settings, pool_size=0, max_kernels=4, max_kernels_per_client=1) as srv:
        yield srv


def test_the_static_page_opens_the_live_dashboard_when_the_reader_asks(server, reader):
    reader.goto(server.url + "/")
    assert reader.url.endswith("/published/index.html")
    assert reader.locator(".wb-panel:not([hidden]) .wb-tile").count() == 24   # usable before any kernel
    assert kernels(server) == []
    reader.locator("#f-year").select_option("2023")
    reader.get_by_role("button", name="操作できる画面で開く").click()
    reader.wait_for_url("**/voila/render/ward_dashboard.ipynb?year=2023")
    reader.locator(".wb-dash-grid .wb-tile").first.wait_for()
    assert "2023年度" in reader.locator(".wb-dash-grid").inner_text()
    assert reader.external_requests == []
    reader.goto("about:blank")     # the reader leaves; Voila's beacon or the culler gives the kernel back


def test_when_the_budget_is_spent_the_reader_stays_on_the_static_page_and_is_told_why(server, reader):
    # Someone at the same address took its one kernel with a fetch that never connects.
    with urllib.request.urlopen(server.page_url(DASHBOARD_NOTEBOOK), timeout=120) as resp:
        resp.read()
    reader.goto(server.url + "/published/wards/27116/2024.html")
    assert "生野区の活動状況（2024年度" in reader.locator("h1").inner_text()
    reader.get_by_role("button", name="操作できる画面で開く").click()
    reader.locator("#wb-live-status").filter(has_text="混み合っています").wait_for()
    assert reader.url.endswith("/published/wards/27116/2024.html")
    # A link straight to the live page lands on the static page of the same view, never a 503.
    response = reader.goto(server.page_url(DASHBOARD_NOTEBOOK) + "?ward=生野区&year=2024")
    assert response.status == 200 and "/published/wards/27116/2024.html?busy=1" in reader.url
    assert "混み合っています" in reader.locator("#wb-live-status").inner_text()
    assert reader.external_requests == []


def test_without_script_every_page_is_whole_and_spends_no_kernel(server, browser):
    context = browser.new_context(java_script_enabled=False, locale="ja-JP")
    attempts = keep_local(context)
    try:
        before = len(kernels(server))
        page = context.new_page()
        page.goto(server.url + "/published/search.html")
        assert PUBLISHED_TITLE in page.locator("main").inner_text()
        page.get_by_role("link", name=PUBLISHED_TITLE).click()
        assert PUBLISHED_TITLE in page.locator("main").inner_text()
        assert not page.locator("#wb-live").is_visible()
        assert len(kernels(server)) <= before and attempts == []
    finally:
        context.close()
