"""Group work discusses real cases: what participants type is checked like the case form.

A participant types a point naming a 民生委員 and a phone number: the page warns while they type
(and still lets them send it); the facilitator's board shows it masked until the facilitator
releases it; the report anonymises it like the casebook's gate would. Survey comments alike."""

from __future__ import annotations

import pytest

from casebook import sessions
from casebook.sessions.report import load
from tests.test_sessions import base_params, write_yaml

REAL = "民生委員の佐藤一郎さん（06-6123-4567）に相談する"


@pytest.fixture
def held(settings, tmp_path):
    from casebook.model import Case
    from casebook.store import Store

    with Store.open(settings) as store:
        store.create_case(Case(id="2024-27116-01", title="ひとり暮らし高齢者の見守り", ward="生野区",
                               fiscal_year=2024), author="test")
        sessions.prepare(write_yaml(tmp_path / "ok.yaml", base_params()), settings, execute=False)
        yield store


def test_the_participant_page_warns_while_a_point_or_comment_names_a_person(held):
    from widgets.participant import ParticipantPage

    page = ParticipantPage(held, "2025-test")
    page.name.value = "参加者01"
    page.join.click()
    text, send, status = page.questions[1]
    text.value = REAL                                    # typed, not yet sent
    warning = page.privacy[1].value
    assert "個人が特定される情報" in warning and "佐藤一郎" in warning and "06-6123-4567" in warning
    text.value = "地域の喫茶店が見守りの場になっている"
    assert page.privacy[1].value == ""                   # the warning goes when the name goes
    text.value = REAL
    send.click()                                         # a warning, never a block: it is saved
    assert "送信しました" in status.value
    page.survey.comments.value = "佐藤一郎さんの事例がよかった"
    assert "佐藤一郎" in page.survey.privacy["comments"].value


def test_the_board_masks_a_flagged_point_until_the_facilitator_releases_it(held):
    from widgets.workshop import FacilitatorBoard

    group = held.get_session("2025-test").participants[0].group
    nid = sessions.submit_point(held, "2025-test", participant="参加者01", group=group, question=1, text=REAL)
    sessions.submit_point(held, "2025-test", participant="参加者02", group=group, question=0, text="喫茶店の店主")
    b = sessions.board(held.get_session("2025-test"), held.group_notes("2025-test"))
    point = b.questions[1].by_group[group][0]
    assert point.flagged and not point.released
    assert "佐藤一郎" not in point.shown and "06-6123-4567" not in point.shown and "に相談する" in point.shown
    assert b.questions[0].by_group[group][0].shown == "喫茶店の店主"   # nothing flagged: shown as typed

    board = FacilitatorBoard(held, "2025-test")
    shown = "".join(child.value for q in board.board_box.children for row in q.children
                    for child in getattr(row, "children", [row]) if hasattr(child, "value")
                    and isinstance(child.value, str))
    assert "佐藤一郎" not in shown and "06-6123-4567" not in shown and "喫茶店の店主" in shown
    sessions.release_point(held, "2025-test", nid)
    b = sessions.board(held.get_session("2025-test"), held.group_notes("2025-test"))
    assert b.questions[1].by_group[group][0].shown == REAL
    # a corrected text is new: masked again until released again
    sessions.submit_point(held, "2025-test", participant="参加者01", group=group, question=1, text=REAL + "。")
    b = sessions.board(held.get_session("2025-test"), held.group_notes("2025-test"))
    assert "佐藤一郎" not in b.questions[1].by_group[group][0].shown


def test_the_report_passes_points_and_comments_through_the_gate(held):
    from casebook.render import session_report as part

    group = held.get_session("2025-test").participants[0].group
    nid = sessions.submit_point(held, "2025-test", participant="参加者01", group=group, question=1, text=REAL)
    sessions.release_point(held, "2025-test", nid)        # shown on the projector is not published
    sessions.submit_evaluation(held, "2025-test", participant="参加者01", satisfaction=5, understanding=4,
                               usefulness=4, comments="佐藤一郎さんの話が参考になった", requests="")
    report = load(held, "2025-test")
    page = part.points_html(report.session, report.notes) + part.survey_html(report.evaluations)
    assert "佐藤一郎" not in page and "06-6123-4567" not in page
    assert "に相談する" in page and "話が参考になった" in page
