"""Participants' pages driven over the kernel socket with no browser — as a script could — on a
real Voila: hostile values are refused with a message and leave the store as it was, and a group
of participants submitting at the same moment all arrive (the small version of
benchmarks/session_load.py; it asserts only that everything is in the store)."""

from __future__ import annotations

import pytest
import yaml

from casebook import sessions
from casebook.store import Store
from kernel_channel import KernelChannel

pytestmark = pytest.mark.slow


def test_values_sent_by_a_script_are_refused_with_a_message_and_change_nothing(settings, tmp_path):
    params = {"id": "script-test", "title": "スクリプト対策の確認", "date": "2025-06-01", "kind": "basic1",
              "participants": [{"name": "参加者01", "ward": "生野区"}, {"name": "参加者02", "ward": "北区"}],
              "groups": [{"name": "1グループ", "members": ["参加者01", "参加者02"]}],
              "questions": ["問いです"]}
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump(params, allow_unicode=True), encoding="utf-8")
    sessions.prepare(path, settings, execute=False)
    with sessions.serve("script-test", settings, pool_size=0) as server, \
            KernelChannel.from_page(server.page_url(sessions.PARTICIPANT_NOTEBOOK)) as kc:
        status = kc.find(dom_class="wb-s-q0-status")
        send = kc.find(dom_class="wb-s-q0-send")
        kc.click(send)                                   # the button is disabled in the page, not for a script
        assert "氏名とグループ" in kc.text(status)

        name, join, who = (kc.find(dom_class=c) for c in ("wb-s-name", "wb-s-join", "wb-s-who"))
        kc.set(name, value="参加者01\n<script>alert(1)</script>")
        kc.click(join)
        assert "改行は入れられません" in kc.text(who)
        kc.set(name, value="参加者01")
        kc.set(kc.find(dom_class="wb-s-group"), index=99)   # not an option: refused, the widget keeps its value
        assert "選択肢にない値" in kc.text(who)
        kc.set(kc.find(dom_class="wb-s-group"), options=["偽のグループ"])   # not something a person can change
        assert "変更できません" in kc.text(who)
        kc.click(join)
        assert "参加者01 さん（1グループ）" in kc.text(who)

        text = kc.find(dom_class="wb-s-q0-text")
        kc.set(text, value="あ" * 9000)
        kc.click(send)
        assert "8000文字以内" in kc.text(status)

        survey_status, survey_send = kc.find(dom_class="wb-sv-status"), kc.find(dom_class="wb-sv-send")
        kc.set(kc.find(dom_class="wb-sv-satisfaction"), index=7)
        assert "選択肢にない値" in kc.text(survey_status)
        kc.click(survey_send)
        assert "満足度: 選んでください" in kc.text(survey_status)
        with Store.open(settings) as store:
            assert store.group_notes("script-test") == [] and store.evaluations("script-test") == []

        kc.set(text, value="正しい意見")
        kc.click(send)
        assert "送信しました" in kc.text(status)
        with Store.open(settings) as store:
            sessions.close(store, "script-test")
        kc.set(text, value="終了後に書き換え")
        kc.click(send)
        assert "締め切られています" in kc.text(status)
        for item in sessions.SURVEY_SCORES:
            kc.set(kc.find(dom_class=f"wb-sv-{item}"), index=0)
        kc.click(survey_send)
        assert "締め切られています" in kc.text(survey_status)
    with Store.open(settings) as store:
        assert [n.text for _, n in store.group_notes("script-test")] == ["正しい意見"]
        assert store.evaluations("script-test") == []


def test_participants_submitting_at_the_same_moment_all_arrive(settings):
    from benchmarks.session_load import run_load

    result = run_load(8, settings)
    assert result.refusals == []
    assert (result.notes, result.evaluations) == (16, 8)


def test_the_facilitator_timer_runs_in_the_kernel_and_pins_reach_the_store(settings, tmp_path):
    params = {"id": "timer-test", "title": "タイマーの確認", "date": "2025-06-01", "kind": "basic2",
              "agenda": [{"title": "開会", "minutes": 1}, {"title": "事例の提示", "minutes": 15}],
              "participants": [{"name": "参加者01", "ward": "生野区", "group": "1グループ"}],
              "questions": ["問いです"]}
    path = tmp_path / "t.yaml"
    path.write_text(yaml.safe_dump(params, allow_unicode=True), encoding="utf-8")
    sessions.prepare(path, settings, execute=False)
    with Store.open(settings) as store:
        note_id = sessions.submit_point(store, "timer-test", participant="参加者01", group="1グループ", question=0,
                                        text="ピン留めされる意見")
    with sessions.serve("timer-test", settings, pool_size=0) as server:
        # a participant who opens the facilitator's page without its key gets no controls
        with KernelChannel.from_page(server.page_url(sessions.FACILITATOR_NOTEBOOK)) as stranger:
            assert not stranger.find_all(dom_class="wb-close") and not stranger.find_all(dom_class="wb-pin")
            assert any("ファシリテーター用です" in stranger.text(m) for m in stranger.find_all(model="HTMLModel"))
        with KernelChannel.from_page(sessions.facilitator_url(server)) as kc:
            _drive_the_board(kc, note_id)
    with Store.open(settings) as store:
        assert [n.pinned for _, n in store.group_notes("timer-test")] == [True]


def _drive_the_board(kc: KernelChannel, note_id: int) -> None:
    """Start the timer (it ticks with no click), move on in the agenda, pin a point."""
    clock = kc.find(dom_class="wb-timer")
    assert "開会" in kc.text(clock) and "残り 01:00" in kc.text(clock) and "停止中" in kc.text(clock)
    kc.click(kc.find(dom_class="wb-timer-start"))
    kc.wait_for(lambda k: "残り 00:5" in k.text(clock), timeout=10)   # ticking with no click
    kc.click(kc.find(dom_class="wb-agenda-next"))
    assert "事例の提示" in kc.text(clock) and "進行中" in kc.text(clock)
    kc.set(kc.find(dom_class=f"wb-pin-{note_id}"), value=True)
    kc.wait_for(lambda k: "ピン留めされる意見" in k.text(k.find(dom_class="wb-pinned-list")), timeout=10)
