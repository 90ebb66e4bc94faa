"""A reader in Chromium on the public server (real Voila, the static export, a snapshot made by
`publish`): the dashboards show per-10,000-resident figures beside the counts with the residents'
source, equal to a hand computation for two wards (static page and live page), and the casebook
browser shows 「似ている事例」 with published cases only, although unpublished ones just as similar
are in the store. Figures come in through `workbench import`, a newer population among them.

Hand computation (population.yaml, 大阪府の住民基本台帳人口 2020-01-01; 生野区 2025 imported):
    大正区 2024: 1,300 件 × 10,000 / 64,937  -> 200.19件      平野区 2024: 1,300 件 × 10,000 / 196,357 -> 66.21件
    生野区 2025:   630 件 × 10,000 / 126,000 ->  50.00件 (住民基本台帳人口（令和7年度）)
"""
from __future__ import annotations

import pytest
from typer.testing import CliRunner

from casebook.apps.publish import (
    BROWSER_NOTEBOOK,
    DASHBOARD_NOTEBOOK,
    publish,
    serve_published,
)
from casebook.settings import Settings
from casebook.store import Store
from tests.publish_seed import APPROVED_TITLE, DRAFT_TITLE, _case, seed

pytestmark = [pytest.mark.slow, pytest.mark.browser]

FIGURES_CSV = """区,年度,テーマ,指標,値,単位
大正区,令和6年度,見守り・訪問,見守り訪問件数,1300,件
平野区,令和6年度,見守り・訪問,見守り訪問件数,1300,件
生野区,令和7年度,見守り・訪問,見守り訪問件数,630,件
生野区,令和7年度,見守り・訪問,住民基本台帳人口,126000,人
"""
SECOND_TITLE = "生野区の多文化共生サロンを地域の居場所に"
ROW = ".wb-rate-row[data-ward='{}'] :is(.wb-rate-count, .wb-rate-residents, .wb-rate-value)"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    from casebook.analysis.similar import similar_cases
    from casebook.cli import app
    from casebook.identity import User

    root = tmp_path_factory.mktemp("rates")
    settings = Settings(data_dir=root / "data", build_dir=root / "build")
    with Store(settings.store_url) as store:
        seed(store)
        store.import_all(cases=[_case("2024-27116-94", SECOND_TITLE, "published")], author="テスト")
        # The draft and the approved case read exactly like the published one: an editor is offered them.
        near = {s.case_id for s in similar_cases(store, "2024-27116-93", User("編集者", "editor"), k=3)}
        assert {"2024-27116-91", "2024-27116-92"} <= near
    (root / "figures.csv").write_text(FIGURES_CSV, encoding="utf-8")
    result = CliRunner().invoke(app, ["import", str(root / "figures.csv"), "--author", "テスト", "--replace"],
                                env={**settings.environ(), "WORKBENCH_DB_URL": None})
    assert result.exit_code == 0 and "活動状況 4件を取り込みました" in result.output, result.output
    publish(settings)
    with serve_published(settings, pool_size=1, max_kernels=8, max_kernels_per_client=6) as srv:
        yield srv


def test_the_static_dashboard_shows_rates_beside_counts_with_the_source(server, reader):
    reader.goto(server.url + "/published/index.html")
    assert "住民基本台帳人口" not in reader.locator("#f-figure").inner_text()      # a denominator, not a figure
    reader.locator("#f-year").select_option("2024")
    reader.locator("#f-figure").select_option("見守り訪問件数")
    panel = reader.locator(".wb-panel:not([hidden])")
    assert panel.count() == 1
    assert panel.locator(ROW.format("大正区")).all_inner_texts() == ["1,300件", "64,937人", "200.19件"]
    assert panel.locator(ROW.format("平野区")).all_inner_texts() == ["1,300件", "196,357人", "66.21件"]
    assert "住民数の出典: 大阪府の住民基本台帳人口（2020-01-01）" in panel.locator(".wb-population-source").inner_text()
    reader.locator("#f-year").select_option("2025")
    panel = reader.locator(".wb-panel:not([hidden])")
    assert panel.locator(ROW.format("生野区")).all_inner_texts()[:3] == ["630件", "126,000人", "50.00件"]
    assert "住民基本台帳人口（令和7年度）" in panel.locator(".wb-population-source").inner_text()
    reader.screenshot(path=_shot("rates_static.png"), full_page=False)
    assert reader.external_requests == []


