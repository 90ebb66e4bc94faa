"""Training sessions without a browser: parameter files checked by field, mixed-ward groups,
every participant/facilitator action checked in Python, closing, and the CLI's prepare."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from casebook import sessions
from casebook.model import Case
from casebook.settings import REPO_ROOT
from casebook.store import Store

EXAMPLES = sorted((REPO_ROOT / "parameters" / "sessions").glob("*.yaml"))


def base_params(**changes) -> dict:
    data = {
        "id": "2025-test", "title": "テスト研修会", "date": "2025-06-12", "kind": "基礎研修 II",
        "venue": "研修室", "facilitator": "A氏", "advisor": "B教授", "case_ids": ["2024-27116-01"],
        "participants": [{"name": f"参加者{i:02d}", "ward": w, "role": "CSW"}
                         for i, w in enumerate(["生野区", "生野区", "北区", "北区", "西成区", "平野区"], 1)],
        "group_rule": {"count": 2},
        "questions": ["本人のストレングスは？", "地域の資源は？"],
    }
    data.update(changes)
    return data


def write_yaml(path: Path, data: dict) -> Path:
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


@pytest.fixture
def store(settings):
    with Store.open(settings) as s:
        s.create_case(Case(id="2024-27116-01", title="ひとり暮らし高齢者の見守り", ward="生野区", fiscal_year=2024),
                      author="test")
        yield s


# --- the parameter file ------------------------------------------------------------------------

@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_example_parameter_sets_are_valid_and_form_mixed_ward_groups(path):
    params = sessions.load_params(path)
    session = sessions.build_session(params)
    assert len(session.participants) >= 35 and session.questions and session.agenda
    for group in session.groups:
        wards = [p.ward for p in session.participants if p.name in group.members and p.ward]
        assert len(wards) == len(set(wards)), f"{group.name} has two members from one ward"
        assert 5 <= len(group.members) <= 6
    assert all(p.group for p in session.participants)


BAD = {
    "unknown case id": (dict(case_ids=["2024-27116-99"]), "case_ids[0]（検討事例）", "登録されていません"),
    "ward that does not exist": (
        dict(participants=[{"name": "参加者01", "ward": "堺市北区"}]), "participants[0].ward",
        "大阪市の区ではありません"),
    "date that is not a date": (dict(date="2025-02-30"), "date（開催日）", "日付"),
    "date that is words": (dict(date="来週の木曜日"), "date（開催日）", "日付"),
    "unknown key": (dict(venu="研修室"), "venu: ", "この項目は使えません（使える項目: id、title"),
    "unknown key inside": (dict(group_rule={"count": 2, "mix": "ward"}), "group_rule.mix", "使える項目: rule、count、size"),
    "unknown kind": (dict(kind="基礎研修 III"), "kind（研修の種類", "basic1"),
    "group member not listed": (
        dict(group_rule=None, groups=[{"name": "1グループ", "members": ["参加者01", "だれか"]}]),
        "groups[0].members[1]", "参加者一覧にいません"),
}


@pytest.mark.parametrize("case", BAD, ids=list(BAD))
def test_a_bad_parameter_file_is_refused_by_field_and_nothing_is_written(case, store, settings, tmp_path):
    changes, field, words = BAD[case]
    data = {k: v for k, v in base_params(**changes).items() if v is not None}
    path = write_yaml(tmp_path / "bad.yaml", data)
    with pytest.raises(sessions.SessionError) as err:
        sessions.prepare(path, settings)
    message = str(err.value)
    assert field in message and words in message and message.startswith("bad.yaml: ")
    assert store.list_sessions() == []
    assert not settings.sessions_build_dir.exists()


def test_every_problem_of_a_file_is_listed_at_once(tmp_path):
    data = base_params(date="2025-13-01", participants=[{"name": "参加者01", "ward": "難波区", "rol": "x"}])
    with pytest.raises(sessions.SessionError) as err:
        sessions.load_params(write_yaml(tmp_path / "s.yaml", data))
    joined = "\n".join(err.value.lines)
    assert "date（開催日）" in joined and "participants[0].ward" in joined and "participants[0].rol" in joined


def test_a_file_that_is_not_yaml_or_not_a_mapping_is_refused(tmp_path):
    broken = tmp_path / "broken.yaml"
    broken.write_text("id: [unclosed\n", encoding="utf-8")
    with pytest.raises(sessions.SessionError, match="YAML として読めません"):
        sessions.load_params(broken)
    listed = tmp_path / "list.yaml"
    listed.write_text("- a\n- b\n", encoding="utf-8")
    with pytest.raises(sessions.SessionError, match="マッピング"):
        sessions.load_params(listed)


def test_kind_accepts_the_names_staff_write():
    for text, kind in (("基礎研修 I", "basic1"), ("基礎研修Ⅱ", "basic2"), ("基礎研修２", "basic2"), ("other", "other")):
        assert sessions.validate_params(base_params(kind=text)).kind == kind


# --- prepare -----------------------------------------------------------------------------------

def test_prepare_writes_the_session_and_parameterised_notebooks_without_executing(store, settings, tmp_path):
    path = write_yaml(tmp_path / "ok.yaml", base_params())
    report = sessions.prepare(path, settings, execute=False)
    stored = store.get_session("2025-test")
    assert stored.kind == "basic2" and [g.name for g in stored.groups] == ["1グループ", "2グループ"]
    assert report.created and {p.name for p in report.notebooks} == {"training_session.ipynb",
                                                                     "session_participant.ipynb"}
    text = (report.out_dir / "session_participant.ipynb").read_text(encoding="utf-8")
    assert '"2025-test"' in text and "injected-parameters" in text

    # Preparing again updates the open session; once closed, it is refused and left alone.
    again = sessions.prepare(write_yaml(path, base_params(title="テスト研修会（改）")), settings, execute=False)
    assert not again.created and store.get_session("2025-test").title == "テスト研修会（改）"
    sessions.close(store, "2025-test", summary="総括です")
    with pytest.raises(sessions.SessionError, match="終了済み"):
        sessions.prepare(write_yaml(path, base_params(title="上書き")), settings, execute=False)
    assert store.get_session("2025-test").title == "テスト研修会（改）"
    # ... and the same programme can be prepared under a new id.
    copy = sessions.prepare(path, settings, session_id="2026-test", date=dt.date(2026, 6, 11), execute=False)
    assert copy.session.id == "2026-test" and not store.get_session("2026-test").closed


# --- what participants send: every check in Python ------------------------------------------------

@pytest.fixture
def open_session(store, settings, tmp_path):
    sessions.prepare(write_yaml(tmp_path / "ok.yaml", base_params()), settings, execute=False)
    return store.get_session("2025-test")


def test_a_participant_submits_and_corrects_their_point(store, open_session):
    group = open_session.participants[0].group
    first = sessions.submit_point(store, "2025-test", participant="参加者01", group=group, question=0,
                                  text="近所の商店との付き合い")
    again = sessions.submit_point(store, "2025-test", participant="参加者01", group=group, question=0,
                                  text="近所の商店・民生委員との付き合い")
    notes = store.group_notes("2025-test")
    assert first == again and len(notes) == 1 and notes[0][1].text == "近所の商店・民生委員との付き合い"
    # a walk-in with a name not on the list is accepted too
    sessions.submit_point(store, "2025-test", participant="当日参加 Cさん", group=group, question=1, text="喫茶")
    assert len(store.group_notes("2025-test")) == 2


BAD_POINTS = {
    "group not in session": dict(group="99グループ"),
    "group as a number": dict(group=3),
    "question out of range": dict(question=7),
    "question negative": dict(question=-1),
    "question as text": dict(question="0"),
    "empty text": dict(text="   "),
    "text too long": dict(text="あ" * 9000),
    "control characters": dict(text="a\x00b"),
    "name with newline": dict(participant="参加者01\n参加者02"),
    "empty name": dict(participant=""),
    "name not text": dict(participant=["参加者01"]),
}


@pytest.mark.parametrize("case", BAD_POINTS, ids=list(BAD_POINTS))
def test_values_a_script_could_send_are_refused_and_nothing_is_saved(case, store, open_session):
    values = dict(participant="参加者01", group=open_session.participants[0].group, question=0, text="見守り")
    values.update(BAD_POINTS[case])
    with pytest.raises(sessions.SubmissionError) as err:
        sessions.submit_point(store, "2025-test", **values)
    assert err.value.lines and all(line.split(":")[0] in ("氏名", "グループ", "問い", "意見") for line in err.value.lines)
    assert store.group_notes("2025-test") == []


def test_survey_is_checked_item_by_item(store, open_session):
    with pytest.raises(sessions.SubmissionError) as err:
        sessions.submit_evaluation(store, "2025-test", participant="参加者01", satisfaction=None,
                                   understanding=6, usefulness=True)
    assert [line.split(":")[0] for line in err.value.lines] == ["満足度", "理解度", "有用性"]
    with pytest.raises(sessions.SubmissionError, match="感想・意見"):
        sessions.submit_evaluation(store, "2025-test", participant="参加者01", satisfaction=5, understanding=4,
                                   usefulness=4, comments="x" * 9000)
    assert store.evaluations("2025-test") == []
    sessions.submit_evaluation(store, "2025-test", participant="参加者01", satisfaction=5, understanding=4,
                               usefulness=3, comments="よかった", requests="防災")
    sessions.submit_evaluation(store, "2025-test", participant="参加者01", satisfaction=4, understanding=4,
                               usefulness=3)
    [saved] = store.evaluations("2025-test")
    assert saved.satisfaction == 4


def test_after_closing_every_submission_is_refused_with_a_message(store, open_session):
    group = open_session.participants[0].group
    sessions.submit_point(store, "2025-test", participant="参加者01", group=group, question=0, text="一つ目")
    closed = sessions.close(store, "2025-test", summary="地域の力を信じること")
    assert closed.closed and closed.summary == "地域の力を信じること"
    before = store.group_notes("2025-test")
    for attempt in (
        lambda: sessions.submit_point(store, "2025-test", participant="参加者01", group=group, question=0, text="修正"),
        lambda: sessions.submit_point(store, "2025-test", participant="参加者02", group=group, question=1, text="遅刻"),
        lambda: sessions.submit_evaluation(store, "2025-test", participant="参加者01", satisfaction=5,
                                           understanding=5, usefulness=5),
        lambda: sessions.save_summary(store, "2025-test", "書き換え"),
    ):
        with pytest.raises(sessions.SubmissionError, match="終了しました"):
            attempt()
    assert store.group_notes("2025-test") == before and store.evaluations("2025-test") == []
    assert store.get_session("2025-test").summary == "地域の力を信じること"


def test_board_tallies_points_per_group_and_question(store, open_session):
    g1, g2 = [g.name for g in open_session.groups]
    member = {g.name: g.members for g in open_session.groups}
    sessions.submit_point(store, "2025-test", participant=member[g1][0], group=g1, question=0, text="a")
    sessions.submit_point(store, "2025-test", participant=member[g1][1], group=g1, question=0, text="b")
    nid = sessions.submit_point(store, "2025-test", participant=member[g2][0], group=g2, question=1, text="c")
    sessions.pin_point(store, "2025-test", nid, True)
    b = sessions.board(open_session, store.group_notes("2025-test"))
    assert b.tally == {g1: [2, 0], g2: [0, 1]} and b.total == 3
    assert [q.groups_answered for q in b.questions] == [1, 1]
    assert [p.text for p in b.pinned] == ["c"]
    with pytest.raises(sessions.SubmissionError):
        sessions.pin_point(store, "2025-test", 10_000, True)


def test_survey_summary_uses_the_five_point_wording():
    from casebook.model import Evaluation

    evs = [Evaluation(session_id="s", participant=f"p{i}", satisfaction=s, understanding=4, usefulness=3)
           for i, s in enumerate((5, 5, 4, 2))]
    summary = sessions.survey_summary(evs)
    assert summary["satisfaction"]["counts"] == [("とてもよかった", 2), ("まあまあよかった", 1),
                                                 ("どちらともいえない", 0), ("あまりよくなかった", 1), ("わるかった", 0)]
    assert summary["satisfaction"]["mean"] == 4.0 and summary["satisfaction"]["positive"] == 0.75


# --- the command line ----------------------------------------------------------------------------

def test_cli_prepare_refuses_a_bad_file_naming_the_field(store, settings, tmp_path):
    from casebook.cli import app

    path = write_yaml(tmp_path / "bad.yaml", base_params(date="2025-02-30"))
    result = CliRunner().invoke(app, ["session", "prepare", str(path)])
    assert result.exit_code == 1
    assert "date（開催日）" in result.output
    assert store.list_sessions() == []


def test_the_sample_sessions_are_the_example_parameter_sets_as_held(settings):
    from casebook.exchange import load_sample

    with Store.open(settings) as store:
        load_sample(store)
        known = [r.case.id for r in store.list_cases()]
        for path in EXAMPLES:
            planned = sessions.build_session(sessions.load_params(path, known_case_ids=known))
            held = store.get_session(planned.id)
            assert held.closed and held.summary
            assert held.model_dump(exclude={"closed", "summary"}) == planned.model_dump(exclude={"closed", "summary"})
            assert len(store.evaluations(held.id)) >= 30 and store.group_notes(held.id)
            # earlier sessions of the same kind exist, so the report has something to compare with
            assert len(sessions.comparison(store, held)) >= 2
        # a held session is not prepared again; the same programme is, under a new id
        with pytest.raises(sessions.SessionError, match="終了済み"):
            sessions.prepare(EXAMPLES[-1], settings, execute=False)
        report = sessions.prepare(EXAMPLES[-1], settings, session_id="2025-kiso2", date=dt.date(2025, 11, 20),
                                  execute=False)
        assert report.created and store.get_session("2025-kiso2").participants == held.participants


# --- the participant's page (widgets.participant) without a browser -----------------------------------

def test_joining_again_shows_what_was_sent_but_never_replaces_what_is_being_typed(store, open_session):
    from widgets.participant import ParticipantPage

    group = open_session.participants[0].group
    sessions.submit_point(store, "2025-test", participant="参加者01", group=group, question=0, text="送った意見")
    sessions.submit_point(store, "2025-test", participant="参加者01", group=group, question=1, text="二つ目")
    sessions.submit_evaluation(store, "2025-test", participant="参加者01", satisfaction=4, understanding=4,
                               usefulness=4, comments="送った感想")
    page = ParticipantPage(store, "2025-test")          # e.g. the page was reloaded
    (first, _, first_status), (second, _, _) = page.questions[0], page.questions[1]
    first.value = "入力中の新しい意見"                     # typed before pressing 参加する
    page.survey.comments.value = "入力中の感想"
    page.name.value = "参加者01"
    page.join.click()
    assert "参加者01 さん" in page.who.value
    assert first.value == "入力中の新しい意見" and "送信すると置き換わります" in first_status.value
    assert second.value == "二つ目"                                          # an empty box shows what was sent
    assert page.survey.comments.value == "入力中の感想" and page.survey.scores["satisfaction"].value == 4
    assert [n.text for _, n in store.group_notes("2025-test") if n.question == 0] == ["送った意見"]


def test_a_database_failure_keeps_the_text_and_shows_no_sql(store, open_session):
    from widgets.participant import ParticipantPage

    page = ParticipantPage(store, "2025-test")
    page.name.value = "参加者01"
    page.join.click()
    text, send, status = page.questions[0]
    text.value = "地域の喫茶店が見守りの場になっている"
    with store.engine.begin() as conn:           # the database loses a table under the running page
        conn.exec_driver_sql("DROP TABLE group_notes")
    send.click()
    assert "保存できませんでした" in status.value
    assert "[SQL:" not in status.value and "parameters:" not in status.value and "sqlalche" not in status.value
    assert text.value == "地域の喫茶店が見守りの場になっている"
