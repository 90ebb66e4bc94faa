"""Every page a person uses meets JIS X 8341-3:2016 level AA as axe-core checks it (wcag2a, wcag2aa,
wcag21aa): 0 violations, so a test fails on any new one. Pages are checked as their users see them:
signed in, for each role, in Debian's Chromium."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from a11y_support import describe, violations
from browser_support import keep_local
from casebook.model import Case
from signin_support import FORM, TIMEOUT, signed_in_page, start_server

pytestmark = [pytest.mark.slow, pytest.mark.browser]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    cases = [(Case(id="2024-27116-01", title="見守りを続けた高齢者の事例", ward="生野区", fiscal_year=2024,
                   themes=["見守り・訪問"]), "山田", [("submitted", "staff")])]
    settings, srv = start_server(tmp_path_factory.mktemp("a11y"), cases=cases, log="a11y.log")
    try:
        yield settings, srv
    finally:
        srv.stop()


def assert_accessible(page, what: str) -> None:
    found = violations(page)
    assert not found, f"{what}: {len(found)} accessibility violations\n{describe(found)}"


def test_the_sign_in_page_is_accessible(browser, server):
    _, srv = server
    context = browser.new_context(locale="ja-JP")
    keep_local(context)
    page = context.new_page()
    page.goto(srv.url + "/login", timeout=TIMEOUT)
    expect(page.locator("h1")).to_have_text("サインイン")
    assert page.locator("html").get_attribute("lang") == "ja"
    assert_accessible(page, "sign-in page")
    page.fill("#name", "山田")
    page.fill("#password", "wrong-password")
    page.click("button[type=submit]")
    expect(page.locator("[role=alert], .wb-error").first).to_be_visible(timeout=TIMEOUT)
    assert_accessible(page, "sign-in page with an error")
    context.close()


@pytest.mark.parametrize("name", ["山田", "高橋", "鈴木"])
def test_the_home_page_is_accessible_for_each_role(browser, server, name):
    _, srv = server
    context, page = signed_in_page(browser, name, srv)
    assert_accessible(page, f"home page ({name})")
    context.close()


@pytest.mark.parametrize("name, query", [("山田", ""), ("高橋", "?case_id=2024-27116-01"),
                                         ("鈴木", "?case_id=2024-27116-01")])
def test_the_case_form_is_accessible_for_each_role(browser, server, name, query):
    _, srv = server
    context, page = signed_in_page(browser, name, srv)
    page.goto(srv.url + FORM + query, timeout=TIMEOUT)
    expect(page.locator(".wb-tabs")).to_be_visible(timeout=TIMEOUT)
    assert page.locator("html").get_attribute("lang") == "ja"
    tabs = page.locator(".wb-tabs > .lm-TabBar .lm-TabBar-tab")
    for i in range(tabs.count()):          # every section of the sheet, as each tab shows it
        tabs.nth(i).click()
        assert_accessible(page, f"case form ({name}), tab {tabs.nth(i).inner_text()}")
    context.close()


@pytest.fixture
def session_day(settings, tmp_path):
    import yaml

    from casebook import sessions
    from casebook.store import Store

    params = {"id": "2025-a11y", "title": "基礎研修 II 事例検討会", "date": "2025-11-20", "kind": "basic2",
              "participants": [{"name": f"参加者{i:02d}", "ward": w} for i, w in enumerate(["生野区", "北区"], 1)],
              "groups": [{"name": "1グループ", "members": ["参加者01", "参加者02"]}],
              "questions": ["本人・世帯のストレングスは何か"]}
    path = tmp_path / "a11y.yaml"
    path.write_text(yaml.safe_dump(params, allow_unicode=True), encoding="utf-8")
    sessions.prepare(path, settings, execute=False)
    with Store.open(settings) as store:
        sessions.join(store, "2025-a11y", "参加者01")
        sessions.submit_point(store, "2025-a11y", participant="参加者01", group="1グループ", question=0,
                              text="近所の喫茶店の店主が毎朝声をかけている")
    return settings


def test_the_facilitators_board_the_participants_page_and_the_report_are_accessible(session_day, browser):
    from casebook import sessions

    server = sessions.serve("2025-a11y", session_day, pool_size=0, wait=True)
    try:
        context = browser.new_context(locale="ja-JP", viewport={"width": 1280, "height": 900})
        keep_local(context)
        board = context.new_page()
        board.goto(sessions.facilitator_url(server), timeout=60_000)
        expect(board.locator(".wb-board")).to_contain_text("近所の喫茶店の店主", timeout=60_000)
        assert_accessible(board, "facilitator's board")
        board.locator(".wb-projector-toggle").click()
        expect(board.locator(".wb-facilitator.wb-projector")).to_have_count(1)
        assert_accessible(board, "facilitator's board, projector view")
        context.close()

        phone = browser.new_context(locale="ja-JP", viewport={"width": 390, "height": 844}, is_mobile=True)
        keep_local(phone)
        page = phone.new_page()
        page.goto(server.page_url(sessions.PARTICIPANT_NOTEBOOK), timeout=60_000)
        page.locator(".wb-s-name input").fill("参加者02", timeout=60_000)
        assert_accessible(page, "participant's page before joining")
        page.locator(".wb-s-join").click()
        expect(page.locator(".wb-s-q0-text textarea")).to_be_visible(timeout=15_000)
        assert_accessible(page, "participant's page (points and survey)")
        phone.close()
    finally:
        server.stop()

    report = sessions.report("2025-a11y", session_day)
    context = browser.new_context(locale="ja-JP")
    keep_local(context)
    page = context.new_page()
    page.goto(report.html.as_uri())
    assert page.locator("html").get_attribute("lang") == "ja"
    assert_accessible(page, "session report")
    context.close()


def test_the_built_casebook_is_accessible_from_disk(tmp_path_factory, browser):
    from test_build import build_once

    settings, cases, report = build_once(tmp_path_factory, "a11y", 4)
    assert report.ok
    site = settings.casebook_dir
    context = browser.new_context(locale="ja-JP")
    context.route("**/*", lambda route: route.continue_() if route.request.url.startswith("file://")
                  else route.abort())
    page = context.new_page()
    pages = [site / "index.html", *sorted(site.glob("wards/*.html"))[:1], *sorted(site.glob("themes/*.html"))[:1],
             *sorted(site.glob("cases/*.html"))[:2]]
    assert len(pages) >= 4, [p.name for p in pages]
    for path in pages:
        page.goto(path.as_uri())
        assert page.locator("html").get_attribute("lang") == "ja", path.name
        assert_accessible(page, f"casebook {path.relative_to(site)}")
    context.close()
