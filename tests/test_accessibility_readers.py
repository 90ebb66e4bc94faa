"""The readers' pages meet JIS X 8341-3:2016 level AA as axe-core checks it (wcag2a, wcag2aa, wcag21aa),
as a reader opens them in Debian's Chromium: the live Voila ward dashboard and the casebook browser, the
offline dashboard from disk, and the HTML the per-case PDF is printed from. Every chart has a table of
its figures beside it and a name; the tile map writes each ward's value on its tile; the dashboard
reflows at 200 % zoom; the PDF is tagged (structure tree, /Lang ja, alternative text for the ecomap)."""
from __future__ import annotations

import re
import subprocess

import pytest

from a11y_support import describe, violations
from browser_support import keep_local
from casebook.apps.publish import BROWSER_NOTEBOOK, DASHBOARD_NOTEBOOK, STATIC_NAME, publish, serve_published
from casebook.exchange import load_sample
from casebook.settings import REPO_ROOT, Settings
from casebook.store import Store

pytestmark = [pytest.mark.slow, pytest.mark.browser]
SHOTS = REPO_ROOT / "build" / "screenshots" / "a11y"
WAIT = 60_000


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    root = tmp_path_factory.mktemp("a11y-readers")
    settings = Settings(data_dir=root / "data", build_dir=root / "build")
    with Store(settings.store_url) as store:
        load_sample(store)
    publish(settings, static=True)
    return settings


@pytest.fixture(scope="module")
def server(published):
    # Each test's pages stay open until its context closes: room for them all from this one client.
    with serve_published(published, pool_size=0, max_kernels=6, max_kernels_per_client=6) as srv:
        yield srv


def reader(browser, **options):
    context = browser.new_context(locale="ja-JP", **({"viewport": {"width": 1280, "height": 900}} | options))
    external = keep_local(context)
    page = context.new_page()
    page.set_default_timeout(WAIT)
    return context, page, external


def assert_accessible(page, what: str) -> None:
    assert page.locator("html").get_attribute("lang") == "ja", what
    page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")  # the tables too
    found = violations(page)
    assert not found, f"{what}: {len(found)} accessibility violations\n{describe(found)}"


def charts_have_their_figures_beside_them(page, scope: str) -> int:
    """Every chart under `scope` is an SVG with role="img" and a name, in a figure with a table of the same
    figures (each value the chart writes is in the table). Returns how many charts were checked."""
    charts = page.evaluate("""scope => [...document.querySelectorAll(scope + ' svg.chart')]
        .filter(svg => svg.getClientRects().length).map(svg => ({
            role: svg.getAttribute('role'), name: svg.getAttribute('aria-label'),
            written: [...svg.querySelectorAll('text')].map(t => t.textContent),
            table: [...(svg.closest('figure.wb-chart')?.querySelectorAll('table td, table th') || [])]
                   .map(c => c.textContent.trim())}))""", scope)
    for chart in charts:
        assert chart["role"] == "img" and chart["name"], chart
        assert chart["table"], f"no table beside the chart {chart['name']}"
        values = [t for t in chart["written"] if re.fullmatch(r"\d[\d,]*(\.\d+)?[^\s\d.]{0,3}", t) and t != "0" and "年" not in t]
        missing = [v for v in values if v not in chart["table"]]
        assert values and not missing, f"{chart['name']}: {missing} are drawn but not in the table {chart['table']}"
    return len(charts)


def tiles_say_their_values(page, scope: str) -> None:
    """The tile map writes each ward and its value (or 未報告) as text: colour is never the only cue."""
    tiles = page.locator(f"{scope} .wb-tile")
    assert tiles.count() == 24
    texts = tiles.all_inner_texts()
    assert all(re.search(r"(\d[\d,.]*\D*|未報告)$", t.strip()) for t in texts), texts
    assert page.locator(f"{scope} [role=img] a").count() == 0         # links are never hidden in a picture


# --- the live Voila pages -------------------------------------------------------------------------------

def test_the_live_dashboard_is_accessible_in_each_view(browser, server):
    context, page, external = reader(browser)
    page.goto(server.page_url(DASHBOARD_NOTEBOOK))
    page.locator(".wb-dash-grid .wb-tile").first.wait_for()
    tiles_say_their_values(page, ".wb-dash-grid")
    assert charts_have_their_figures_beside_them(page, ".wb-dash-ranking") == 1
    assert_accessible(page, "live dashboard: 24区の比較")

    page.get_by_role("button", name="推移").click()
    page.locator(".wb-dash-trend svg").first.wait_for(state="visible")
    assert charts_have_their_figures_beside_them(page, ".wb-dash-trend") == 2
    assert_accessible(page, "live dashboard: 推移")

    page.locator(".wb-dash-ward select").select_option(label="生野区")
    page.locator(".wb-dash-ward-page .wb-ward-page").wait_for()
    assert charts_have_their_figures_beside_them(page, ".wb-dash-ward-page") == 1
    assert_accessible(page, "live dashboard: 生野区のページ")
    assert external == []
    context.close()


