"""The case form's Python side on a real store, without a browser: what staff, advisors and editors
see after each action, and that every check holds in the callbacks themselves."""

from __future__ import annotations

import asyncio
import concurrent.futures
import datetime as dt

import pytest

from casebook import vocab
from casebook.model import Case
from casebook.settings import REPO_ROOT
from casebook.store import Store
from widgets.case_form import CaseApp, build_case_app, fiscal_year_options


@pytest.fixture
def store(settings):
    with Store.open(settings) as s:
        yield s


def open_app(store, **params) -> CaseApp:
    params.setdefault("author", "職員A")
    widget, app = build_case_app(use_query=False, store=store, autosave_delay=0, **params)
    assert app is not None, _texts(widget)
    app.form.build_all()
    return app


def _texts(widget) -> str:
    """All HTML/label text under a widget, as a person would read it (tags kept)."""
    out = []

    def walk(w):
        if hasattr(w, "value") and isinstance(w.value, str):
            out.append(w.value)
        for child in getattr(w, "children", ()):
            walk(child)
    walk(widget)
    return "\n".join(out)


def type_in(app: CaseApp, path: str, value) -> None:
    app.form.fields[path].widget.value = value


def seed_case(store, *, status="draft", author="職員A", **fields) -> str:
    data = {"id": "2024-27116-01", "title": "ひとり暮らし高齢者の見守り", "ward": "生野区", "fiscal_year": 2024,
            "summary": {"main_complaint": "Aさんは外出が減っている"}, **fields}
    record = store.create_case(Case.model_validate(data), author=author)
    path = {"submitted": ["submitted"], "reviewed": ["submitted", "reviewed"]}.get(status, [])
    roles = {"submitted": "staff", "reviewed": "advisor"}
    for new in path:
        record = store.change_status(record.case.id, new, author=author, role=roles[new], base_version=record.version)
    return record.case.id


def test_staff_writes_a_new_case_in_every_section_and_finds_it_all_again(store):
    app = open_app(store, ward="生野区", role="staff")
    assert app.form.fields["ward"].widget.value == "生野区" and app.form.fields["ward"].widget.disabled
    assert "（最初の保存で付きます）" in app.form.case_number.value
    type_in(app, "title", "ごみ出しが難しくなった高齢夫婦への支援")
    type_in(app, "fiscal_year", 2024)
    type_in(app, "themes", ("見守り・訪問", "生活支援"))
    type_in(app, "keywords", "高齢夫婦、ごみ出し、見守り")
    type_in(app, "target", "household")
    type_in(app, "summary.main_complaint", "夫が入院し、Aさんがごみを出せなくなった")
    type_in(app, "person.wishes", "住み慣れた家で暮らしたい")
    type_in(app, "assessment.person", "足腰が弱っている")
    type_in(app, "ethics.consent", True)
    app.form.timeline.add_row()
    app.form.timeline.add_row()
    rows = app.form.timeline.fields
    rows[0]["period"].widget.value, rows[0]["support"].widget.value = "2024年4月", "民生委員と訪問"
    rows[1]["period"].widget.value, rows[1]["support"].widget.value = "2024年6月", "ごみ出し支援の調整"
    assert app.form.ecomap.add_node("民生委員", "formal")
    assert app.form.ecomap.add_node("長女", "household")
    assert app.form.ecomap.add_tie("person", "n1", "strong", "backward")
    assert "民生委員" in app.form.ecomap.drawing.value and "<svg" in app.form.ecomap.drawing.value
    assert "版 —" in app.status.html.value and "未保存の変更" in app.status.html.value

    assert app.save()
    assert "版 1" in app.status.html.value and "保存しました" in app.status.html.value
    record = store.get_case("2024-27116-01")
    assert record.case.title == "ごみ出しが難しくなった高齢夫婦への支援" and record.updated_by == "職員A"
    assert record.case.fiscal_year_label == "2024年度（令和6年度）"

    again = open_app(store, case_id="2024-27116-01", ward="生野区", role="staff", author="職員B")
    assert again.form.values() == app.form.values()
    assert [r["period"] for r in again.form.timeline.value()] == ["2024年4月", "2024年6月"]
    assert again.form.ecomap.value()["ties"][0]["strength"] == "strong"
    assert "2024年度（令和6年度）" in again.form.fields["fiscal_year"].widget.label
    assert "2024-27116-01" in again.form.case_number.value and "版 1" in again.status.html.value

    # Reordering and deleting timeline rows reach the store too.
    again.form.timeline.move(1, -1)
    again.form.timeline.delete(1)
    assert again.save()
    assert [r.period for r in store.get_case("2024-27116-01").case.timeline] == ["2024年6月"]


