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


# --- keyboard only: Tab, Shift+Tab, Enter and Space (and typing text) ---------------------------------

def tab_to(page, selector: str, *, limit: int = 120, back: bool = False) -> None:
    """Press Tab (Shift+Tab) until the focus is inside `selector`, as a keyboard user moves."""
    for _ in range(limit):
        if page.evaluate("s => !!(document.activeElement && document.activeElement.closest(s))", selector):
            return
        page.keyboard.press("Shift+Tab" if back else "Tab")
    raise AssertionError(f"{selector} cannot be reached with the Tab key")


def keyboard_sign_in(browser, server, name: str, viewport=None):
    from signin_support import PASSWORD

    context = browser.new_context(locale="ja-JP", viewport=viewport or {"width": 1280, "height": 900})
    keep_local(context)
    page = context.new_page()
    page.goto(server.url + "/login", timeout=TIMEOUT)
    tab_to(page, "#name")
    page.keyboard.type(name)
    tab_to(page, "#password")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    expect(page.locator(".wb-home-who")).to_contain_text(name, timeout=TIMEOUT)
    return context, page


def test_staff_write_and_save_a_case_with_the_keyboard_only(browser, server):
    from casebook.store import Store

    settings, srv = server
    context, page = keyboard_sign_in(browser, srv, "山田")
    tab_to(page, "a.wb-new-case")
    page.keyboard.press("Enter")
    expect(page.locator(".wb-tabs")).to_be_visible(timeout=TIMEOUT)
    tab_to(page, ".wb-f-title")
    page.keyboard.type("鍵盤だけで書いた事例", delay=80)
    tab_to(page, ".wb-section-links")                       # the sections, one button each
    tab_to(page, ".wb-section-link-1")
    page.keyboard.press("Enter")
    tab_to(page, ".wb-f-summary-main_complaint")
    page.keyboard.type("外出が減り、近所の人が心配している", delay=80)
    tab_to(page, ".wb-save", back=True)
    page.keyboard.press("Space")
    expect(page.locator(".wb-save-status")).to_contain_text("版", timeout=TIMEOUT)
    wanted = ("鍵盤だけで書いた事例", "外出が減り、近所の人が心配している")
    stored: list = []
    for _ in range(60):          # the explicit save (or the autosave after it) lands within moments
        with Store.open(settings) as store:
            stored = [(r.case.title, r.case.summary.main_complaint) for r in store.list_cases(ward="生野区")]
        if wanted in stored:
            break
        page.wait_for_timeout(500)
    assert wanted in stored, stored
    context.close()


def test_an_advisor_comments_with_the_keyboard_only(browser, server):
    settings, srv = server
    context, page = keyboard_sign_in(browser, srv, "高橋")
    page.goto(srv.url + FORM + "?case_id=2024-27116-01", timeout=TIMEOUT)
    expect(page.locator(".wb-tabs")).to_be_visible(timeout=TIMEOUT)
    review = page.locator(".wb-tabs > .lm-TabBar .lm-TabBar-tab").all_inner_texts().index("助言・承認")
    tab_to(page, f".wb-section-link-{review}")
    page.keyboard.press("Enter")
    tab_to(page, ".wb-comment-text")
    # At a person's pace: ipywidgets holds back a value while the kernel is busy, but sends a click at
    # once, so a click right after machine-speed typing can overtake the last keystrokes (noted).
    page.keyboard.type("本人の強みに目を向けた支援が読み取れる", delay=80)
    tab_to(page, ".wb-comment-add")
    page.keyboard.press("Enter")
    expect(page.locator(".wb-comment-body").first).to_contain_text("本人の強みに目を向けた支援", timeout=TIMEOUT)
    context.close()


def test_a_participant_submits_a_point_and_the_survey_with_the_keyboard_only(session_day, browser):
    from casebook import sessions
    from casebook.store import Store

    server = sessions.serve("2025-a11y", session_day, pool_size=0, wait=True)
    try:
        phone = browser.new_context(locale="ja-JP", viewport={"width": 390, "height": 844}, is_mobile=True)
        keep_local(phone)
        page = phone.new_page()
        page.goto(server.page_url(sessions.PARTICIPANT_NOTEBOOK), timeout=60_000)
        expect(page.locator(".wb-s-name input")).to_be_visible(timeout=60_000)
        tab_to(page, ".wb-s-name")
        page.keyboard.type("参加者02", delay=80)
        tab_to(page, ".wb-s-join")                # the group follows from the name
        page.keyboard.press("Enter")
        expect(page.locator(".wb-s-who")).to_contain_text("参加者02", timeout=15_000)
        tab_to(page, ".wb-s-q0-text")
        page.keyboard.type("地域の見守りの輪を広げる", delay=80)
        tab_to(page, ".wb-s-q0-send")
        page.keyboard.press("Enter")
        expect(page.locator(".wb-s-q0-status")).to_contain_text("送信しました", timeout=15_000)
        for key in ("satisfaction", "understanding", "usefulness"):
            tab_to(page, f".wb-sv-{key}")          # the first answer of each scale: とてもよかった
            page.keyboard.press("Space")
        tab_to(page, ".wb-sv-send")
        page.keyboard.press("Enter")
        expect(page.locator(".wb-sv-status")).to_contain_text("アンケートを保存しました", timeout=15_000)
        phone.close()
    finally:
        server.stop()
    with Store.open(session_day) as store:
        assert [n.text for _, n in store.group_notes("2025-a11y") if n.author == "参加者02"] == ["地域の見守りの輪を広げる"]
        assert [e.participant for e in store.evaluations("2025-a11y")] == ["参加者02"]


# --- 200 % zoom: a 1280 px window at 200 % is a 640 px wide page at device scale 2 ----------------------

def zoomed(browser):
    context = browser.new_context(locale="ja-JP", viewport={"width": 640, "height": 450}, device_scale_factor=2)
    keep_local(context)
    return context


def no_horizontal_scroll(page) -> bool:
    return page.evaluate("() => document.scrollingElement.scrollWidth <= document.scrollingElement.clientWidth + 1")


def test_the_case_form_is_usable_at_200_percent_without_scrolling_sideways(browser, server):
    from signin_support import PASSWORD

    from casebook.settings import REPO_ROOT

    _, srv = server
    context = zoomed(browser)
    page = context.new_page()
    page.goto(srv.url + "/login", timeout=TIMEOUT)
    assert no_horizontal_scroll(page)
    page.fill("#name", "山田")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    expect(page.locator(".wb-home-who")).to_contain_text("山田", timeout=TIMEOUT)
    page.goto(srv.url + FORM, timeout=TIMEOUT)
    expect(page.locator(".wb-tabs")).to_be_visible(timeout=TIMEOUT)
    shots = REPO_ROOT / "build" / "screenshots" / "a11y"
    shots.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(shots / "case_form_200.png"), full_page=True)
    assert no_horizontal_scroll(page), "the case form scrolls sideways at 200 %"
    context.close()