def test_the_casebook_browser_is_accessible_searching_and_reading(browser, server):
    context, page, external = reader(browser)
    page.goto(server.page_url(BROWSER_NOTEBOOK))
    page.locator(".wb-br-results select").wait_for()
    assert_accessible(page, "casebook browser, every case listed")
    page.locator(".wb-br-query input").fill("該当しないはずの語句ぱぴぷ")
    page.locator(".wb-br-query input").press("Enter")
    page.locator(".wb-br-count").get_by_text("該当する事例はありません").wait_for()
    assert_accessible(page, "casebook browser, nothing found")
    page.goto(server.page_url(BROWSER_NOTEBOOK) + "?case=2024-27116-01")
    page.locator(".wb-br-page #community").wait_for()
    assert charts_have_their_figures_beside_them(page, ".wb-br-page") >= 1
    assert_accessible(page, "casebook browser, a case")
    assert external == []
    context.close()


# --- the offline dashboard, from disk -------------------------------------------------------------------

def test_the_offline_dashboard_is_accessible_from_disk(browser, published):
    site = published.publish_dir / STATIC_NAME
    context, page, external = reader(browser)
    pages = ["index.html", "wards/27116.html", "wards/27116/2024.html", "search.html",
             *[p.relative_to(site).as_posix() for p in sorted(site.glob("cases/*.html"))[:1]]]
    for name in pages:
        page.goto((site / name).as_uri())
        assert_accessible(page, f"offline dashboard {name}")
    page.goto((site / "index.html").as_uri())
    shown = ".wb-panel:not([hidden])"
    tiles_say_their_values(page, shown)
    assert charts_have_their_figures_beside_them(page, shown) == 2        # the ranking and the trend
    page.goto((site / "wards/27116.html").as_uri())
    assert charts_have_their_figures_beside_them(page, "main") == 1
    assert external == []
    context.close()


# --- 200 % zoom: a 1280 px window at 200 % is a 640 px wide page at device scale 2 ----------------------

def no_horizontal_scroll(page) -> bool:
    return page.evaluate("() => document.scrollingElement.scrollWidth <= document.scrollingElement.clientWidth")


def beyond_the_window(page, scope: str) -> list[str]:
    """Parts of `scope` that reach past the window's right edge (Voila scrolls inside its own box, so the
    document's scroll width alone would not show them)."""
    return page.evaluate("""scope => [...document.querySelectorAll(scope + ' *')]
        .filter(e => e.getClientRects().length && e.getBoundingClientRect().right > document.documentElement.clientWidth + 1)
        .map(e => e.tagName.toLowerCase() + '.' + [...e.classList].join('.'))""", scope)


def test_the_dashboards_are_usable_at_200_percent_without_scrolling_sideways(browser, server, published):
    SHOTS.mkdir(parents=True, exist_ok=True)
    context, page, _ = reader(browser, viewport={"width": 640, "height": 450}, device_scale_factor=2)
    page.goto(server.page_url(DASHBOARD_NOTEBOOK))
    page.locator(".wb-dash-grid .wb-tile").first.wait_for()
    page.locator(".wb-dash-ranking svg").wait_for()
    assert no_horizontal_scroll(page), "the live dashboard scrolls sideways at 200 %"
    assert beyond_the_window(page, ".wb-dashboard") == []
    page.set_viewport_size({"width": 640, "height": 2200})     # Voila scrolls inside its own box
    page.screenshot(path=str(SHOTS / "dashboard_200.png"))
    page.set_viewport_size({"width": 640, "height": 450})
    page.get_by_role("button", name="推移").click()
    page.locator(".wb-dash-trend svg").first.wait_for(state="visible")
    assert no_horizontal_scroll(page) and beyond_the_window(page, ".wb-dashboard") == [], "推移 at 200 %"
    page.locator(".wb-dash-ward select").select_option(label="生野区")
    page.locator(".wb-dash-ward-page .wb-ward-page").wait_for()
    page.evaluate("document.querySelectorAll('.wb-dashboard details').forEach(d => d.open = true)")
    assert no_horizontal_scroll(page), "a ward's page scrolls sideways at 200 %"
    assert beyond_the_window(page, ".wb-dashboard") == [], "a ward's page at 200 %"

    for name in ("index.html", "wards/27116.html", "wards/27116/2024.html"):
        page.goto((published.publish_dir / STATIC_NAME / name).as_uri())
        assert no_horizontal_scroll(page), f"offline {name} scrolls sideways at 200 %"
    page.goto((published.publish_dir / STATIC_NAME / "index.html").as_uri())
    page.screenshot(path=str(SHOTS / "dashboard_offline_200.png"), full_page=True)
    context.close()