def test_messages_appear_beside_the_field_while_typing_and_a_bad_save_changes_nothing(store):
    app = open_app(store, ward="生野区", role="staff")
    title = app.form.fields["title"]
    type_in(app, "title", "仮")
    type_in(app, "title", "")
    assert "事例タイトルを入力してください" in title.message.value       # before any save
    type_in(app, "person.age_band", "70代\n（前期）")
    assert "改行は入れられません" in app.form.fields["person.age_band"].message.value
    type_in(app, "summary.main_complaint", "あ" * 8001)
    assert "8000文字以内" in app.form.fields["summary.main_complaint"].message.value
    app.form.timeline.add_row()
    app.form.timeline.fields[0]["support"].widget.value = "訪問した"
    assert not app.save()
    assert "入力に誤りがあります" in app.status.html.value
    assert "入力してください" in app.form.timeline.fields[0]["period"].message.value   # shown after the attempt
    assert store.list_cases() == []
    assert app.form.fields["summary.main_complaint"].widget.value == "あ" * 8001     # nothing typed is lost


def test_an_ecomap_name_the_case_could_not_store_is_refused_when_added(store):
    app = open_app(store, ward="生野区", role="staff")
    ecomap = app.form.ecomap
    before = ecomap.value()
    for label in ("民生\x07委員", "民生委員\n（地区A）", "あ" * 201):   # as a script could send them
        assert not ecomap.add_node(label, "formal")
        assert "要素の名称" in ecomap.message.value
    assert not ecomap.add_node("民生委員", "person")               # the centre is the person alone
    assert "種類" in ecomap.message.value
    assert ecomap.value() == before


def test_privacy_findings_show_beside_the_field_as_a_warning_not_a_block(store):
    app = open_app(store, ward="生野区", role="staff")
    type_in(app, "title", "見守りの事例")
    type_in(app, "summary.main_complaint", "連絡先は 06-1234-5678 です")
    warning = app.form.fields["summary.main_complaint"].message.value
    assert "wb-privacy" in warning and "06-1234-5678" in warning
    # The ecomap's names and notes and every timeline column are read by the gate too: warned as typed.
    assert app.form.ecomap.add_node("長男", "household")
    app.form.ecomap.nodes_box.children[1].children[1].value = "長男 山田太郎"
    assert "wb-privacy" in app.form.ecomap.privacy.value and "山田太郎" in app.form.ecomap.privacy.value
    app.form.timeline.add_row()
    app.form.timeline.fields[0]["period"].widget.value = "06-1234-5678 に電話した日"
    app.form.timeline.fields[0]["support"].widget.value = "電話で様子を聞いた"
    assert "06-1234-5678" in app.form.timeline.fields[0]["period"].message.value
    assert app.save()
    saved = store.get_case(app.record.case.id).case
    assert saved.summary.main_complaint == "連絡先は 06-1234-5678 です"
    assert saved.ecomap.nodes[1].label == "長男 山田太郎"
    app.form.ecomap.nodes_box.children[1].children[1].value = "長男"
    assert app.form.ecomap.privacy.value == ""


