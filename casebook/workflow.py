"""The case status workflow with the privacy gate, and who may read, edit and move a case.

A draft may hold real details (the form only warns). Moving a case forward to 承認済み (approved) or
公開中 (published) needs zero findings, or an editor's recorded override for each remaining one
(same field, kind and text). A send-back (published → approved, anything → draft) is never
blocked: withdrawing a case must always be possible. The casebook build and the publish step call
`gate()` and refuse any case it returns findings for.

Rights (the apps ask these; each answer is a `Decision` whose `reason` says in Japanese why not):

    may_read(user, case_or_record)               a ward's staff read their own ward's cases only
    may_create(user)                             staff and editors start new cases
    may_edit(user, record=None, field=None, *, status=None)
                                                 the sheet: staff at 下書き, editors up to 承認済み, advisors
                                                 never; field "ward" is fixed for a ward's staff,
                                                 field "comments" is `may_comment`
    may_comment(user, record)                    advisors, at 提出済み / 助言済み
    may_move(user, record, new_status)           the moves statuses.yaml gives the user's role; a draft
                                                 is withdrawn (取り下げ) or restored by its author or an editor
    moves(user, record) -> [status]              every move may_move allows, in the vocabulary's order
    move_needs_reason(user, current, new)        a send-back by an advisor or editor says why
    may_override(user)                           only an editor records that a privacy finding may stay
    may_assign_ward(user, ward) / own_ward(user) the ward a user's cases are kept in
    worklist(user) -> dict | None                which cases a start page lists (store.list_cases kwargs)
    may_facilitate(user, session_id)             a session's board is its facilitator's
    may_analyse(user, statuses)                  cross-case analysis: published cases for anyone,
                                                 unpublished ones for signed-in advisors and editors

`user` is a `casebook.identity.User`; `Decision.require()` raises `casebook.errors.PermissionDenied`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Iterable

from casebook import vocab
from casebook.errors import PermissionDenied
from casebook.privacy import Finding, case_findings, case_suggestions, find_pii
from casebook.store import StoreError

if TYPE_CHECKING:
    from casebook.identity import User
    from casebook.model import Case
    from casebook.store import CaseRecord, Store

GATED = ("approved", "published")
WITHDRAWN = "withdrawn"     # a draft never submitted, taken back by its author or an editor (restorable)
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
    refused = _override_refusal(role)
    if refused:
        raise StoreError(refused)
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


# --- who may do what ----------------------------------------------------------------------------------

EDIT_STATUSES = {"staff": ("draft",), "editor": ("draft", "submitted", "reviewed", "approved")}
COMMENT_STATUSES = ("submitted", "reviewed")   # when an advisor may add comments
CREATE_ROLES = ("staff", "editor")
READ_ROLES = ("staff", "advisor", "editor", "facilitator")   # a facilitator's board shows the session's cases
WORKLIST_STATUSES = {"advisor": ["submitted", "reviewed"], "editor": ["submitted", "reviewed", "approved", "published"]}


@dataclass(frozen=True)
class Decision:
    """An answer to "may this user …?": truthy when allowed; otherwise `reason` says why, in Japanese."""
    allowed: bool
    reason: str = ""
    record: str | None = None

    def __bool__(self) -> bool:
        return self.allowed

    def require(self) -> None:
        """Raise PermissionDenied (with the reason) unless allowed."""
        if not self.allowed:
            raise PermissionDenied(self.reason, record=self.record)


ALLOWED = Decision(True)


def _label(role: str) -> str:
    from casebook.identity import role_label

    return role_label(role)


def _statuses(ids) -> str:
    return "・".join(f"「{vocab.status_label(s)}」" for s in ids)


def _case_of(case_or_record):
    return getattr(case_or_record, "case", case_or_record)


def own_ward(user: "User") -> str:
    """The ward every case this user writes is kept in: a ward's staff write their own ward's cases.
    "" = any ward (editors; staff whose ward is not known)."""
    return user.ward if user.role == "staff" else ""


def may_read(user: "User", case_or_record) -> Decision:
    case = _case_of(case_or_record)
    if user.role not in READ_ROLES:
        return Decision(False, f"{_label(user.role)}は事例シートを開けません", case.id)
    ward = own_ward(user)
    if ward and case.ward != ward:
        return Decision(False, f"この事例は{case.ward}の事例です（{ward}の職員は{ward}の事例だけを開けます）", case.id)
    return ALLOWED


def may_create(user: "User") -> Decision:
    if user.role in CREATE_ROLES:
        return ALLOWED
    if user.role == "advisor":
        return Decision(False, "助言者は事例番号（case_id）を指定して開いてください（新しい事例は作成できません）")
    return Decision(False, f"{_label(user.role)}は新しい事例を作成できません")


def may_edit(user: "User", record=None, field: str | None = None, *, status: str | None = None) -> Decision:
    """May the user change the case sheet (or one `field` of it) of `record` (None: a new case),
    at its current status or, when given, at `status`?"""
    if field == "comments":
        return may_comment(user, record)
    case_id = record.case.id if record is not None else None
    if record is None and status is None:
        decision = may_create(user)
        if not decision:
            return decision
    else:
        if record is not None:
            decision = may_read(user, record)
            if not decision:
                return decision
        status = status or record.case.status
        statuses = EDIT_STATUSES.get(user.role)
        if statuses is None:
            if user.role == "advisor":
                return Decision(False, "助言者は事例シートの内容を編集できません（助言・ポイント整理はコメントとして書けます）",
                                case_id)
            return Decision(False, f"{_label(user.role)}は事例シートを編集できません", case_id)
        if status not in statuses:
            return Decision(False, f"{_label(user.role)}が編集できるのは{_statuses(statuses)}の事例です"
                                   f"（この事例は「{vocab.status_label(status)}」です）", case_id)
    ward = own_ward(user)
    if field == "ward" and ward:
        return Decision(False, f"{ward}の職員の事例は{ward}の事例として保存されます（区は変えられません）", case_id)
    return ALLOWED


def may_assign_ward(user: "User", ward: str | None) -> Decision:
    """May a case of this user's be kept under `ward`?"""
    own = own_ward(user)
    if own and ward != own:
        return Decision(False, f"{own}の職員は{own}の事例だけを扱えます")
    return ALLOWED


