"""The case form in a real browser (Debian's Chromium) against a real Voila on 127.0.0.1 with
preheated kernels, as staff, an advisor and an editor use it. Screenshots are kept under
build/test-artifacts/ for a person to look at (Japanese readable, no missing-glyph boxes).

One Voila server (and one store) serves the module's tests; each test works on its own ward's case."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from casebook.apps.editable import case_form_url, prepare_apps_dir
from casebook.model import Case
from casebook.settings import REPO_ROOT, Settings
from casebook.store import Store
from voila_support import running_voila

pytestmark = [pytest.mark.slow, pytest.mark.browser]

ARTIFACTS = REPO_ROOT / "build" / "test-artifacts"
TIMEOUT = 30_000


@pytest.fixture(scope="module")
def apps(tmp_path_factory):
    """(settings, server): a store in a temporary folder and Voila over the apps folder, for this module."""
    root = tmp_path_factory.mktemp("case-form")
    settings = Settings(data_dir=root / "data", build_dir=root / "build")
    settings.data_dir.mkdir(parents=True)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with Store.open(settings):
        pass  # the schema exists before the first page opens
    with running_voila(prepare_apps_dir(settings), settings, pool_size=2, log_name="case-form-voila.log") as srv:
        yield settings, srv


def tab(page: Page, title: str):
    return page.locator(".wb-tabs .lm-TabBar-tab", has_text=title)


def open_form(page: Page, url: str) -> None:
    page.goto(url, timeout=TIMEOUT)
    expect(page.locator(".wb-tabs")).to_be_visible(timeout=TIMEOUT)


def seed(settings, ward: str, *, status: str = "draft") -> str:
    with Store.open(settings) as store:
        case_id = store.next_case_id(ward, 2024)
        record = store.create_case(Case.model_validate({
            "id": case_id, "title": "ひとり暮らし高齢者の見守り", "ward": ward, "fiscal_year": 2024,
            "summary": {"main_complaint": "Aさんは外出が減っている"}}), author="職員A")
        if status == "submitted":
            store.change_status(record.case.id, "submitted", author="職員A", role="staff", base_version=1)
    return case_id


def test_staff_creates_a_case_in_japanese_and_sees_everything_after_reload(apps, offline):
    settings, server = apps
    page = offline
    open_form(page, case_form_url(server, role="staff", ward="生野区", author="山田"))
    expect(page.locator(".wb-title")).to_contain_text("新しい事例")
    pasted = "長い題名" * 201                         # a paste far beyond a one-line field's limit
    page.locator(".wb-f-title input").fill(pasted)
    expect(page.locator(".wb-f-title-msg")).to_contain_text("入力欄の文字は残っています")
    expect(page.locator(".wb-f-title input")).to_have_value(pasted)   # refused, but not wiped
    page.locator(".wb-f-title input").fill("ごみ出しが難しくなった高齢夫婦への支援")
    page.locator(".wb-f-fiscal_year select").select_option(label="2024年度（令和6年度）")
    page.locator(".wb-f-keywords input").fill("高齢夫婦、ごみ出し、見守り")

    tab(page, "事例の概要").click()
    page.locator(".wb-f-summary-main_complaint textarea").fill("夫の入院後、Aさん（80代）はごみを出せなくなった。")

    tab(page, "支援の経過").click()
    for i, (period, support) in enumerate([("2024年4月", "民生委員のB氏と自宅を訪問した"),
                                           ("2024年6月", "ごみ出しを手伝うボランティアを調整した")]):
        page.locator("button.wb-tl-add").click()
        row = page.locator(f".wb-tl-row-{i}")
        row.locator(".wb-tl-period input").fill(period)
        row.locator(".wb-tl-support textarea").fill(support)

    tab(page, "ジェノグラム・エコマップ").click()
    page.locator(".wb-ecomap-new-label input").fill("民生委員")
    page.locator(".wb-ecomap-new-kind select").select_option(label="フォーマル資源")
    page.locator("button.wb-ecomap-add-node").click()
    expect(page.locator(".wb-ecomap-node-n1")).to_be_visible()
    page.locator(".wb-ecomap-tie-target select").select_option(label="民生委員")
    page.locator(".wb-ecomap-tie-strength select").select_option(label="強い")
    page.locator(".wb-ecomap-tie-direction select").select_option(label="相手から本人側へ")
    page.locator("button.wb-ecomap-add-tie").click()
    expect(page.locator(".wb-ecomap-tie-0")).to_contain_text("本人 — 民生委員")
    expect(page.locator(".wb-ecomap-drawing svg .tie-strong")).to_have_count(1)
    page.locator(".wb-ecomap").screenshot(path=str(ARTIFACTS / "case_form_ecomap.png"))

    page.locator("button.wb-save").click()
    expect(page.locator(".wb-save-status")).to_contain_text("保存しました")
    with Store.open(settings) as store:
        record = store.get_case("2024-27116-01")
    expect(page.locator(".wb-save-status")).to_contain_text(f"版 {record.version}")
    assert record.updated_by == "山田" and len(record.case.timeline) == 2
    assert record.case.ecomap.ties[0].strength == "strong" and record.case.ecomap.ties[0].direction == "backward"
    expect(page).to_have_url(re.compile(r"case_id=2024-27116-01"))     # so a reload reopens this case

    page.reload()
    expect(page.locator(".wb-f-title input")).to_have_value("ごみ出しが難しくなった高齢夫婦への支援",
                                                            timeout=TIMEOUT)
    expect(page.locator(".wb-case-number")).to_contain_text("2024-27116-01")
    expect(page.locator(".wb-f-fiscal_year select")).to_have_value("2024年度（令和6年度）")
    expect(page.locator(".wb-save-status")).to_contain_text(f"版 {record.version}")
    page.screenshot(path=str(ARTIFACTS / "case_form.png"), full_page=True)
    tab(page, "事例の概要").click()
    expect(page.locator(".wb-f-summary-main_complaint textarea")).to_have_value(
        "夫の入院後、Aさん（80代）はごみを出せなくなった。")
    tab(page, "支援の経過").click()
    expect(page.locator(".wb-tl-row-1 .wb-tl-support textarea")).to_have_value("ごみ出しを手伝うボランティアを調整した")
    tab(page, "ジェノグラム・エコマップ").click()
    expect(page.locator(".wb-ecomap-tie-0")).to_contain_text("本人 — 民生委員")
    expect(page.locator(".wb-ecomap-drawing svg")).to_contain_text("民生委員")
    assert page.external_requests == []          # nothing asked of the internet (closed council networks)


def test_advisor_comments_and_marks_reviewed_then_the_editor_approves(apps, offline):
    settings, server = apps
    page = offline
    case_id = seed(settings, "北区", status="submitted")
    open_form(page, case_form_url(server, case_id=case_id, role="advisor", author="助言者B"))
    expect(page.locator("button.wb-save")).to_be_hidden()
    expect(page.locator(".wb-f-title input")).to_be_disabled()
    tab(page, "助言・承認").click()
    expect(page.locator("button.wb-move-approved")).to_have_count(0)        # not an advisor's move
    page.locator(".wb-comment-text textarea").fill("地域の支え手が見えてきた点が、この事例の大切なところです。")
    page.locator("button.wb-comment-add").click()
    expect(page.locator(".wb-comments")).to_contain_text("地域の支え手が見えてきた点")
    page.locator("button.wb-move-reviewed").click()
    expect(page.locator(".wb-review-status")).to_contain_text("助言済み")

    open_form(page, case_form_url(server, case_id=case_id, role="editor", author="編集者C"))
    tab(page, "助言・承認").click()
    expect(page.locator(".wb-comments")).to_contain_text("助言者B")
    page.locator("button.wb-move-approved").click()
    expect(page.locator(".wb-review-status")).to_contain_text("承認済み")
    with Store.open(settings) as store:
        record = store.get_case(case_id)
        assert record.case.status == "approved" and record.case.comments[0].advisor == "助言者B"
        assert [h.action for h in store.history(case_id)] == ["create", "status", "comment", "status", "status"]


def test_two_pages_on_one_case_the_second_save_is_refused_and_keeps_its_text(apps, offline):
    settings, server = apps
    first = offline
    case_id = seed(settings, "西成区")
    second = first.context.new_page()
    url = dict(case_id=case_id, role="staff", ward="西成区")
    open_form(first, case_form_url(server, author="山田", **url))
    open_form(second, case_form_url(server, author="田中", **url))
    for page in (first, second):
        tab(page, "事例の概要").click()

    first.locator(".wb-f-summary-main_complaint textarea").fill("山田の記入: Aさんは買い物に行けなくなった")
    first.locator("button.wb-save").click()
    expect(first.locator(".wb-save-status")).to_contain_text("版 2")

    theirs = "田中の記入: Aさんは夜に不安を訴えている"
    second.locator(".wb-f-summary-main_complaint textarea").fill(theirs)
    second.locator("button.wb-save").click()
    status = second.locator(".wb-save-status")
    expect(status).to_contain_text("保存できませんでした")
    expect(status).to_contain_text("山田 さんが保存しています（版 2）")
    expect(second.locator(".wb-f-summary-main_complaint textarea")).to_have_value(theirs)
    expect(second.locator(".wb-conflict")).to_contain_text("保存が重なりました")
    expect(second.locator(".wb-conflict-rows")).to_contain_text("山田の記入")
    second.screenshot(path=str(ARTIFACTS / "case_form_conflict.png"), full_page=True)
    with Store.open(settings) as store:
        record = store.get_case(case_id)
        assert record.version == 2 and record.case.summary.main_complaint.startswith("山田の記入")

    second.locator("button.wb-conflict-merge").click()          # keep 田中's text on top of version 2
    expect(status).to_contain_text("版 3")
    with Store.open(settings) as store:
        record = store.get_case(case_id)
        assert record.version == 3 and record.updated_by == "田中" and record.case.summary.main_complaint == theirs


def test_a_stray_draft_from_a_new_case_url_is_withdrawn_by_its_author_and_leaves_the_list(apps, offline):
    settings, server = apps
    page = offline
    open_form(page, case_form_url(server, role="staff", ward="西成区", author="松本"))
    page.locator(".wb-f-title input").fill("まちがえて開いた新しい事例")    # only a title: autosaved anyway
    expect(page.locator(".wb-save-status")).to_contain_text("自動保存しました", timeout=TIMEOUT)
    tab(page, "助言・承認").click()
    page.locator("button.wb-move-withdrawn").click()
    expect(page.locator(".wb-review-status")).to_contain_text("取り下げ")
    expect(page.locator("button.wb-move-draft")).to_contain_text("復元")      # it can be restored
    page.screenshot(path=str(ARTIFACTS / "case_form_withdrawn.png"))

    open_form_list = case_form_url(server, role="staff", ward="西成区", author="松本")
    page.goto(open_form_list, timeout=TIMEOUT)
    expect(page.locator(".wb-case-list")).to_be_visible(timeout=TIMEOUT)
    expect(page.locator(".wb-case-list")).not_to_contain_text("まちがえて開いた新しい事例")
    withdrawn = page.locator(".wb-withdrawn-list")          # one click away, to restore it
    withdrawn.locator("summary").click()
    expect(withdrawn).to_contain_text("まちがえて開いた新しい事例")
    with Store.open(settings) as store:
        [record] = store.list_cases(status="withdrawn")
        assert record.case.title == "まちがえて開いた新しい事例"
        assert [h.status for h in store.history(record.case.id)][-1] == "withdrawn"