@pytest.mark.parametrize("params, expected", [
    ({"role": "admin"}, "役割（role）「admin」は使えません"),
    ({"ward": "堺市北区"}, "「堺市北区」は大阪市の区ではありません"),
    ({"case_id": "../../etc"}, "半角英数字とハイフン"),
    ({"read_only": "maybe"}, "はい／いいえとして読めません"),
    ({"author": ""}, "記入者（author）を指定してください"),
    ({"author": "山田\n田中"}, "改行・制御文字なし"),
    ({"role": "advisor"}, "助言者は事例番号（case_id）を指定して"),
    ({"case_id": "2024-27116-99"}, "事例番号「2024-27116-99」の事例はありません"),
])
def test_bad_page_parameters_get_a_japanese_message_and_nothing_editable(store, params, expected):
    given = {"author": "職員A", "role": "staff", **params}
    widget, app = build_case_app(use_query=False, store=store, **given)
    assert app is None
    text = _texts(widget)
    assert expected in text
    assert "wb-save" not in str([c._dom_classes for c in _all(widget)])


def _all(widget):
    yield widget
    for child in getattr(widget, "children", ()):
        yield from _all(child)


def test_read_only_pages_show_the_case_with_nothing_to_change(store):
    seed_case(store)
    app = open_app(store, case_id="2024-27116-01", ward="生野区", role="staff", read_only="1", author="")
    assert not app.can_edit() and app.save_button.layout.display == "none"
    assert all(f.widget.disabled for f in app.form.fields.values())
    assert app.review.actions.children == () and app.history.restore_button.layout.display == "none"
    assert app.form.fields["title"].widget.value == "ひとり暮らし高齢者の見守り" and "閲覧のみ" in app.title.value
    app.form.timeline.add_row()
    assert app.form.timeline.value() == [] and not app.save()
    assert store.get_case("2024-27116-01").version == 1


def test_staff_of_another_ward_cannot_open_the_case(store):
    seed_case(store)
    widget, app = build_case_app(use_query=False, store=store, case_id="2024-27116-01", ward="北区",
                                 author="職員C", role="staff")
    assert app is None and "生野区の事例です" in _texts(widget)


def test_url_query_values_are_read_and_checked(store, monkeypatch):
    seed_case(store)
    monkeypatch.setenv("QUERY_STRING", "case_id=2024-27116-01&role=advisor&author=%E5%8A%A9%E8%A8%80%E8%80%85B")
    widget, app = build_case_app(store=store)
    assert app is not None and app.role == "advisor" and app.author == "助言者B" and not app.can_edit()
    monkeypatch.setenv("QUERY_STRING", "role=staff&author=x&debug=1")
    widget, app = build_case_app(store=store)
    assert app is None and "使えない指定があります: debug" in _texts(widget)


def second_page_after_a_first_save(store) -> CaseApp:
    """Two people open the same case; 山田 saves a change, 田中's page (returned) is still on version 1."""
    seed_case(store)
    first = open_app(store, case_id="2024-27116-01", ward="生野区", role="staff", author="山田")
    second = open_app(store, case_id="2024-27116-01", ward="生野区", role="staff", author="田中")
    type_in(first, "summary.support_period", "2024年4月〜")
    assert first.save()
    return second


def test_second_saver_is_refused_keeps_their_text_and_merges_field_by_field(store_url):
    with Store(store_url) as store:
        second = second_page_after_a_first_save(store)
        type_in(second, "person.wishes", "家で暮らしたい")
        type_in(second, "summary.main_complaint", "Aさんは外出が減り、食事もとれていない")

        assert not second.save()
        status = second.status.html.value
        assert "山田 さんが保存しています（版 2）" in status and "版 1 を元にしています" in status
        assert second.form.fields["person.wishes"].widget.value == "家で暮らしたい"      # their text stays
        stored = store.get_case("2024-27116-01")
        assert stored.version == 2 and stored.case.person.wishes == "" and stored.updated_by == "山田"

        assert second.conflict.visible
        choices = {p: t.value for p, t in second.conflict.choices.items()}
        assert choices == {"summary.support_period": "stored", "summary.main_complaint": "mine",
                           "person.wishes": "mine"}
        assert "<ins>" in second.conflict.rows.children[0].children[0].value
        second.autosave.flush()                       # no autosave while a conflict is open
        assert store.get_case("2024-27116-01").version == 2

        second.conflict.merge_button.click()
        merged = store.get_case("2024-27116-01")
        assert merged.version == 3 and merged.updated_by == "田中"
        assert merged.case.summary.support_period == "2024年4月〜"                  # 山田's save kept
        assert merged.case.person.wishes == "家で暮らしたい"                        # 田中's text kept
        assert not second.conflict.visible and "版 3" in second.status.html.value


