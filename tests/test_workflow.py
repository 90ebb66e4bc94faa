"""The status workflow with the privacy gate, on both backends (SQLite file, PostgreSQL), and the
`workbench check` command run as a real process against the same store."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from casebook.model import Case
from casebook.privacy import find_pii
from casebook.store import Store, StoreError, TransitionError
from casebook.workflow import PrivacyBlocked, change_status, check_store, gate, override_finding

CASE_ID = "2024-27116-01"


def _case(**changes) -> Case:
    data = dict(
        id=CASE_ID, title="一人暮らし高齢者の見守りと地域のつながり", ward="生野区", fiscal_year=2024,
        provider="生野区社協", provider_role="CSW",
        summary={"referral": "民生委員の山本さん", "main_complaint": "Aさん（80代）が外出しなくなった"},
        person={"housing": "生野区桃谷3丁目10番5号の文化住宅", "household": "一人暮らし。長女のBさんは市外在住。"},
        community={"resources": "区社協の相談窓口（06-0000-1111）、ふれあい喫茶"},
    )
    data.update(changes)
    return Case(**data)


@pytest.fixture
def store(store_url):
    s = Store(store_url)
    yield s
    s.close()


def _to_reviewed(store: Store, case: Case) -> int:
    """Create the case and walk it to 助言済み (submitted by staff, reviewed by the advisor)."""
    v = store.create_case(case, author="上田").version
    v = change_status(store, case.id, "submitted", author="上田", role="staff", base_version=v).version
    return change_status(store, case.id, "reviewed", author="助言者", role="advisor", base_version=v).version


def test_drafts_may_hold_real_details_but_approval_is_refused_with_every_finding_listed(store):
    version = _to_reviewed(store, _case())   # the draft and the early moves are not gated
    with pytest.raises(PrivacyBlocked) as err:
        change_status(store, CASE_ID, "approved", author="編集者", role="editor", base_version=version)
    message = str(err.value)
    assert "「承認済み」にできません" in message
    assert "事例の概要 › 相談経路: 人名「山本」 → 修正案: 民生委員のCさん" in message
    assert "住所（区より下）「桃谷3丁目10番5号」 → 修正案: 生野区の文化住宅" in message
    assert "電話番号「06-0000-1111」" in message
    assert isinstance(err.value, StoreError)
    assert {(b.field, b.finding.kind) for b in err.value.blocked} == {
        ("summary.referral", "person"), ("person.housing", "address"), ("community.resources", "phone")}
    # Nothing changed in the store.
    record = store.get_case(CASE_ID)
    assert record.case.status == "reviewed" and record.version == version


def test_once_the_text_is_fixed_the_editor_can_approve_and_publish(store):
    version = _to_reviewed(store, _case())
    record = store.get_case(CASE_ID)
    fixed = record.case.model_copy(update={
        "summary": record.case.summary.model_copy(update={"referral": "民生委員のCさん"}),
        "person": record.case.person.model_copy(update={"housing": "生野区の文化住宅"}),
        "community": record.case.community.model_copy(update={"resources": "区社協の相談窓口、ふれあい喫茶"}),
    })
    version = store.save_case(fixed, author="編集者", base_version=version).version
    version = change_status(store, CASE_ID, "approved", author="編集者", role="editor", base_version=version).version
    record = change_status(store, CASE_ID, "published", author="編集者", role="editor", base_version=version)
    assert record.case.status == "published"
    assert gate(record.case, store.overrides(CASE_ID)) == []


def test_an_editors_recorded_override_lets_that_one_finding_pass(store):
    case = _case(summary={"referral": "区役所", "main_complaint": "Aさん（80代）が外出しなくなった"},
                 person={"housing": "生野区の文化住宅"})
    version = _to_reviewed(store, case)
    field = "community.resources"
    [finding] = find_pii(case.community.resources)
    assert finding.kind == "phone"
    # Staff cannot wave it through; an editor must give a reason.
    with pytest.raises(StoreError, match="編集者だけ"):
        override_finding(store, CASE_ID, field, finding, editor="上田", reason="代表番号", role="staff")
    with pytest.raises(StoreError, match="理由"):
        override_finding(store, CASE_ID, field, finding, editor="編集者", reason="  ")
    with pytest.raises(StoreError, match="ありません"):
        override_finding(store, CASE_ID, "person.housing", finding, editor="編集者", reason="代表番号")
    assert store.overrides(CASE_ID) == []
    override_finding(store, CASE_ID, field, finding, editor="編集者", reason="区社協の代表番号で公開されている")
    [saved] = store.overrides(CASE_ID)
    assert (saved["field"], saved["kind"], saved["text"], saved["editor"]) == (field, "phone", "06-0000-1111", "編集者")
    record = change_status(store, CASE_ID, "approved", author="編集者", role="editor", base_version=version)
    assert record.case.status == "approved"


def test_an_override_covers_only_its_own_field_kind_and_text(store):
    case = _case(summary={"referral": "区役所", "main_complaint": "Aさんが外出しなくなった"},
                 person={"housing": "生野区の文化住宅", "household": "隣人の西田さん（06-0000-2222）が見守る"})
    version = _to_reviewed(store, case)
    phone = next(f for f in find_pii(case.community.resources) if f.kind == "phone")
    override_finding(store, CASE_ID, "community.resources", phone, editor="編集者", reason="代表番号")
    with pytest.raises(PrivacyBlocked) as err:
        change_status(store, CASE_ID, "approved", author="編集者", role="editor", base_version=version)
    assert {(b.field, b.finding.text) for b in err.value.blocked} == {
        ("person.household", "西田"), ("person.household", "06-0000-2222")}


def test_withdrawing_a_published_case_is_never_blocked(store):
    # A case that reached 公開中 with a leak (imported, say) must be withdrawable at once.
    store.create_case(_case(status="published"), author="import")
    record = store.get_case(CASE_ID)
    assert gate(record.case, store.overrides(CASE_ID))      # the build/publish gate refuses it
    record = change_status(store, CASE_ID, "approved", author="編集者", role="editor", base_version=record.version)
    record = change_status(store, CASE_ID, "draft", author="編集者", role="editor", base_version=record.version)
    assert record.case.status == "draft"


def test_the_store_still_refuses_moves_the_roles_do_not_allow(store):
    version = _to_reviewed(store, _case(summary={"referral": "区役所"}, person={}, community={}))
    with pytest.raises(TransitionError):
        change_status(store, CASE_ID, "approved", author="上田", role="staff", base_version=version)


def test_check_store_lists_findings_per_case_and_field_with_suggestions(store):
    store.create_case(_case(), author="上田")
    clean = _case(id="2024-27102-01", ward="都島区", status="published",
                  summary={"referral": "民生委員のAさん"}, person={}, community={})
    store.create_case(clean, author="import")
    report = check_store(store)
    assert report.cases_checked == 2
    assert {(r.case_id, r.field, r.finding.text) for r in report.rows} == {
        (CASE_ID, "summary.referral", "山本"), (CASE_ID, "person.housing", "桃谷3丁目10番5号"),
        (CASE_ID, "community.resources", "06-0000-1111")}
    assert report.blocking == []   # the case with findings is only a draft
    referral = next(r for r in report.rows if r.field == "summary.referral")
    assert referral.suggestion == "民生委員のCさん"
    assert check_store(store, ward="都島区").rows == ()


def _workbench(store_url: str, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "WORKBENCH_DB_URL": store_url, "PYTHONIOENCODING": "utf-8"}
    return subprocess.run([sys.executable, "-m", "casebook.cli", *args], capture_output=True, text=True,
                          env=env, timeout=120)


def test_workbench_check_prints_findings_and_fails_only_for_approved_or_published(store, store_url):
    store.create_case(_case(), author="上田")
    done = _workbench(store_url, "check")
    assert done.returncode == 0, done.stderr
    assert f"【{CASE_ID}】生野区・下書き" in done.stdout
    assert "事例の概要 › 相談経路: 人名「山本」" in done.stdout
    assert "修正案: 民生委員のCさん" in done.stdout
    assert "未解決の指摘 3 件（1 事例）" in done.stdout
    assert _workbench(store_url, "check", "--strict").returncode == 1
    # A published case with a leak makes the check fail: it should never have got there.
    store.create_case(_case(id="2024-27116-02", status="published"), author="import")
    done = _workbench(store_url, "check", "--status", "公開中")
    assert done.returncode == 1
    assert "【2024-27116-02】生野区・公開中" in done.stdout and CASE_ID + "】" not in done.stdout
    assert "承認済み・公開中の未解決 3 件" in done.stdout
    bad = _workbench(store_url, "check", "--ward", "堺市北区")
    assert bad.returncode == 2 and "大阪市の区ではありません" in bad.stderr
