"""A training day in real browsers on one real Voila server: a facilitator and three participants
(each in their own browser context) — points appear on the board without a reload, everyone
answers the survey, the facilitator closes the session, and a late submission is refused."""

from __future__ import annotations

import pytest
import yaml
from playwright.sync_api import expect

from casebook import sessions
from casebook.model import Case
from casebook.settings import REPO_ROOT
from casebook.store import Store
from browser_support import keep_local

pytestmark = [pytest.mark.slow, pytest.mark.browser]
ARTIFACTS = REPO_ROOT / "build" / "test-artifacts"

WARDS = ["生野区", "北区", "西成区", "平野区", "港区", "旭区"]
POINTS = {"参加者01": "近所の喫茶店の店主が毎朝声をかけている", "参加者02": "民生委員との<b>信頼関係</b>",
          "参加者03": "本人の料理の腕を子ども食堂で活かせる"}


@pytest.fixture
def prepared(settings, tmp_path):
    with Store.open(settings) as store:
        store.create_case(Case(id="2024-27116-01", title="ひとり暮らし高齢者と地域の見守り", ward="生野区",
                               fiscal_year=2024, questions="本人の思いを地域でどう支えるか"), author="test")
    params = {
        "id": "2025-kiso2", "title": "基礎研修 II 事例検討会（テスト）", "date": "2025-11-20", "kind": "basic2",
        "facilitator": "A氏", "advisor": "B教授", "case_ids": ["2024-27116-01"],
        "participants": [{"name": f"参加者{i:02d}", "ward": w, "role": "CSW"} for i, w in enumerate(WARDS, 1)],
        "groups": [{"name": "1グループ", "members": ["参加者01", "参加者02", "参加者04"]},
                   {"name": "2グループ", "members": ["参加者03", "参加者05", "参加者06"]}],
        "questions": ["本人・世帯のストレングスは何か", "次の一手は何か"],
    }
    path = tmp_path / "2025-kiso2.yaml"
    path.write_text(yaml.safe_dump(params, allow_unicode=True), encoding="utf-8")
    report = sessions.prepare(path, settings)          # papermill really runs the facilitator notebook
    assert (report.out_dir / "training_session.ipynb").stat().st_size > 0
    return report


def test_facilitator_sees_every_point_live_then_closes_and_late_input_is_refused(prepared, settings, browser):
    server = sessions.serve("2025-kiso2", settings, pool_size=0, wait=True)
    contexts = []
    try:
        fac_ctx = browser.new_context(locale="ja-JP", viewport={"width": 1280, "height": 900})
        contexts.append(fac_ctx)
        external = keep_local(fac_ctx)
        fac = fac_ctx.new_page()
        fac.goto(sessions.facilitator_url(server))
        expect(fac.locator(".wb-updated")).to_contain_text("意見 0 件", timeout=60_000)
        expect(fac.locator(".wb-facilitator")).to_contain_text("基礎研修 II 事例検討会（テスト）")

        pages = {}
        for name in POINTS:
            ctx = browser.new_context(locale="ja-JP", viewport={"width": 1000, "height": 1400})
            contexts.append(ctx)
            external += keep_local(ctx)
            page = ctx.new_page()
            page.goto(server.page_url(sessions.PARTICIPANT_NOTEBOOK))
            pages[name] = page
        for name, page in pages.items():
            page.locator(".wb-s-name input").fill(name, timeout=60_000)
            # the group comes from the participant list once the name is chosen
            expect(page.locator(".wb-s-group select")).not_to_have_value("", timeout=10_000)
            page.locator(".wb-s-join").click()
            expect(page.locator(".wb-s-who")).to_contain_text(f"{name} さん")
            page.locator(".wb-s-q0-text textarea").fill(POINTS[name])
            page.locator(".wb-s-q0-send").click()
            expect(page.locator(".wb-s-q0-status")).to_contain_text("送信しました")

        # The board follows on its own: no reload of the facilitator's page.
        board = fac.locator(".wb-board")
        for text in POINTS.values():
            expect(board).to_contain_text(text, timeout=15_000)
        expect(fac.locator(".wb-updated")).to_contain_text("意見 3 件")
        rows = fac.locator(".wb-tally-table tr")
        expect(rows.filter(has_text="1グループ")).to_contain_text("2")   # two points from group 1 on question 1
        expect(rows.filter(has_text="2グループ")).to_contain_text("1")
        assert fac.locator(".wb-board b", has_text="信頼関係").count() == 0  # typed markup stays text
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        fac.screenshot(path=str(ARTIFACTS / "session_board.png"), full_page=True)

        for i, page in enumerate(pages.values()):
            for item in ("satisfaction", "understanding", "usefulness"):
                page.locator(f".wb-sv-{item} button", has_text=("とてもよかった", "まあまあよかった", "わるかった")[i]).click()
            page.locator(".wb-sv-comments textarea").fill("グループで他区のやり方を聞けた")
            page.locator(".wb-sv-send").click()
            expect(page.locator(".wb-sv-status")).to_contain_text("アンケートを保存しました")
            if i == 0:
                page.screenshot(path=str(ARTIFACTS / "session_participant.png"), full_page=True)
        expect(fac.locator(".wb-updated")).to_contain_text("アンケート回答 3 / 6 人", timeout=15_000)

        fac.locator(".lm-TabBar-tab", has_text="事例").click()   # the case, as the casebook shows it
        expect(fac.locator(".wb-facilitator")).to_contain_text("本人の思いを地域でどう支えるか")
        fac.screenshot(path=str(ARTIFACTS / "session_case_tab.png"))
        fac.locator(".lm-TabBar-tab", has_text="まとめ・終了").click()
        fac.locator(".wb-summary textarea").fill("本人の「できること」に目を向けると地域の資源が見えてくる。")
        fac.locator(".wb-close").click()   # not confirmed yet: nothing happens but a message
        expect(fac.locator(".wb-fac-status")).to_contain_text("チェックを入れてください")
        fac.locator(".wb-close-confirm input").check()
        fac.locator(".wb-close").click()
        expect(fac.locator(".wb-fac-status")).to_contain_text("研修会を終了しました")

        late = pages["参加者01"]
        late.locator(".wb-s-q1-text textarea").fill("遅れて思いついた意見")
        late.locator(".wb-s-q1-send").click()
        expect(late.locator(".wb-s-q1-status")).to_contain_text("締め切られています")
        expect(late.locator(".wb-s-q1-text textarea")).to_have_value("遅れて思いついた意見")  # the text is kept
        assert external == []                    # no page of the day asks the internet for anything
    finally:
        for ctx in contexts:
            ctx.close()
        server.stop()

    with Store.open(settings) as store:
        session = store.get_session("2025-kiso2")
        notes = store.group_notes("2025-kiso2")
        evaluations = store.evaluations("2025-kiso2")
    assert session.closed and session.summary.startswith("本人の「できること」")
    assert sorted(n.text for _, n in notes) == sorted(POINTS.values())
    assert {n.author: n.group for _, n in notes} == {"参加者01": "1グループ", "参加者02": "1グループ",
                                                     "参加者03": "2グループ"}
    assert sorted(e.satisfaction for e in evaluations) == [1, 4, 5]