def test_text_typed_while_the_conflict_is_open_is_compared_again_not_dropped(store):
    second = second_page_after_a_first_save(store)
    type_in(second, "person.wishes", "家で暮らしたい")
    assert not second.save() and second.conflict.visible
    second.conflict.choices["summary.support_period"].value = "mine"      # a choice the person made
    type_in(second, "person.wishes", "家で暮らしたい。畑も続けたい")        # typed after the comparison appeared

    second.conflict.merge_button.click()
    assert store.get_case("2024-27116-01").version == 2                   # not merged from the old text
    assert "見比べている間に入力が変わりました" in second.status.html.value
    assert "畑も続けたい" in _texts(second.conflict.rows)
    assert second.conflict.choices["summary.support_period"].value == "mine"   # the earlier choice stays
    assert second.form.fields["person.wishes"].widget.value == "家で暮らしたい。畑も続けたい"

    second.conflict.choices["summary.support_period"].value = "stored"
    second.conflict.merge_button.click()
    merged = store.get_case("2024-27116-01")
    assert merged.version == 3 and merged.case.person.wishes == "家で暮らしたい。畑も続けたい"
    assert merged.case.summary.support_period == "2024年4月〜"


def test_a_database_failure_on_save_is_said_and_the_text_stays(store):
    seed_case(store)
    app = open_app(store, case_id="2024-27116-01", ward="生野区", role="staff")
    type_in(app, "person.wishes", "住み慣れた家で暮らしたい")
    with store.engine.begin() as conn:            # the database loses a table under the open page
        conn.exec_driver_sql("DROP TABLE case_history")
    assert not app.save()
    status = app.status.html.value
    assert "保存できませんでした" in status and "INSERT" not in status and "sqlalche" not in status
    assert app.form.fields["person.wishes"].widget.value == "住み慣れた家で暮らしたい"


def test_values_a_script_sends_are_refused_in_the_callbacks(store):
    seed_case(store)
    app = open_app(store, case_id="2024-27116-01", ward="生野区", role="staff")
    ward = app.form.fields["ward"]
    ward.widget.set_state({"index": 3})            # disabled for a ward's staff: a browser cannot change it
    assert ward.widget.value == "生野区" and "現在編集できません" in ward.message.value
    year = app.form.fields["fiscal_year"]
    year.widget.set_state({"index": 999})
    assert year.widget.value == 2024 and "選択肢にない値" in year.message.value
    themes = app.form.fields["themes"]
    themes.widget.checkboxes[0].set_state({"value": "見守り・訪問"})      # a checkbox takes yes / no only
    assert themes.widget.value == () and "はい／いいえ以外" in themes.message.value
    title = app.form.fields["title"]
    title.widget.set_state({"value": 12345})
    title.widget.set_state({"_options_labels": ["x"]})
    assert title.widget.value == "ひとり暮らし高齢者の見守り"
    title.widget.set_state({"value": "題\x07名"})
    assert "制御文字" in title.message.value
    assert not app.save()
    assert store.get_case("2024-27116-01").version == 1

    # The conflict panel's own Layout is a widget a script can change: showing it does not open a way
    # to throw the typed text away.
    type_in(app, "title", "入力途中の題")
    app.conflict.widget.layout.set_state({"display": "flex"})
    app.conflict.discard_button._handle_button_msg(None, {"event": "click"}, [])
    assert app.form.fields["title"].widget.value == "入力途中の題"

    advisor = open_app(store, case_id="2024-27116-01", role="advisor", author="助言者B")
    advisor.form.fields["title"].widget.set_state({"value": "書き換え"})
    advisor.save_button._handle_button_msg(None, {"event": "click"}, [])      # hidden for an advisor
    assert not advisor.save()
    advisor.review.move("approved")                                         # not a move an advisor may make
    assert "その操作はできません" in advisor.review.message.value
    record = store.get_case("2024-27116-01")
    assert record.version == 1 and record.case.title == "ひとり暮らし高齢者の見守り"
    assert len(store.history("2024-27116-01")) == 1


