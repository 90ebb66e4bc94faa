"""The facilitator's board on a hall's projector, in Chromium on a real Voila: a point naming a real
person arrives masked; the facilitator switches the page to the projector view (large type, black
on white) and releases the point once checked; a participant typing such a point is warned. Then the report of that day: one person joined
(of the registered list) and the name never reaches the page. Screenshots go to build/screenshots/."""

from __future__ import annotations

import pytest
import yaml
from playwright.sync_api import expect

from casebook import sessions
from casebook.settings import REPO_ROOT
from casebook.store import Store
from browser_support import keep_local

pytestmark = [pytest.mark.slow, pytest.mark.browser]
SHOTS = REPO_ROOT / "build" / "screenshots"
REAL = "民生委員の佐藤一郎さん（06-6123-4567）に相談する"


@pytest.fixture
def day(settings, tmp_path):
    params = {"id": "2025-hall", "title": "基礎研修 II 事例検討会（会場）", "date": "2025-11-20", "kind": "basic2",
              "participants": [{"name": f"参加者{i:02d}", "ward": w} for i, w in
                               enumerate(["生野区", "北区", "西成区", "平野区"], 1)],
              "groups": [{"name": "1グループ", "members": ["参加者01", "参加者02"]},
                         {"name": "2グループ", "members": ["参加者03", "参加者04"]}],
              "questions": ["本人・世帯のストレングスは何か", "次の一手は何か"]}
    path = tmp_path / "hall.yaml"
    path.write_text(yaml.safe_dump(params, allow_unicode=True), encoding="utf-8")
    sessions.prepare(path, settings, execute=False)
    with Store.open(settings) as store:
        sessions.join(store, "2025-hall", "参加者01")
        sessions.submit_point(store, "2025-hall", participant="参加者01", group="1グループ", question=0,
                              text="近所の喫茶店の店主が毎朝声をかけている")
        sessions.submit_point(store, "2025-hall", participant="参加者01", group="1グループ", question=1, text=REAL)
    return settings


def test_the_board_has_a_projector_view_and_flagged_points_stay_masked_until_released(day, browser):
    server = sessions.serve("2025-hall", day, pool_size=0, wait=True)
    ctx = browser.new_context(locale="ja-JP", viewport={"width": 1280, "height": 900})
    try:
        external = keep_local(ctx)
        fac = ctx.new_page()
        fac.goto(sessions.facilitator_url(server))
        board = fac.locator(".wb-board")
        expect(board).to_contain_text("近所の喫茶店の店主", timeout=60_000)
        expect(board).to_contain_text("〔人名〕")
        assert "佐藤一郎" not in board.inner_text() and "06-6123-4567" not in board.inner_text()

        point = board.locator(".wb-point").first
        normal = float(point.evaluate("e => parseFloat(getComputedStyle(e).fontSize)"))
        fac.locator(".wb-projector-toggle").click()
        expect(fac.locator(".wb-facilitator.wb-projector")).to_have_count(1)
        big = float(point.evaluate("e => parseFloat(getComputedStyle(e).fontSize)"))
        assert normal < 16 and big >= 26                     # readable from the back of a hall
        ink = point.evaluate("e => getComputedStyle(e).color")
        assert ink in ("rgb(0, 0, 0)", "rgb(26, 32, 44)")    # black on white
        SHOTS.mkdir(parents=True, exist_ok=True)
        fac.set_viewport_size({"width": 1280, "height": 1500})     # the whole board, masked point included
        fac.screenshot(path=str(SHOTS / "session_board_projector.png"))

        # A participant typing the same kind of sentence is warned before sending (never blocked).
        part = ctx.new_page()
        part.goto(server.page_url(sessions.PARTICIPANT_NOTEBOOK))
        part.locator(".wb-s-name input").fill("参加者02", timeout=60_000)
        expect(part.locator(".wb-s-group select")).not_to_have_value("", timeout=10_000)
        part.locator(".wb-s-join").click()
        part.locator(".wb-s-q0-text textarea").fill("民生委員の田中次郎さん（090-1234-5678）から聞いた")
        expect(part.locator(".wb-s-q0-privacy")).to_contain_text("個人が特定される情報の可能性", timeout=10_000)
        expect(part.locator(".wb-s-q0-privacy")).to_contain_text("090-1234-5678")
        part.locator(".wb-sv-comments textarea").fill("田中次郎さんの話がよかった")
        expect(part.locator(".wb-sv-comments-privacy")).to_contain_text("田中次郎")

        fac.locator(".wb-release-2").click()                 # checked by the facilitator: shown as typed
        expect(board).to_contain_text("佐藤一郎", timeout=15_000)
        fac.locator(".wb-projector-toggle").click()          # and back to the normal view
        expect(fac.locator(".wb-facilitator.wb-projector")).to_have_count(0)
        assert external == []
    finally:
        ctx.close()
        server.stop()


def test_the_report_counts_who_joined_and_never_prints_the_name(day, offline):
    result = sessions.report("2025-hall", day)
    offline.goto(result.html.as_uri())
    report = offline.locator("main")
    expect(report).to_contain_text("参加者 1 人（1 区から・登録 4 人）")
    expect(report).to_contain_text("に相談する")
    assert "佐藤一郎" not in report.inner_text() and "06-6123-4567" not in report.inner_text()
    SHOTS.mkdir(parents=True, exist_ok=True)
    offline.screenshot(path=str(SHOTS / "session_report.png"), full_page=True)
    assert offline.external_requests == []
