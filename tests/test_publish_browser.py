"""A reader in Chromium on the published pages (real Voila started by `workbench publish`'s function).

The reader sees all 24 wards, changes the fiscal year and theme and sees the charts change, opens
生野区's page and finds its published case — and never finds a draft or an approved-but-unpublished
case, however they search.
"""

from __future__ import annotations

import pytest

from casebook.apps.publish import BROWSER_NOTEBOOK, DASHBOARD_NOTEBOOK, publish, serve_published
from casebook.settings import Settings
from casebook.store import Store
from tests.publish_seed import APPROVED_TITLE, DRAFT_TITLE, PUBLISHED_TITLE, seed

pytestmark = [pytest.mark.slow, pytest.mark.browser]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    root = tmp_path_factory.mktemp("publish")
    settings = Settings(data_dir=root / "data", build_dir=root / "build")
    with Store(settings.store_url) as store:
        seed(store)
    publish(settings, static=False)
    with serve_published(settings, pool_size=1, max_kernels=8) as srv:
        yield srv


def test_dashboard_shows_all_24_wards_and_the_filters_change_the_charts(server, reader):
    reader.goto(server.page_url(DASHBOARD_NOTEBOOK))
    tiles = reader.locator(".wb-dash-grid .wb-tile")
    tiles.first.wait_for()
    assert tiles.count() == 24
    names = {tiles.nth(i).get_attribute("data-ward") for i in range(24)}
    assert len(names) == 24 and "生野区" in names and "西成区" in names
    grid, ranking = reader.locator(".wb-dash-grid"), reader.locator(".wb-dash-ranking svg")
    first_grid, first_ranking = grid.inner_text(), ranking.inner_html()
    assert "2025年度" in first_grid and "見守り訪問件数" in first_grid

    reader.locator(".wb-dash-year select").select_option(label="2023年度（令和5年度）")
    reader.wait_for_function("document.querySelector('.wb-dash-grid').innerText.includes('2023年度')")
    # the ranking is a widget of its own, updated in a message after the grid's
    reader.wait_for_function("(document.querySelector('.wb-dash-ranking svg title') || {}).textContent"
                             "?.includes('2023年度')")
    assert grid.inner_text() != first_grid and ranking.inner_html() != first_ranking

    reader.locator(".wb-dash-theme select").select_option(label="こども食堂")
    reader.wait_for_function("document.querySelector('.wb-dash-grid').innerText.includes('こども食堂 箇所数')")
    assert "か所" in grid.inner_text()
    assert "こども食堂 箇所数" in reader.locator(".wb-dash-ranking").inner_text()
    reader.get_by_role("button", name="推移").click()
    trend = reader.locator(".wb-dash-trend")
    trend.wait_for(state="visible")
    assert "こども食堂 箇所数の推移" in trend.inner_text() and "2023年度" in trend.inner_text()
    assert reader.external_requests == []        # a reader's page asks the internet for nothing


def test_ward_page_lists_its_published_cases_and_unpublished_ones_are_nowhere(server, reader):
    reader.goto(server.page_url(DASHBOARD_NOTEBOOK))
    reader.locator(".wb-dash-ward select").select_option(label="生野区")
    ward_page = reader.locator(".wb-dash-ward-page .wb-ward-page")
    ward_page.wait_for()
    text = ward_page.inner_text()
    assert "生野区社会福祉協議会" in text and PUBLISHED_TITLE in text and "基礎研修 II 事例検討会" in text
    assert DRAFT_TITLE not in reader.content() and APPROVED_TITLE not in reader.content()

    reader.goto(server.page_url(BROWSER_NOTEBOOK))
    query = reader.locator(".wb-br-query input")
    query.wait_for()
    count = reader.locator(".wb-br-count")
    for title in (DRAFT_TITLE, APPROVED_TITLE, "イプシロン", "ゼータ"):
        query.fill("多文化共生")      # a search with a hit first, so the next wait sees this search's answer
        query.press("Enter")
        reader.wait_for_function("document.querySelector('.wb-br-count').innerText.includes('件の事例')")
        query.fill(title)
        query.press("Enter")
        reader.wait_for_function("document.querySelector('.wb-br-count').innerText.includes('該当する事例はありません')")
        assert "該当する事例はありません" in count.inner_text()
        assert DRAFT_TITLE not in reader.content() and APPROVED_TITLE not in reader.content()

    query.fill("多文化共生 サロン")
    query.press("Enter")
    reader.locator(".wb-br-results select option", has_text=PUBLISHED_TITLE).wait_for(state="attached")
    reader.locator(".wb-br-results select").select_option(label=f"{PUBLISHED_TITLE}（生野区・2024年度）")
    page_view = reader.locator(".wb-br-page")
    reader.wait_for_function(f"document.querySelector('.wb-br-page').innerText.includes({PUBLISHED_TITLE!r})")
    assert "生野区" in page_view.inner_text()