def may_comment(user: "User", record) -> Decision:
    """Advisors add 助言 / ポイント整理 to a submitted or reviewed case."""
    if record is None:
        return Decision(False, "保存前の事例にはコメントを追加できません")
    case_id = record.case.id
    if user.role != "advisor":
        return Decision(False, f"{_label(user.role)}はコメントを追加できません（助言者が書きます）", case_id)
    status = record.case.status
    if status not in COMMENT_STATUSES:
        return Decision(False, f"「{vocab.status_label(status)}」の事例にはコメントを追加できません"
                               f"（助言者が書けるのは{_statuses(COMMENT_STATUSES)}の事例です）", case_id)
    return may_read(user, record)


def may_move(user: "User", record, new_status: str) -> Decision:
    """May the user move the case from its status to `new_status` (statuses.yaml's moves for the role)?"""
    decision = may_read(user, record)
    if not decision:
        return decision
    case_id = record.case.id
    try:
        new = vocab.parse_status(new_status)
    except vocab.VocabError as exc:
        return Decision(False, f"その操作はできません（{exc}）", case_id)
    current = record.case.status
    if WITHDRAWN in (current, new) and user.role == "staff" and record.created_by != user.name:
        return Decision(False, "下書きの取り下げと復元は、その事例を書いた人か編集者が行います"
                               f"（この事例を書いた人: {record.created_by}）", case_id)
    if vocab.allowed_transition(current, new, user.role):
        return ALLOWED
    if not vocab.allowed_transition(current, new):
        options = _statuses(vocab.next_statuses(current)) or "なし"
        return Decision(False, f"その操作はできません（「{vocab.status_label(current)}」から"
                               f"「{vocab.status_label(new)}」へは変更できません。変更できる先: {options}）", case_id)
    who = "・".join(_label(r) for t in vocab.transitions() if t["from"] == current and t["to"] == new
                   for r in t["by"])
    return Decision(False, f"その操作はできません（「{vocab.status_label(current)}」から「{vocab.status_label(new)}」"
                           f"への変更は{who}が行います）", case_id)


