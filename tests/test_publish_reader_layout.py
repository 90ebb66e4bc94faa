"""A new reader opens a case from a link in the casebook browser (?case=…) in Chromium: the 地域の状況
grid keeps each label beside its value, the filters say what they filter by (never blank), and the
provider's role is written once. A screenshot of the case page is kept under build/screenshots/."""

from __future__ import annotations

import pytest

from casebook.apps.publish import BROWSER_NOTEBOOK, publish, serve_published
from casebook.exchange import load_sample
from casebook.settings import REPO_ROOT, Settings
from casebook.store import Store
from browser_support import keep_local

pytestmark = [pytest.mark.slow, pytest.mark.browser]
SHOTS = REPO_ROOT / "build" / "screenshots"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    root = tmp_path_factory.mktemp("readers")
    settings = Settings(data_dir=root / "data", build_dir=root / "build")
    with Store(settings.store_url) as store:
        load_sample(store)
    publish(settings, static=False)
    with serve_published(settings, pool_size=0, max_kernels=4) as srv:
        yield srv


def test_a_case_opened_from_a_link_reads_as_a_grid_with_its_filters_shown(server, page):
    external = keep_local(page)
    page.set_default_timeout(60_000)
    page.goto(server.page_url(BROWSER_NOTEBOOK) + "?case=2024-27116-01")
    section = page.locator(".wb-br-page #community")
    section.wait_for()
    boxes = section.evaluate("""s => [...s.querySelectorAll('dt')].map(dt => {
        const a = dt.getBoundingClientRect(), b = dt.nextElementSibling.getBoundingClientRect();
        return {label: dt.innerText, top: Math.round(a.top), valueTop: Math.round(b.top),
                labelLeft: Math.round(a.left), valueLeft: Math.round(b.left)};
    })""")
    assert [b["label"] for b in boxes][-2:] == ["社会資源", "地域のストレングスと課題"]
    lefts = {b["labelLeft"] for b in boxes}
    value_lefts = {b["valueLeft"] for b in boxes}
    assert len(lefts) == 1 and len(value_lefts) == 1              # one label column, one value column
    assert all(b["valueLeft"] > b["labelLeft"] and b["top"] == b["valueTop"] for b in boxes)  # side by side

    for cls, label in ((".wb-br-year", "すべての年度"), (".wb-br-theme", "すべてのテーマ")):
        shown = page.locator(f"{cls} select").evaluate("s => s.selectedIndex >= 0 ? s.options[s.selectedIndex].text : ''")
        assert shown == label, cls
    header = page.locator(".wb-br-page .cb-meta").inner_text()
    assert "CSW（CSW" not in header and "CSW（コミュニティソーシャルワーカー）" in header
    SHOTS.mkdir(parents=True, exist_ok=True)
    section.scroll_into_view_if_needed()
    section.screenshot(path=str(SHOTS / "casebook_browser_community.png"))
    page.set_viewport_size({"width": 1280, "height": 2400})     # Voila scrolls inside its own box
    page.evaluate("document.querySelector('.wb-browser').scrollIntoView({block: 'start'})")
    page.screenshot(path=str(SHOTS / "casebook_browser_case.png"))
    assert external == []