# --- the per-case PDF: the HTML WeasyPrint is given, and the tagged PDF it writes -----------------------

@pytest.fixture(scope="module")
def printed_html(tmp_path_factory):
    """The printed casebook's HTML for a few built cases (one full of markup), as printed.write_printed
    makes it, and the laid-out document."""
    import datetime as dt

    from test_build import build_once

    from casebook.pipeline import printed
    from casebook.pipeline.params import CasebookParams, load_params
    from casebook.render import pdf

    settings, cases, report = build_once(tmp_path_factory, "a11y-print", 3)
    assert report.ok
    params = load_params(REPO_ROOT / "parameters" / "casebook" / "default.yaml", CasebookParams)
    book = printed.book_info(params, cases, dt.date(2026, 3, 31))
    book["chapters"] = [{**c, "cases": [
        {"id": e.id, "title": e.title,
         "body": pdf.case_body((settings.casebook_dir / "cases" / f"{e.id}.html").read_text(encoding="utf-8"))}
        for e in c["entries"]]} for c in printed.chapters(cases, "theme")]
    source = pdf.book_html(book)
    path = tmp_path_factory.mktemp("print") / "book.html"
    path.write_text(source, encoding="utf-8")
    return path, source, cases


def test_the_html_the_pdf_is_printed_from_is_accessible(browser, printed_html):
    path, _, cases = printed_html
    context, page, external = reader(browser)
    page.emulate_media(media="print")
    page.goto(path.as_uri())
    assert page.locator(".pb-case").count() == len(cases)
    assert page.locator("svg.ecomap[role=img]").count() == len(cases)
    assert charts_have_their_figures_beside_them(page, ".pb-case") >= 1
    assert_accessible(page, "the printed casebook's HTML")
    assert external == []
    context.close()


def test_the_pdf_is_tagged_in_japanese_with_alternative_text_for_the_ecomap(printed_html, tmp_path):
    """What WeasyPrint tags, on a book laid out in one process."""
    import pikepdf

    from casebook.render import pdf

    _, source, cases = printed_html
    doc = pdf.layout(source)
    target = tmp_path / "book.pdf"
    pdf.write_pdf(doc, target)
    info = subprocess.run(["pdfinfo", str(target)], capture_output=True, text=True, check=True).stdout
    assert re.search(r"^Tagged:\s+yes", info, re.M), info
    with pikepdf.open(target) as book:
        root = book.Root
        assert str(root.Lang) == "ja"
        assert bool(root.MarkInfo.Marked)
        assert "/StructTreeRoot" in root
        kinds, alts, cells = [], [], []

        def walk(element, depth=0):
            if depth > 60 or not isinstance(element, pikepdf.Dictionary):
                return
            if "/S" in element:
                kinds.append(str(element.S))
                if str(element.S) == "/Figure" and "/Alt" in element:
                    alts.append(str(element.Alt))
                if str(element.S) == "/TD":      # a data cell names its header cells
                    cells.append(len(element.get("/A", {}).get("/Headers", [])))
            kids = element.get("/K")
            for kid in (kids if isinstance(kids, pikepdf.Array) else [kids] if kids is not None else []):
                walk(kid, depth + 1)

        walk(root.StructTreeRoot)
    for wanted in ("/H1", "/H2", "/P", "/Table", "/TH", "/TD", "/L", "/LI", "/Figure", "/Link"):
        assert wanted in kinds, f"no {wanted} in the structure tree"
    assert cells and all(cells), "every table data cell points to its header cells"
    ecomaps = [a for a in alts if a.startswith("エコマップ")]
    assert len(ecomaps) == len(cases) and all("関係線" in a for a in ecomaps), alts
    assert any(a for a in alts if not a.startswith("エコマップ")), "the charts' names are their alternative text"

    # The real book (laid out in parts and merged) and its handouts: tests/test_pdf.py
    # test_the_booklet_and_every_handout_are_tagged_across_the_parts.