def test_advisor_comments_and_marks_reviewed_then_editor_approves_through_the_privacy_gate(store):
    case_id = seed_case(store, status="submitted",
                        person={"household": "長女（連絡先 090-1234-5678）と二人暮らし"})
    staff = open_app(store, case_id=case_id, ward="生野区", role="staff")
    assert not staff.can_edit() and [b.description for b in staff.review.actions.children] == ["差し戻す"]

    advisor = open_app(store, case_id=case_id, role="advisor", author="助言者B")
    assert {b.description for b in advisor.review.actions.children} == {"差し戻す", "助言済みにする"}
    advisor.review.comment_kind.value = "key_points"
    advisor.review.comment_text.value = "山田太郎さんの件、地域の支え手が"        # the gate reads comments too
    assert "山田太郎" in advisor.review.comment_privacy.value and "wb-privacy" in advisor.review.comment_privacy.value
    advisor.review.comment_text.value = "地域の支え手が見えてきた点が大切です"
    assert advisor.review.comment_privacy.value == ""
    advisor.review.comment_button.click()
    assert "ポイント整理を追加しました" in advisor.review.message.value
    assert "地域の支え手が見えてきた点が大切です" in advisor.review.comments.value
    advisor.review.move("draft")
    assert "差し戻す理由を入力してください" in advisor.review.message.value
    next(b for b in advisor.review.actions.children if b.description == "助言済みにする").click()
    record = store.get_case(case_id)
    assert record.case.status == "reviewed" and record.case.comments[0].advisor == "助言者B"

    editor = open_app(store, case_id=case_id, role="editor", author="編集者C")
    approve = next(b for b in editor.review.actions.children if b.description == "承認する")
    approve.click()
    assert store.get_case(case_id).case.status == "reviewed"                # the gate held
    assert "090-1234-5678" in _texts(editor.review.findings)
    finding = editor.review.findings.children[1]
    reason, button = finding.children[1].children
    reason.value = "架空の番号であることを確認済み"
    button.click()
    assert "問題なしと記録しました" in editor.review.message.value
    next(b for b in editor.review.actions.children if b.description == "承認する").click()
    assert store.get_case(case_id).case.status == "approved"
    assert "承認済み" in editor.review.status.value


def test_editor_sends_back_with_a_reason(store):
    case_id = seed_case(store, status="reviewed")
    editor = open_app(store, case_id=case_id, role="editor", author="編集者C")
    send_back = next(b for b in editor.review.actions.children if b.description == "差し戻す")
    for sent, message in (("理由\x1b[2J", "制御文字"), ("長" * 9000, "8000文字以内")):   # as a script could send
        editor.review.reason.set_state({"value": sent})
        send_back.click()
        assert "差し戻す理由" in editor.review.message.value and message in editor.review.message.value
        assert editor.review.reason.value == sent                              # the text stays to be corrected
    assert store.get_case(case_id).case.status == "reviewed" and len(store.history(case_id)) == 3
    editor.review.reason.value = "本人の思いをもう少し具体的に"
    next(b for b in editor.review.actions.children if b.description == "差し戻す").click()
    history = store.history(case_id)
    assert history[-1].status == "draft" and "本人の思いをもう少し具体的に" in history[-1].note


