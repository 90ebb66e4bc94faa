"""Who may read, edit and move a case, told as the people who use the workbench meet it
(casebook.workflow's rights, for a casebook.identity.User). No widgets and no store writes here:
the rules alone, on records as the store gives them."""

from __future__ import annotations

import datetime as dt

import pytest

from casebook import identity, workflow
from casebook.errors import PermissionDenied, WorkbenchError
from casebook.identity import User
from casebook.model import Case
from casebook.sessions import FACILITATOR_KEY_ENV, SubmissionError
from casebook.store import CaseRecord

NOW = dt.datetime(2024, 11, 28, 14, 3, tzinfo=dt.timezone.utc)

ikuno_staff = User("山田", "staff", "生野区")
kita_staff = User("北野", "staff", "北区")
advisor = User("助言者B", "advisor")
editor = User("編集者C", "editor")


def record(status: str = "draft", ward: str = "生野区") -> CaseRecord:
    number = {"生野区": "27116", "北区": "27127"}[ward]
    case = Case(id=f"2024-{number}-01", title="ひとり暮らし高齢者の見守り", ward=ward, fiscal_year=2024, status=status)
    return CaseRecord(case=case, version=1, created_at=NOW, updated_at=NOW, updated_by="山田",
                      created_by="山田")


def test_staff_of_ikuno_edit_their_own_draft_but_not_once_it_is_submitted():
    assert workflow.may_read(ikuno_staff, record())
    assert workflow.may_edit(ikuno_staff, record())
    assert workflow.may_create(ikuno_staff) and workflow.may_edit(ikuno_staff, None)
    submitted = workflow.may_edit(ikuno_staff, record("submitted"))
    assert not submitted
    assert "「下書き」の事例" in submitted.reason and "「提出済み」" in submitted.reason
    assert workflow.may_read(ikuno_staff, record("submitted"))          # still theirs to read
    assert workflow.moves(ikuno_staff, record()) == ["submitted", "withdrawn"]   # or take back a stray draft
    assert workflow.moves(User("佐々木", "staff", "生野区"), record()) == ["submitted"]  # not someone else's
    assert workflow.moves(ikuno_staff, record("submitted")) == ["draft"]  # they may take it back


def test_staff_of_ikuno_may_not_read_or_edit_a_kita_draft_and_are_told_why():
    kita_draft = record(ward="北区")
    read = workflow.may_read(ikuno_staff, kita_draft)
    assert not read and "この事例は北区の事例です" in read.reason and "生野区の職員" in read.reason
    edit = workflow.may_edit(ikuno_staff, kita_draft)
    assert not edit and edit.reason == read.reason
    move = workflow.may_move(ikuno_staff, kita_draft, "submitted")
    assert not move and "北区の事例" in move.reason
    assert workflow.moves(ikuno_staff, kita_draft) == []
    assert workflow.may_read(kita_staff, kita_draft) and workflow.may_edit(kita_staff, kita_draft)
    with pytest.raises(PermissionDenied, match="北区の事例です") as err:
        read.require()
    assert isinstance(err.value, WorkbenchError) and err.value.record == "2024-27127-01"


def test_a_wards_staff_keep_their_cases_in_their_ward():
    assert workflow.own_ward(ikuno_staff) == "生野区" and workflow.own_ward(editor) == ""
    ward_field = workflow.may_edit(ikuno_staff, record(), "ward")
    assert not ward_field and "区は変えられません" in ward_field.reason
    assert workflow.may_edit(ikuno_staff, record(), "title")
    elsewhere = workflow.may_assign_ward(ikuno_staff, "北区")
    assert not elsewhere and "生野区の事例だけ" in elsewhere.reason
    assert workflow.may_assign_ward(ikuno_staff, "生野区") and workflow.may_assign_ward(editor, "北区")
    assert workflow.worklist(ikuno_staff) == {"ward": "生野区", "status": None}


def test_the_advisor_edits_nothing_of_the_sheet_but_comments_on_a_submitted_case():
    for status in ("draft", "submitted", "reviewed", "approved"):
        decision = workflow.may_edit(advisor, record(status))
        assert not decision and "助言者は事例シートの内容を編集できません" in decision.reason
    assert not workflow.may_create(advisor)
    assert "事例番号（case_id）を指定して" in workflow.may_create(advisor).reason
    assert workflow.may_read(advisor, record(ward="北区"))               # advisors read every ward's cases
    assert workflow.may_comment(advisor, record("submitted"))
    assert workflow.may_edit(advisor, record("reviewed"), "comments")
    draft = workflow.may_comment(advisor, record("draft"))
    assert not draft and "「下書き」の事例にはコメントを追加できません" in draft.reason
    assert not workflow.may_comment(ikuno_staff, record("submitted"))
    assert set(workflow.moves(advisor, record("submitted"))) == {"draft", "reviewed"}
    approve = workflow.may_move(advisor, record("reviewed"), "approved")
    assert not approve and "その操作はできません" in approve.reason and "編集者" in approve.reason
    assert workflow.move_needs_reason(advisor, "submitted", "draft")
    assert not workflow.move_needs_reason(ikuno_staff, "submitted", "draft")
    assert workflow.worklist(advisor) == {"ward": None, "status": ["submitted", "reviewed"]}


