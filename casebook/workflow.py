"""The case status workflow with the privacy gate.

A draft may hold real details (the form only warns). Moving a case forward to 承認済み (approved) or
公開中 (published) needs zero findings, or an editor's recorded override for each remaining one
(same field, kind and text). A send-back (published → approved, anything → draft) is never
blocked: withdrawing a case must always be possible. The casebook build and the publish step call
`gate()` and refuse any case it returns findings for.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Iterable

from casebook import vocab
from casebook.privacy import Finding, case_findings, case_suggestions, find_pii
from casebook.store import StoreError

if TYPE_CHECKING:
    from casebook.model import Case
    from casebook.store import CaseRecord, Store

GATED = ("approved", "published")
_ORDER = {s: i for i, s in enumerate(vocab.STATUS_IDS)}


@dataclass(frozen=True)
class Blocked:
    """A finding that stops a case: where it is, what it is, and the suggested text of its field."""
    field: str
    finding: Finding
    suggestion: str

    def line(self) -> str:
        from casebook.model import field_label

        return f"・{field_label(self.field)}: {self.finding.label}「{self.finding.text}」 → 修正案: {self.suggestion}"


class PrivacyBlocked(StoreError):
    """A move to approved/published refused because of findings without an editor's override."""

    def __init__(self, case_id: str, new_status: str, blocked: list[Blocked]):
        self.case_id = case_id
        self.new_status = new_status
        self.blocked = blocked
        head = (f"事例「{case_id}」を「{vocab.status_label(new_status)}」にできません: 個人が特定される"
                f"おそれのある記述が {len(blocked)} 件あります。修正するか、編集者が1件ずつ理由を記録して"
                f"「問題なし」と判断してください。")
        super().__init__("\n".join([head, *(b.line() for b in blocked)]))


def _key(field: str, kind: str, text: str) -> tuple[str, str, str]:
    return (field, kind, text)


def gate(case: "Case", overrides: Iterable[dict] = ()) -> list[Blocked]:
    """Findings of the case not covered by an override (field + kind + text): [] means it may pass."""
    allowed = {_key(o["field"], o["kind"], o["text"]) for o in overrides}
    every = case_findings(case)
    findings = [(path, f) for path, f in every if _key(path, f.kind, f.text) not in allowed]
    if not findings:
        return []
    suggestions = case_suggestions(case, every)
    return [Blocked(path, f, suggestions.get(path, "")) for path, f in findings]


def check_record(store: "Store", record: "CaseRecord") -> list[Blocked]:
    """`gate` for a stored case, with the overrides recorded for it."""
    return gate(record.case, store.overrides(record.case.id))


def _is_forward(old: str, new: str) -> bool:
    return _ORDER.get(new, -1) > _ORDER.get(old, -1)


def change_status(store: "Store", case_id: str, new_status: str, *, author: str, role: str | None,
                  base_version: int, note: str = "") -> "CaseRecord":
    """Store.change_status, refused with PrivacyBlocked when moving forward into approved/published
    while the case (at `base_version`) still has findings no editor has overridden."""
    try:
        new = vocab.parse_status(new_status)
    except vocab.VocabError:
        new = new_status   # let the store refuse it with its own message
    if new in GATED:
        record = store.get_case(case_id)
        # Only the version the caller saw is judged; a newer one makes the store refuse as stale.
        if record.version == base_version and _is_forward(record.case.status, new):
            blocked = check_record(store, record)
            if blocked:
                raise PrivacyBlocked(case_id, new, blocked)
    return store.change_status(case_id, new_status, author=author, role=role, base_version=base_version, note=note)


def override_finding(store: "Store", case_id: str, field: str, finding: Finding, *, editor: str, reason: str,
                     role: str = "editor") -> None:
    """Record an editor's decision that this finding may stay (e.g. a public office's number).

    Refused unless the role is editor, a reason is given and the finding is really in that field now.
    """
    if role != "editor":
        who = next((r["name"] for r in vocab.app_roles() if r["id"] == role), role)
        raise StoreError(f"個人情報の指摘を「問題なし」にできるのは編集者だけです（{who}）")
    if not editor or not editor.strip():
        raise StoreError("判断した編集者の名前を入力してください")
    if not reason or not reason.strip():
        raise StoreError("「問題なし」と判断した理由を入力してください")
    record = store.get_case(case_id)
    fields = dict(record.case.text_fields())
    if field not in fields:
        raise StoreError(f"事例「{case_id}」に項目「{field}」はありません")
    if not any(f.kind == finding.kind and f.text == finding.text for f in find_pii(fields[field])):
        raise StoreError(f"項目「{field}」には指摘「{finding.text}」がありません（内容が変わった可能性があります）")
    store.record_override(case_id, field=field, kind=finding.kind, text=finding.text,
                          editor=editor.strip(), reason=reason.strip())


@dataclass(frozen=True)
class CheckRow:
    case_id: str
    ward: str
    status: str
    field: str
    finding: Finding
    suggestion: str
    overridden: bool


@dataclass(frozen=True)
class CheckReport:
    """Findings across the store, per case and field (what `workbench check` prints)."""
    cases_checked: int
    rows: tuple[CheckRow, ...]

    @property
    def open_rows(self) -> list[CheckRow]:
        return [r for r in self.rows if not r.overridden]

    @property
    def blocking(self) -> list[CheckRow]:
        """Unresolved findings in cases that are approved or published: these must not be there."""
        return [r for r in self.open_rows if r.status in GATED]


def check_store(store: "Store", *, ward=None, status=None) -> CheckReport:
    records = store.list_cases(ward=ward, status=status)
    rows: list[CheckRow] = []
    for record in records:
        case = record.case
        findings = case_findings(case)
        if not findings:
            continue
        allowed = {_key(o["field"], o["kind"], o["text"]) for o in store.overrides(case.id)}
        suggestions = case_suggestions(case, findings)
        for path, f in findings:
            rows.append(CheckRow(case.id, case.ward, case.status, path, f, suggestions.get(path, ""),
                                 _key(path, f.kind, f.text) in allowed))
    return CheckReport(len(records), tuple(rows))
