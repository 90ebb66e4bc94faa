"""A draft that should not exist (typing a title on a new-case URL autosaved it): its author, or an
editor, withdraws it. It leaves the lists and the casebook, keeps its history, and can be restored.
A draft that was ever submitted is not withdrawn this way; nobody else may withdraw it."""

from __future__ import annotations

import pytest

from casebook import workflow
from casebook.identity import User
from casebook.model import Case
from casebook.store import Store, TransitionError


@pytest.fixture
def store(settings):
    with Store.open(settings) as s:
        yield s


def draft(store, case_id="2024-27116-01", author="山田") -> int:
    return store.create_case(Case(id=case_id, title="題名だけの下書き", ward="生野区", fiscal_year=2024),
                             author=author).version


def test_the_author_withdraws_a_stray_draft_which_leaves_the_list_and_can_be_restored(store):
    version = draft(store)
    author = User("山田", "staff", "生野区")
    record = store.get_case("2024-27116-01")
    assert "withdrawn" in workflow.moves(author, record)
    workflow.change_status(store, "2024-27116-01", "withdrawn", author="山田", role="staff", base_version=version)
    assert [r.case.id for r in store.list_cases(**workflow.worklist(author))] == []       # gone from the list
    assert store.list_cases(status="withdrawn")[0].case.title == "題名だけの下書き"        # kept, and findable
    assert [h.status for h in store.history("2024-27116-01")] == ["draft", "withdrawn"]   # history kept

    record = store.get_case("2024-27116-01")
    assert workflow.moves(author, record) == ["draft"]
    assert not workflow.move_needs_reason(author, "withdrawn", "draft")
    workflow.change_status(store, "2024-27116-01", "draft", author="山田", role="staff", base_version=record.version)
    assert [r.case.id for r in store.list_cases(**workflow.worklist(author))] == ["2024-27116-01"]


def test_only_the_author_or_an_editor_withdraws_and_only_a_draft_never_submitted(store):
    version = draft(store)
    record = store.get_case("2024-27116-01")
    other = User("佐々木", "staff", "生野区")
    refused = workflow.may_move(other, record, "withdrawn")
    assert not refused and "書いた人" in refused.reason
    assert not workflow.may_move(User("B教授", "advisor"), record, "withdrawn")
    assert workflow.may_move(User("編集者C", "editor"), record, "withdrawn")

    # submitted once and sent back: no longer a stray draft
    record = store.change_status("2024-27116-01", "submitted", author="山田", role="staff", base_version=version)
    record = store.change_status("2024-27116-01", "draft", author="編集者C", role="editor",
                                 base_version=record.version)
    with pytest.raises(TransitionError, match="提出されたことのある"):
        store.change_status("2024-27116-01", "withdrawn", author="山田", role="staff", base_version=record.version)
    assert store.get_case("2024-27116-01").case.status == "draft"
