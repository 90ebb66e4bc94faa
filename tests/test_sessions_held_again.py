"""A session held again, and who really came.

The same programme prepared next year with `--as` takes the new date and fiscal year (and refuses
the old date); the report's comparison and a ward's page never list one session twice; the
report counts the people who joined (and says how many were registered)."""

from __future__ import annotations

import datetime as dt

import pytest
from typer.testing import CliRunner

from casebook import sessions
from casebook.catalog import Catalog
from casebook.exchange import load_sample
from casebook.settings import REPO_ROOT
from casebook.store import Store

KISO2 = REPO_ROOT / "parameters" / "sessions" / "2024-kiso2.yaml"


@pytest.fixture
def sample(settings):
    with Store.open(settings) as store:
        load_sample(store)
        yield store


def test_prepare_as_takes_the_new_date_and_fiscal_year(sample, settings):
    held = sample.get_session("2024-kiso2")
    assert "令和6年度" in held.title
    report = sessions.prepare(KISO2, settings, session_id="2026-kiso2", date=dt.date(2026, 11, 19), execute=False)
    again = sample.get_session("2026-kiso2")
    assert report.session.date == again.date == dt.date(2026, 11, 19)
    assert "令和8年度" in again.title and "令和6年度" not in again.title
    assert again.title.replace("令和8年度", "令和6年度") == held.title

    # the old date, or no date at all, is refused and nothing is written
    for date in (held.date, None):
        with pytest.raises(sessions.SessionError, match="開催日"):
            sessions.prepare(KISO2, settings, session_id="2027-kiso2", date=date, execute=False)
    assert "2027-kiso2" not in {s.id for s in sample.list_sessions()}


def test_the_cli_asks_for_the_date_of_a_session_held_again(sample, settings):
    from casebook.cli import app

    runner = CliRunner()
    result = runner.invoke(app, ["session", "prepare", str(KISO2), "--as", "2026-kiso2"], input="2024-11-21\n")
    assert result.exit_code != 0 and "開催日" in result.output
    result = runner.invoke(app, ["session", "prepare", str(KISO2), "--as", "2026-kiso2"], input="2026-11-19\n")
    assert result.exit_code == 0, result.output
    assert "令和8年度" in result.output and sample.get_session("2026-kiso2").date == dt.date(2026, 11, 19)


def test_the_comparison_and_the_ward_page_never_list_a_session_twice(sample, settings):
    held = sample.get_session("2024-kiso2")
    # A copy stored before `--as` took a new date: same title, same date, another id.
    sample.save_session(held.model_copy(update={"id": "2026-test", "closed": False}))
    rows = sessions.comparison(sample, sample.get_session("2026-test"))
    keys = [(r["date"], r["title"]) for r in rows]
    assert len(keys) == len(set(keys)) and rows[-1]["current"]
    catalog = Catalog.load(sample)
    listed = [(s.date, s.title) for s in catalog.ward_sessions("生野区")]
    assert len(listed) == len(set(listed))


def test_attendance_counts_who_joined_and_says_how_many_were_registered(sample, settings, tmp_path):
    from casebook.render import session_report as part
    from casebook.sessions.report import load
    from tests.test_sessions import base_params, write_yaml

    params = base_params(participants=[{"name": f"参加者{i:02d}", "ward": "生野区" if i % 2 else "北区"}
                                       for i in range(1, 41)], case_ids=[])
    sessions.prepare(write_yaml(tmp_path / "s.yaml", params), settings, execute=False)
    sessions.join(sample, "2025-test", "参加者01", "生野区")
    sessions.join(sample, "2025-test", "参加者01", "生野区")       # a reload joins once
    report = load(sample, "2025-test")
    text = part.attendance_html(report.session, report.joined)
    assert "参加者 <b>1</b> 人" in text and "登録 40 人" in text and "（1 区から" in text
    assert sessions.attendance(report.session, report.joined)["total"] == 1

    # the page's own 参加する records the join
    from widgets.participant import ParticipantPage

    page = ParticipantPage(sample, "2025-test")
    page.name.value = "参加者02"
    page.join.click()
    assert {j.participant for j in sample.session_joins("2025-test")} == {"参加者01", "参加者02"}
    assert "参加者 <b>2</b> 人" in part.attendance_html(report.session, load(sample, "2025-test").joined)
