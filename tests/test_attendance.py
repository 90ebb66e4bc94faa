"""Attendance is who joined a session (store.session_joins), not the registration list and not who
happened to write something: in `workbench trainees`, its Excel, and the session report's count.

The store query runs on SQLite and PostgreSQL (store_url); the CLI and its Excel on SQLite."""
from __future__ import annotations

import datetime as dt

from openpyxl import load_workbook
from typer.testing import CliRunner

from casebook import sessions
from casebook.analysis import trainees
from casebook.model import GroupNote, Participant, Session
from casebook.store import Store

SID = "2025-att"
REGISTERED = [Participant(name=f"登録{i:02d}", ward="生野区" if i % 2 else "北区", role="地区担当", group="A")
              for i in range(1, 7)]


def held_session(store: Store) -> None:
    """Six registered; 登録01 joins (twice: a reload) and writes nothing; 登録02 joins and answers the
    survey; a walk-in joins from 北区; 登録03–06 never join. An older session has no join at all."""
    store.save_session(Session(id=SID, title="出席確認の研修会", date=dt.date(2025, 6, 10), kind="other",
                               participants=REGISTERED, questions=["論点は"]))
    sessions.join(store, SID, "登録01")
    sessions.join(store, SID, "登録01")
    sessions.join(store, SID, "登録02")
    sessions.join(store, SID, "飛び入り", "北区")
    sessions.submit_evaluation(store, SID, participant="登録02", satisfaction=4, understanding=5, usefulness=3)
    store.save_session(Session(id="2019-old", title="記録前の研修会", date=dt.date(2019, 6, 10),
                               participants=REGISTERED[:3], questions=["論点は"]))
    store.add_group_note(GroupNote(session_id="2019-old", group="A", question=0, author="登録03", text="見守り"))


def test_attendance_is_the_joins_in_the_store(store_url):
    with Store(store_url) as store:
        held_session(store)
        joins = {j.participant: j.ward for j in store.session_joins(SID)}
        assert joins == {"登録01": "生野区", "登録02": "北区", "飛び入り": "北区"}   # one row per person
        rows = trainees.attended_rows(store)
        assert {(r.name, r.session_id) for r in rows} == {
            ("登録01", SID), ("登録02", SID), ("飛び入り", SID), ("登録03", "2019-old")}
        by_name = {(r.name, r.session_id): r for r in rows}
        assert by_name[("登録01", SID)].evidence == "参加（入室の記録）"      # joined, wrote nothing: attended
        assert by_name[("登録02", SID)].understanding == 5
        assert by_name[("飛び入り", SID)].ward == "北区"
        assert by_name[("登録03", "2019-old")].evidence == "入室の記録がない回: グループの記録"
        assert trainees.attendance_count(store, store.get_session(SID)) == 3
        assert [r.name for r in trainees.records(store, ward="北区")] == ["登録02", "飛び入り"]


def test_the_session_report_counts_the_joins(store_url):
    from casebook.render import session_report as part
    from casebook.sessions.report import load

    with Store(store_url) as store:
        held_session(store)
        report = load(store, SID)
    assert report.joined == [("登録01", "生野区"), ("登録02", "北区"), ("飛び入り", "北区")]
    text = part.attendance_html(report.session, report.joined)
    assert "参加者 <b>3</b> 人" in text and "登録 6 人" in text and "（2 区から" in text


def test_workbench_trainees_and_its_excel_count_the_joins(settings, tmp_path):
    from casebook.cli import app

    with Store.open(settings) as store:
        held_session(store)
    out = tmp_path / "研修受講記録.xlsx"
    result = CliRunner().invoke(app, ["trainees", "--year", "2025", "--excel", str(out)])
    assert result.exit_code == 0, result.output
    assert "登録01" in result.output and "飛び入り" in result.output and "登録03" not in result.output
    assert "（3 行）" in result.output
    book = load_workbook(out)
    sheet = book["研修受講記録"]
    rows = list(sheet.iter_rows(values_only=True))
    col = {h: i for i, h in enumerate(rows[0])}
    body = [(r[col["氏名"]], r[col["研修会ID"]], r[col["区社協"]], r[col["出席の根拠"]], r[col["理解度"]])
            for r in rows[1:]]
    assert body == [("登録01", SID, "生野区", "参加（入室の記録）", None),
                    ("登録02", SID, "北区", "参加（入室の記録）", 5),
                    ("飛び入り", SID, "北区", "参加（入室の記録）", None)]
    assert "入室した" in book["注記"]["A1"].value