def test_an_older_version_is_viewed_and_restored_as_a_new_version(store):
    seed_case(store)
    app = open_app(store, case_id="2024-27116-01", ward="生野区", role="staff")
    type_in(app, "title", "題を変えた")
    assert app.save()
    app.history.version.value = 1
    app.history.show_button.click()
    assert "ひとり暮らし高齢者の見守り" in app.history.preview.value and "題を変えた" in app.history.preview.value
    app.history.restore_button.click()
    record = store.get_case("2024-27116-01")
    assert record.version == 3 and record.case.title == "ひとり暮らし高齢者の見守り"
    assert app.form.fields["title"].widget.value == "ひとり暮らし高齢者の見守り"
    assert "版 1 を復元" in app.history.table.value


def test_a_draft_is_saved_a_moment_after_typing_stops(store):
    async def scenario():
        widget, app = build_case_app(use_query=False, store=store, autosave_delay=0.2, ward="生野区",
                                     author="職員A", role="staff")
        app.form.fields["title"].widget.value = "自動保存の確認"
        app.form.fields["title"].widget.value = "自動保存の確認（続き）"
        assert store.list_cases() == []                     # not while typing
        await asyncio.sleep(0.6)
        return app

    # pytest-playwright's sync API keeps an event loop running in this thread once a browser test
    # has run, so the scenario gets a loop of its own in a worker thread.
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        app = pool.submit(asyncio.run, scenario()).result()
    record = store.list_cases()[0]
    assert record.case.title == "自動保存の確認（続き）" and record.version == 1
    assert "自動保存しました" in app.status.html.value


def test_fiscal_year_choices_show_reiwa_and_western():
    labels = [label for label, _ in fiscal_year_options(2019)]
    assert "2019年度（令和元年度）" in labels
    assert vocab.format_fiscal_year(vocab.fiscal_year_of(dt.date.today())) in labels


@pytest.mark.slow
def test_the_notebook_runs_as_a_plain_parameterized_notebook(settings, tmp_path):
    import papermill

    with Store.open(settings) as store:
        seed_case(store)
    out = tmp_path / "out.ipynb"
    nb = papermill.execute_notebook(str(REPO_ROOT / "notebooks" / "case_analysis.ipynb"), str(out),
                                    parameters={"case_id": "2024-27116-01", "ward": "生野区", "author": "職員A",
                                                "role": "staff"}, cwd=str(tmp_path), progress_bar=False)
    outputs = [o for c in nb.cells for o in c.get("outputs", [])]
    assert not [o for o in outputs if o.get("output_type") == "error"]
    assert any("application/vnd.jupyter.widget-view+json" in o.get("data", {}) for o in outputs)


def test_the_similar_cases_tab_lists_cases_the_person_may_read_with_why(store):
    mimamori = {"themes": ["見守り・訪問"], "summary": {"main_complaint": "ひとり暮らしで外出が減り、見守りの声かけを続けた"}}
    seed_case(store, status="submitted", **mimamori)
    seed_case(store, id="2024-27116-02", title="見守り活動に参加した高齢者", **mimamori)
    seed_case(store, id="2024-27127-01", title="北区の見守りの下書き", ward="北区", author="職員B", **mimamori)
    seed_case(store, id="2024-27116-03", title="こども食堂の立ち上げ", themes=["こども食堂"],
              summary={"main_complaint": "子どもの居場所づくりを企業と進めた"})
    app = open_app(store, case_id="2024-27116-01", ward="生野区", role="staff")
    assert "似ている事例" in app.tabs.titles
    app.similar.show()
    listed = app.similar.body.value
    assert "見守り活動に参加した高齢者" in listed and "同じテーマ: 見守り・訪問" in listed
    assert "北区の見守りの下書き" not in listed            # another ward's draft is not this person's to read
    assert listed.index("見守り活動に参加した高齢者") < listed.index("こども食堂の立ち上げ") \
        if "こども食堂の立ち上げ" in listed else True