def test_the_editor_edits_up_to_approval_approves_and_publishes():
    for status in ("draft", "submitted", "reviewed", "approved"):
        assert workflow.may_edit(editor, record(status, ward="北区"))
    published = workflow.may_edit(editor, record("published"))
    assert not published and "「公開中」" in published.reason
    assert workflow.may_move(editor, record("reviewed"), "approved")
    assert workflow.moves(editor, record("approved")) == ["draft", "published"]
    assert workflow.may_override(editor) and not workflow.may_override(ikuno_staff)
    assert "編集者だけ" in workflow.may_override(ikuno_staff).reason
    skip = workflow.may_move(editor, record("draft"), "published")
    assert not skip and "「下書き」から「公開中」へは変更できません" in skip.reason


def test_the_facilitator_is_whoever_brings_the_served_key_in_development_mode(monkeypatch):
    monkeypatch.delenv(FACILITATOR_KEY_ENV, raising=False)
    batch = identity.dev_facilitator("s1", {})
    assert batch == User("", "facilitator", "", "s1") and workflow.may_facilitate(batch, "s1")
    monkeypatch.setenv(FACILITATOR_KEY_ENV, "secret-key")
    assert workflow.may_facilitate(identity.dev_facilitator("s1", {"key": "secret-key"}), "s1")
    assert not workflow.may_facilitate(identity.dev_facilitator("s1", {"key": "secret-key"}), "s2")
    for query in ({}, {"key": "wrong"}, {"key": "鍵"}):
        stranger = identity.dev_facilitator("s1", query)
        decision = workflow.may_facilitate(stranger, "s1")
        assert stranger.role == "participant" and not decision and "ファシリテーター用です" in decision.reason
    joined = identity.participant("s1", " 参加者01 ", "生野区")
    assert joined == User("参加者01", "participant", "生野区", "s1")
    with pytest.raises(SubmissionError, match="改行"):
        identity.participant("s1", "参加者01\n<script>")
    assert not workflow.may_read(joined, record()) and not workflow.may_create(joined)


def test_the_case_page_user_comes_from_the_url_only_in_development_mode():
    page, problems = identity.dev_case_page({}, {"role": "staff", "ward": "生野区", "author": "山田",
                                                 "case_id": "2024-27116-01"})
    assert problems == [] and page.user == ikuno_staff and page.case_id == "2024-27116-01"
    assert identity.dev_case_url(page, case_id="2024-27116-02").startswith("?case_id=2024-27116-02&ward=")
    page, problems = identity.dev_case_page({"role": "editor", "author": "x"}, {"debug": "1"})
    assert page is None and problems == ["このページでは使えない指定があります: debug"]
    page, problems = identity.dev_case_page({"role": "admin", "ward": "堺市北区", "author": ""})
    assert page is None and problems[0].startswith("役割（role）「admin」は使えません")
    assert "「堺市北区」は大阪市の区ではありません" in problems[1]
    page, problems = identity.dev_case_page({"read_only": "はい", "ward": "生野区"})
    assert problems == [] and page.read_only and page.user == User("", "staff", "生野区")
    assert identity.role_label("editor") == "編集者（市社協）" and User("x", "admin").role_label == "管理者"
    assert User("x", "auditor").role_label == "auditor"   # a role the vocabulary does not know shows as is



def test_analysing_many_unpublished_cases_together_is_for_signed_in_advisors_and_editors():
    # Published cases are for everyone; drafts to approved only for a named advisor or editor.
    assert workflow.may_analyse(ikuno_staff, ["published"])
    refused = workflow.may_analyse(ikuno_staff, ["submitted", "published"])
    assert not refused and "「提出済み」" in refused.reason
    assert workflow.may_analyse(advisor, ["submitted", "reviewed"]) and workflow.may_analyse(editor, ["draft"])
    assert not workflow.may_analyse(User("", "editor"), ["approved"])
    with pytest.raises(PermissionDenied):
        workflow.may_analyse(User("参加者01", "participant"), ["draft"]).require()