def moves(user: "User", record) -> list[str]:
    """The statuses the user may move the case to, in the order statuses.yaml lists the moves."""
    if record is None:
        return []
    return [new for new in vocab.next_statuses(record.case.status) if may_move(user, record, new)]


def move_needs_reason(user: "User", current: str, new: str) -> bool:
    """A send-back (to an earlier status) by someone other than the author says why."""
    if WITHDRAWN in (current, new):   # taking back a stray draft, or restoring it, is not a send-back
        return False
    return _ORDER.get(new, -1) < _ORDER.get(current, -1) and user.role in ("advisor", "editor")


def _override_refusal(role: str | None) -> str:
    if role == "editor":
        return ""
    return f"個人情報の指摘を「問題なし」にできるのは編集者だけです（{_label(role or '')}）"


def may_override(user: "User") -> Decision:
    """Only an editor records that a privacy finding may stay (see `override_finding`)."""
    refused = _override_refusal(user.role)
    return Decision(False, refused) if refused else ALLOWED


def worklist(user: "User") -> dict | None:
    """Which cases a start page lists, as keyword arguments for `Store.list_cases`; None: no list.

    A ward's staff see their ward's cases; advisors and editors the cases waiting for them (a ward
    given narrows the list)."""
    if user.role == "staff":
        return {"ward": user.ward, "status": None} if user.ward else None
    statuses = WORKLIST_STATUSES.get(user.role)
    if statuses is None:
        return None
    return {"ward": user.ward or None, "status": list(statuses)}


def may_facilitate(user: "User", session_id: str) -> Decision:
    """A session's board (timer, pins, summary, closing) is for that session's facilitator."""
    if user.role == "facilitator" and user.session == session_id:
        return ALLOWED
    return Decision(False, "このページはファシリテーター用です。参加者用のページを開いてください。")


def may_run_session(user: "User", session) -> Decision:
    """A signed-in facilitator runs the sessions that name them as facilitator (an editor any session)."""
    if user.role == "editor" or (user.role == "facilitator" and session.facilitator
                                 and session.facilitator == user.name):
        return ALLOWED
    if user.role == "facilitator":
        return Decision(False, f"研修会「{session.title}」のファシリテーターは {session.facilitator or '未設定'} さんです"
                               "（自分が担当する研修会だけを開けます）")
    return Decision(False, "このページはファシリテーター用です。参加者用のページを開いてください。")


def may_take_part(user: "User", session) -> Decision:
    """A participant (joined by code) takes part in that session only, until it closes."""
    if session.closed:
        return Decision(False, f"研修会「{session.title}」は終了しました。入力は受け付けていません。")
    if user.role == "participant" and user.session == session.id:
        return ALLOWED
    if may_run_session(user, session):
        return ALLOWED
    return Decision(False, "この研修会に参加するには、会場で示された参加コードを入力してください。")


ANALYSE_ROLES = ("advisor", "editor")   # who reads many unpublished cases together


def may_analyse(user: "User", statuses: Iterable[str]) -> Decision:
    """May the user analyse cases of these statuses together (casebook.analysis, `workbench analyse`)?

    Published cases are for everyone. Unpublished ones (drafts to approved) hold details not yet
    anonymised: only a signed-in (named) advisor or editor reads them across wards. The CLI is the
    editor's tool on the server and asks as an editor; the API asks with the signed-in user."""
    unpublished = [s for s in statuses if s != "published"]
    if not unpublished:
        return ALLOWED
    labels = _statuses(unpublished)
    if user.role not in ANALYSE_ROLES:
        return Decision(False, f"{_label(user.role)}は{labels}の事例を横断分析できません"
                               f"（公開中の事例だけを分析できます。未公開の事例は助言者と編集者が分析します）")
    if not user.name or not user.name.strip():
        return Decision(False, f"{labels}の事例を分析するにはサインインしてください")
    return ALLOWED
