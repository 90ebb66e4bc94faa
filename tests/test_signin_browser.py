"""Signed in, in a real browser (Debian's Chromium) against one real signed-in server with preheated
kernels; each person in their own browser context, as on separate computers of the council's network.

A staff member of 生野区 signs in, writes and saves a case, cannot open a 北区 draft (message, 403),
gains nothing by adding role=editor to the URL, and after signing out the pages refuse. An advisor
comments on a submitted case and an editor approves it. Every action is in the audit log."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from casebook.model import Case
from casebook.store import Store
from signin_support import FORM, TIMEOUT, signed_in_page, start_server

pytestmark = [pytest.mark.slow, pytest.mark.browser]



@pytest.fixture(scope="module")
def server(tmp_path_factory):
    cases = [(Case(id="2024-27127-01", title="北区の下書き", ward="北区", fiscal_year=2024), "田中", [])]
    settings, srv = start_server(tmp_path_factory.mktemp("signin-browser"), cases=cases, log="b.log")
    try:
        yield settings, srv
    finally:
        srv.stop()


def person(browser, name: str, srv):
    """A browser context of its own, signed in as `name` from the sign-in page."""
    return signed_in_page(browser, name, srv)


def open_form(page, url: str) -> None:
    page.goto(url, timeout=TIMEOUT)
    expect(page.locator(".wb-tabs")).to_be_visible(timeout=TIMEOUT)


def test_staff_signs_in_writes_a_case_is_refused_another_wards_draft_and_signs_out(browser, server):
    settings, srv = server
    context, page = person(browser, "山田", srv)
    page.click("a.wb-new-case")
    expect(page.locator(".wb-title")).to_contain_text("山田（区社協職員）", timeout=TIMEOUT)
    page.locator(".wb-f-title input").fill("ごみ出しが難しくなった高齢夫婦への支援")
    page.locator(".wb-f-fiscal_year select").select_option(label="2024年度（令和6年度）")
    page.locator("button.wb-save").click()
    expect(page.locator(".wb-save-status")).to_contain_text("版 1", timeout=TIMEOUT)

    refused = page.goto(srv.url + FORM + "?case_id=2024-27127-01", timeout=TIMEOUT)
    assert refused.status == 403
    expect(page.locator(".wb-refusal")).to_contain_text("この事例は北区の事例です")

    open_form(page, srv.url + FORM + "?role=editor&author=%E7%B7%A8%E9%9B%86%E8%80%85&ward=%E5%8C%97%E5%8C%BA")
    expect(page.locator(".wb-title")).to_contain_text("山田（区社協職員）")
    expect(page.locator(".wb-f-ward select")).to_be_disabled()          # still 生野区's staff

    page.goto(srv.url + "/", timeout=TIMEOUT)
    page.click(".wb-signout button")
    expect(page.locator("h1")).to_have_text("サインアウトしました")
    page.goto(srv.url + FORM, timeout=TIMEOUT)
    expect(page.locator("h1")).to_have_text("サインイン")                # the form refuses: sign in first
    context.close()
    with Store.open(settings) as store:
        saved = [r for r in store.list_cases(ward="生野区")]
        assert [r.case.title for r in saved] == ["ごみ出しが難しくなった高齢夫婦への支援"]
        assert saved[0].updated_by == "山田"
        actions = [e.action for e in store.audit_log(actor="山田")]
        for expected in ("user.sign_in", "case.create", "page.refused", "user.sign_out"):
            assert expected in actions


def test_an_advisor_comments_and_an_editor_approves_each_signed_in(browser, server):
    settings, srv = server
    with Store.open(settings) as store:
        case_id = store.next_case_id("生野区", 2024)
        store.create_case(Case(id=case_id, title="見守りから始まった支援", ward="生野区", fiscal_year=2024), author="山田")
        store.change_status(case_id, "submitted", author="山田", role="staff", base_version=1)
    advisor, page = person(browser, "高橋", srv)
    expect(page.locator(".wb-home-cases")).to_contain_text(case_id)
    page.click(f"a:has-text('{case_id}')")
    expect(page.locator(".wb-tabs")).to_be_visible(timeout=TIMEOUT)
    page.locator(".wb-tabs .lm-TabBar-tab", has_text="助言・承認").click()
    expect(page.locator("button.wb-move-approved")).to_have_count(0)
    page.locator(".wb-comment-text textarea").fill("地域の支え手が見えてきた点が、この事例の大切なところです。")
    page.locator("button.wb-comment-add").click()
    expect(page.locator(".wb-comments")).to_contain_text("高橋")
    page.locator("button.wb-move-reviewed").click()
    expect(page.locator(".wb-review-status")).to_contain_text("助言済み")

    editor, page = person(browser, "鈴木", srv)
    open_form(page, srv.url + FORM + f"?case_id={case_id}")
    page.locator(".wb-tabs .lm-TabBar-tab", has_text="助言・承認").click()
    page.locator("button.wb-move-approved").click()
    expect(page.locator(".wb-review-status")).to_contain_text("承認済み")
    advisor.close()
    editor.close()
    with Store.open(settings) as store:
        record = store.get_case(case_id)
        assert record.case.status == "approved" and record.case.comments[0].advisor == "高橋"
        moves = [(e.actor, e.action, e.detail["status"]) for e in store.audit_log(record=case_id)]
        assert ("高橋", "case.comment", "submitted") in moves and ("高橋", "case.status", "reviewed") in moves
        assert ("鈴木", "case.status", "approved") in moves
