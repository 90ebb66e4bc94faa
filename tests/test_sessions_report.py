"""The session report from the bundled sample sessions: built by papermill + the casebook's
nbconvert template, opened from disk in a browser with the network cut off; charts carry Japanese
labels drawn with a Japanese font (a screenshot is kept under build/test-artifacts/)."""

from __future__ import annotations

import json

import pytest
from playwright.sync_api import expect

from casebook import sessions
from casebook.exchange import load_sample
from casebook.settings import REPO_ROOT
from casebook.store import Store

ARTIFACTS = REPO_ROOT / "build" / "test-artifacts"


@pytest.fixture
def sample_store(settings):
    with Store.open(settings) as store:
        load_sample(store)
        assert {s.id for s in store.list_sessions()} >= {"2023-kiso2", "2024-kiso1", "2024-kiso2"}
    return settings


@pytest.mark.slow
@pytest.mark.browser
def test_report_of_a_sample_session_opens_offline_with_japanese_charts(sample_store, offline):
    result = sessions.report("2024-kiso2", sample_store)
    assert result.html == sample_store.sessions_build_dir / "2024-kiso2" / "report.html"

    # No glyph went missing while matplotlib drew the charts (it warns per missing character).
    outputs = json.dumps(json.loads(result.notebook.read_text(encoding="utf-8"))["cells"], ensure_ascii=False)
    assert "missing from" not in outputs and "Glyph" not in outputs

    page = offline
    page.goto(result.html.as_uri())
    report = page.locator("main")
    expect(report.locator("h1")).to_contain_text("令和6年度 基礎研修 II 事例検討会")
    for heading in ("出席状況", "グループの意見", "助言者の総括", "アンケート結果", "これまでの同じ種類の研修との比較"):
        expect(report.locator("h2", has_text=heading)).to_be_visible()
    expect(report).to_contain_text("参加者 38 人（23 区から・登録 40 人）")   # who came, not the list
    expect(report).to_contain_text("西成区")                                   # attendance by ward
    expect(report).to_contain_text("生活支援コーディネーター")                 # ... and by role
    expect(report).to_contain_text("関係の問題として捉え直しましょう")         # the advisor's 総括
    expect(report).to_contain_text("簡易宿所からアパートに移った元日雇い労働者")  # the case discussed
    expect(report.locator("tr.current")).to_contain_text("令和6年度")          # compared with 2023
    expect(report.locator("tr", has_text="令和5年度 基礎研修 II")).to_have_count(1)
    charts = report.locator("img.chart")
    expect(charts).to_have_count(2)
    for i in range(2):
        assert charts.nth(i).evaluate("img => img.complete && img.naturalWidth > 200")
    assert page.external_requests == []
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "session_report.png"), full_page=True)
    charts.first.screenshot(path=str(ARTIFACTS / "session_report_survey_chart.png"))
