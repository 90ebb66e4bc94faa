"""A reader opens the built casebook from disk with no network: index → ward → case, and the search
finds a word inside a Japanese compound. Text full of markup stays text; nothing runs."""

from __future__ import annotations

import re

import pytest

from casebook.pipeline import site as search

from test_build import XSS_TITLE, build_once

pytestmark = [pytest.mark.slow, pytest.mark.browser]


@pytest.fixture(scope="module")
def casebook(tmp_path_factory):
    settings, cases, report = build_once(tmp_path_factory, "browser", 5)
    assert report.ok
    return settings.casebook_dir, cases


@pytest.fixture
def sealed(page):
    """The page may load file:// only; every other request is aborted and remembered."""
    attempts: list[str] = []
    dialogs: list[str] = []
    errors: list[str] = []

    def guard(route):
        if route.request.url.startswith("file://"):
            route.continue_()
        else:
            attempts.append(route.request.url)
            route.abort()

    page.context.route("**/*", guard)
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    yield page
    assert attempts == [], f"the casebook tried to reach the network: {attempts}"
    assert dialogs == [], f"a script ran: {dialogs}"
    assert errors == [], errors


def test_reader_goes_from_the_index_to_a_ward_to_a_case_and_searches(casebook, sealed):
    out, cases = casebook
    page = sealed
    case = cases[1]                       # 都島区, 2023
    page.goto((out / "index.html").as_uri())
    assert page.title() == "事例集"
    page.get_by_role("link", name="区から探す").first.click()
    ward = page.locator("ul.cb-wards li", has_text=case.ward).first
    assert "1件" in ward.inner_text()
    ward.get_by_role("link", name=case.ward).click()
    assert page.locator("h1").inner_text() == f"{case.ward}の事例"
    page.get_by_role("link", name=case.title).click()
    assert page.locator("h1.cb-case-title").inner_text() == case.title
    assert page.locator("svg.ecomap").count() == 1
    assert "2023年度（令和5年度）" in page.locator(".cb-meta").inner_text()
    # the stylesheet (a local file) applied: the header bar has its colour
    assert page.locator(".cb-site-header").evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(31, 58, 95)"

    # Search: in these cases 見守り occurs only inside compounds (見守り活動, 見守り協力員 …).
    page.get_by_role("link", name="検索").first.click()
    page.fill("#cb-q", "見守り")
    page.press("#cb-q", "Enter")
    wanted = {c.title for c in cases if any("見守り" in t for t in search.case_text(c))}
    assert wanted and all(re.search(r"見守り[\u3040-\u30ff\u4e00-\u9fff]", " ".join(search.case_text(c)))
                          for c in cases if c.title in wanted)
    results = page.locator("#cb-search-results a")
    assert set(results.all_inner_texts()) == wanted
    assert f"{len(wanted)}件の事例が見つかりました" in page.locator("#cb-search-status").inner_text()
    page.get_by_role("link", name=case.title).click()
    assert page.locator("h1.cb-case-title").inner_text() == case.title

    page.goto((out / "index.html").as_uri() + "?q=" + "食堂%20存在しない語")
    assert "0件" in page.locator("#cb-search-status").inner_text()


def test_a_word_inside_a_compound_is_found(casebook, sealed):
    out, cases = casebook
    page = sealed
    # 支え合 occurs only inside 地域の支え合い (and only in some cases); 協力員 only inside 見守り協力員.
    page.goto((out / "index.html").as_uri())
    for word in ("支え合", "協力員", "活動"):
        page.fill("#cb-q", word)
        wanted = {c.title for c in cases if any(word in t for t in search.case_text(c))}
        assert set(page.locator("#cb-search-results a").all_inner_texts()) == wanted, word
    page.fill("#cb-q", "ＣＳＷ　地域")            # full-width letters and an ideographic space
    both = {c.title for c in cases if any("csw" in t.lower() for t in search.case_text(c))
            and any("地域" in t for t in search.case_text(c))}
    assert set(page.locator("#cb-search-results a").all_inner_texts()) == both and both


def test_markup_in_a_case_is_shown_as_text_and_never_runs(casebook, sealed):
    out, _ = casebook
    page = sealed
    page.goto((out / "cases" / "2025-27122-09.html").as_uri())
    assert page.locator("h1.cb-case-title").inner_text() == XSS_TITLE
    body = page.locator("main").inner_text()
    assert "<img src=x onerror=alert('img')>" in body and "{{ 7*7 }}" in body and "{% raw %}" in body
    assert "</textarea><b>太字</b>" in body
    assert page.locator("main img, main textarea, main b, main script").count() == 0
    # in the ward listing and the search results, the title is text as well
    page.goto((out / "wards" / "27122.html").as_uri())
    assert page.get_by_role("link", name=XSS_TITLE).count() == 1
    page.goto((out / "index.html").as_uri())
    page.fill("#cb-q", "alert")
    assert page.locator("#cb-search-results a").all_inner_texts() == [XSS_TITLE]
    assert page.locator("#cb-search-results script, #cb-search-results img").count() == 0
    assert page.evaluate("typeof window.alertCalled") == "undefined"