def test_the_live_dashboard_shows_the_same_rates(server, reader):
    reader.goto(server.page_url(DASHBOARD_NOTEBOOK) + "?year=2024")
    reader.locator(".wb-dash-rates .wb-rate-row").first.wait_for()
    reader.wait_for_function("document.querySelector('.wb-dash-rates caption').innerText.includes('2024年度')")
    rates = reader.locator(".wb-dash-rates")
    assert rates.locator(ROW.format("大正区")).all_inner_texts() == ["1,300件", "64,937人", "200.19件"]
    assert rates.locator(ROW.format("平野区")).all_inner_texts() == ["1,300件", "196,357人", "66.21件"]
    assert "大阪府の住民基本台帳人口（2020-01-01）" in rates.inner_text()
    options = reader.locator(".wb-dash-figure select option").all_inner_texts()
    assert "見守り訪問件数" in options and "住民基本台帳人口" not in options
    reader.locator(".wb-dash-year select").select_option(label="2025年度（令和7年度）")
    reader.wait_for_function("document.querySelector('.wb-dash-rates caption').innerText.includes('2025年度')")
    assert rates.locator(ROW.format("生野区")).all_inner_texts()[:3] == ["630件", "126,000人", "50.00件"]
    assert "住民基本台帳人口（令和7年度）" in rates.locator(".wb-population-source").inner_text()
    reader.locator(".wb-dash-rates").scroll_into_view_if_needed()
    reader.screenshot(path=_shot("rates_live.png"), full_page=True)
    assert reader.external_requests == []
    reader.goto("about:blank")     # the kernel goes back to the budget


def test_the_casebook_browser_shows_similar_published_cases_only(server, reader):
    reader.goto(server.page_url(BROWSER_NOTEBOOK) + "?case=2024-27116-93")
    similar = reader.locator(".wb-br-page .wb-similar")
    similar.wait_for()
    assert "似ている事例" in similar.locator("h3").inner_text()
    items = similar.locator(".wb-similar-item")
    assert items.count() >= 1
    assert items.first.get_attribute("data-case") == "2024-27116-94"
    assert SECOND_TITLE in items.first.inner_text() and "同じテーマ: 居場所づくり・ふれあい喫茶" in items.first.inner_text()
    page_text = reader.locator(".wb-br-page").inner_text()
    assert DRAFT_TITLE not in page_text and APPROVED_TITLE not in page_text
    shown = {items.nth(i).get_attribute("data-case") for i in range(items.count())}
    assert not shown & {"2024-27116-91", "2024-27116-92"}
    similar.scroll_into_view_if_needed()
    reader.screenshot(path=_shot("similar_browser.png"))
    # the link opens that case in the same browser (relative to /voila/render/casebook_browser.ipynb)
    assert items.first.locator("a").get_attribute("href") == "casebook_browser.ipynb?case=2024-27116-94"

    reader.goto(server.url + "/published/cases/2024-27116-93.html")     # the offline case page: the same list
    offline = reader.locator(".wb-similar .wb-similar-item")
    assert offline.first.get_attribute("data-case") == "2024-27116-94"
    assert not {offline.nth(i).get_attribute("data-case") for i in range(offline.count())} & {
        "2024-27116-91", "2024-27116-92"}
    assert DRAFT_TITLE not in reader.content() and APPROVED_TITLE not in reader.content()
    assert reader.external_requests == []


def _shot(name: str) -> str:
    from casebook.settings import REPO_ROOT

    folder = REPO_ROOT / "build" / "screenshots" / "rates"
    folder.mkdir(parents=True, exist_ok=True)
    return str(folder / name)
