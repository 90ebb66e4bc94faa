"""The review side of a case: the advisor's comments (助言 / ポイント整理) and status moves
(mark reviewed, send back), the editor's approval or send-back with a reason, and the history of
versions with restore-as-a-new-version.

Only the moves `casebook.workflow.moves(user, record)` allows are shown, and every callback asks
casebook.workflow again (a script can press a hidden button). Status moves go through
`casebook.workflow.change_status`, so approval passes the privacy gate.

    panel = ReviewPanel(host)      host: a ReviewHost (the case form's app: store, record, user, …)
    history = HistoryPanel(host)
    panel.refresh(); history.refresh()

This module does not import the case form: the form imports it and hands itself over as the host.
"""

from __future__ import annotations

from typing import Protocol

import ipywidgets as w
from pydantic import TypeAdapter, ValidationError

from casebook import vocab, workflow
from casebook.identity import User
from casebook.model import AdvisorComment, Text, describe_errors
from widgets.common import (GButton, GDropdown, GTextarea, GToggleButtons, close_all, esc, format_time,
                            hbox, html, notice, pii_warnings, privacy_notice, screen_reader_name, tag, vbox)
from widgets.merge import differences, display_text, inline_diff

COMMENT_KINDS = [("助言", "advice"), ("ポイント整理", "key_points")]
COMMENT_LABEL = dict((v, k) for k, v in COMMENT_KINDS)
_REASON = TypeAdapter(Text)                     # a reason follows the case sheet's rule for free text

# The button a role sees for a move (from, to).
MOVE_LABELS = {
    ("draft", "submitted"): "提出する",
    ("submitted", "draft"): "差し戻す",
    ("submitted", "reviewed"): "助言済みにする",
    ("reviewed", "draft"): "差し戻す",
    ("reviewed", "approved"): "承認する",
    ("approved", "draft"): "差し戻す",
    ("approved", "published"): "公開する",
    ("published", "approved"): "公開を取り下げる",
    ("draft", "withdrawn"): "取り下げる",
    ("withdrawn", "draft"): "下書きに復元",
}
ACTION_LABELS = {"create": "作成", "save": "保存", "status": "状態の変更", "restore": "復元",
                 "comment": "助言者コメント", "import": "取り込み"}


class ReviewHost(Protocol):
    """What the review and history panels need from the page they sit in (widgets.case_form.CaseApp)."""

    store: object
    record: object            # casebook.store.CaseRecord | None
    user: User
    read_only: bool

    def can_edit(self) -> bool: ...
    def before_action(self) -> str | None: ...
    def after_action(self, record, message: str, *, reload_form: bool = False) -> None: ...
    def reload_after_refusal(self) -> None: ...


def reason_problem(text: str, label: str) -> str | None:
    """Why a typed reason cannot be recorded (a script can send any text to the textarea), or None.
    The case sheet's own rule for free text (casebook.model.Text) applies."""
    try:
        _REASON.validate_python(text)
    except ValidationError as exc:
        return "、".join(line.replace("入力: ", f"{label}: ", 1) for line in describe_errors(exc))
    return None


def comments_html(comments: list[AdvisorComment]) -> str:
    if not comments:
        return '<div class="wb-help">助言者コメントはまだありません</div>'
    parts = []
    for c in comments:
        parts.append(f'<div class="wb-comment"><div class="wb-comment-head">{esc(COMMENT_LABEL.get(c.kind, c.kind))}'
                     f' — {esc(c.advisor)}{f"（{format_time(c.created_at)}）" if c.created_at else ""}</div>'
                     f'<div class="wb-comment-body">{esc(c.text)}</div></div>')
    return "".join(parts)


class ReviewPanel:
    def __init__(self, host: ReviewHost):
        self.host = host
        self._actions_for: tuple | None = None   # (status, moves) the action buttons were made for
        self.status = html("", "wb-review-status")
        self.comments = html("", "wb-comments")
        self.message = html("", "wb-review-message")
        self.comment_kind = tag(GToggleButtons(options=COMMENT_KINDS, value="advice"), "wb-comment-kind")
        self.comment_text = tag(GTextarea(placeholder="助言・ポイント整理を入力", layout=w.Layout(width="100%",
                                                                                             height="7em")),
                                "wb-comment-text")
        self.comment_button = tag(GButton(description="コメントを追加", button_style="primary"), "wb-comment-add")
        self.comment_button.on_click(lambda _: self.add_comment())
        self.comment_privacy = html("", "wb-comment-privacy")   # the approval gate reads comments too
        self.comment_text.observe(lambda change: setattr(self.comment_privacy, "value",
                                                         privacy_notice(pii_warnings(change["new"]))), names="value")
        self.comment_box = tag(w.VBox([html('<div class="wb-label">助言者コメントを書く</div>'), self.comment_kind,
                                       self.comment_text, self.comment_privacy, self.comment_button]),
                               "wb-comment-form")
        self.reason = tag(GTextarea(placeholder="差し戻す理由（差し戻すときは必須）",
                                    layout=w.Layout(width="100%", height="4em")), "wb-move-reason")
        self.actions = hbox([], "wb-moves")
        self.findings = vbox([], "wb-gate-findings")
        for widget in (self.comment_kind, self.comment_text, self.reason):
            widget.on_refused(lambda _w, msg: self._say(msg, "error"))
        self.widget = tag(w.VBox([self.status, html('<h3>助言者コメント</h3>'), self.comments, self.comment_box,
                                  html('<h3>状態の変更</h3>'), self.reason, self.actions, self.message,
                                  self.findings]), "wb-review")

    # --- view ----------------------------------------------------------------------------------

    def refresh(self) -> None:
        record, user = self.host.record, self.host.user
        if record is None:
            self.status.value = notice("保存すると、提出・助言・承認ができるようになります。", "info")
            self.comments.value = ""
            self.comment_box.layout.display = "none"
            self._set_actions([])
            self.reason.layout.display = "none"
            return
        status = record.case.status
        self.status.value = (f'<div>状態: <span class="wb-badge wb-status-badge">{esc(vocab.status_label(status))}'
                             f'</span>（版 {record.version}）</div>')
        self.comments.value = comments_html(record.case.comments)
        self.comment_box.layout.display = "flex" if self._may_comment() else "none"
        moves = [] if self.host.read_only else workflow.moves(user, record)
        self._set_actions(moves)
        self.reason.layout.display = ("flex" if any(workflow.move_needs_reason(user, status, m) for m in moves)
                                      else "none")

    def _set_actions(self, moves: list[str]) -> None:
        status = self.host.record.case.status if self.host.record else ""
        if self._actions_for == (status, tuple(moves)):
            return  # same moves: keep the buttons, so a click right after a comment is not lost on a closed one
        self._actions_for = (status, tuple(moves))
        old = list(self.actions.children)
        buttons = []
        for new in moves:
            back = vocab.STATUS_IDS.index(new) < vocab.STATUS_IDS.index(status) or new == "withdrawn"
            button = tag(GButton(description=MOVE_LABELS.get((status, new), vocab.status_label(new)),
                                 button_style="warning" if back else "success"), "wb-move", f"wb-move-{new}")
            button.on_click(lambda _, new=new: self.move(new))
            buttons.append(button)
        self.actions.children = buttons
        close_all(old)

    def _say(self, text: str | list[str], kind: str = "info") -> None:
        self.message.value = notice(text, kind)

    def _may_comment(self) -> workflow.Decision:
        if self.host.read_only:
            return workflow.Decision(False, "閲覧のみのページではコメントを追加できません")
        return workflow.may_comment(self.host.user, self.host.record)

    # --- actions (each re-checks the role: hidden buttons can still be pressed by a script) --------

    def add_comment(self) -> None:
        from casebook.store import StoreError

        decision = self._may_comment()
        if not decision:
            return self._say(decision.reason, "error")
        kind = self.comment_kind.value
        if kind not in COMMENT_LABEL:
            return self._say("コメントの種類を選んでください", "error")
        try:
            comment = AdvisorComment(kind=kind, advisor=self.host.user.name, text=self.comment_text.value)
        except ValueError as exc:
            return self._say(describe_errors(exc), "error")
        try:
            record = self.host.store.add_comment(self.host.record.case.id, comment,
                                                 base_version=self.host.record.version)
        except StoreError as exc:
            self._say(str(exc), "error")
            self.host.reload_after_refusal()
            return
        self.comment_text.value = ""
        self.host.after_action(record, f"{COMMENT_LABEL[kind]}を追加しました（版 {record.version}）")
        self._say(f"{COMMENT_LABEL[kind]}を追加しました（版 {record.version}）", "ok")

    def move(self, new: str) -> None:
        from casebook.store import StoreError

        record, user = self.host.record, self.host.user
        if record is None or self.host.read_only:
            return self._say("このページではその操作はできません", "error")
        decision = workflow.may_move(user, record, new)
        if not decision:
            return self._say(decision.reason, "error")
        note = self.reason.value.strip()
        if workflow.move_needs_reason(user, record.case.status, new) and not note:
            return self._say("差し戻す理由を入力してください", "error")
        problem = reason_problem(note, "差し戻す理由")
        if problem:
            return self._say(problem, "error")
        problem = self.host.before_action()
        if problem:
            return self._say(problem, "error")
        record = self.host.record
        try:
            updated = workflow.change_status(self.host.store, record.case.id, new, author=user.name,
                                             role=user.role, base_version=record.version, note=note)
        except StoreError as exc:
            self._say(str(exc).splitlines()[:1], "error")
            self._show_findings(exc)
            if not getattr(exc, "blocked", None):
                self.host.reload_after_refusal()
            return
        self.reason.value = ""
        self._clear_findings()
        done = f"状態を「{vocab.status_label(new)}」にしました（版 {updated.version}）"
        self.host.after_action(updated, done)
        self._say(done, "ok")

    # --- the privacy gate's findings, and an editor's recorded override --------------------------

    def _clear_findings(self) -> None:
        old = list(self.findings.children)
        self.findings.children = []
        close_all(old)

    def _show_findings(self, exc: Exception) -> None:
        """The privacy gate's findings (casebook.workflow.PrivacyBlocked.blocked), with overrides for an editor."""
        from casebook.model import field_label

        self._clear_findings()
        blocked = getattr(exc, "blocked", None) or []
        if not blocked:
            return
        rows = [w.HTML(notice("公開前の確認で、個人が特定される情報の可能性が見つかりました。"
                              "本文を匿名化して保存するか、問題がないと判断した項目は理由を記録してください。", "warn"))]
        for item in blocked:
            finding = item.finding
            line = w.HTML(f'<div><b>{esc(field_label(item.field))}</b> — {esc(finding.label)}「{esc(finding.text)}」'
                          f'<div class="wb-help">修正案: {esc(item.suggestion)}</div></div>')
            if workflow.may_override(self.host.user) and not self.host.read_only:
                reason = tag(GTextarea(placeholder="問題がないと判断した理由", layout=w.Layout(width="60%", height="3em")),
                             "wb-override-reason")
                button = tag(GButton(description="理由を記録して許可"), "wb-override")
                button.on_click(lambda _, item=item, reason=reason: self.override(item, reason.value))
                rows.append(tag(w.VBox([line, w.HBox([reason, button])]), "wb-gate-finding"))
            else:
                rows.append(tag(w.VBox([line]), "wb-gate-finding"))
        self.findings.children = rows

    def override(self, item, reason: str) -> None:
        from casebook.store import StoreError

        decision = workflow.may_override(self.host.user)
        if not decision:
            return self._say(decision.reason, "error")
        if self.host.read_only or self.host.record is None:
            return self._say("このページでは許可を記録できません", "error")
        if not reason.strip():
            return self._say("許可する理由を入力してください", "error")
        problem = reason_problem(reason, "許可する理由")
        if problem:
            return self._say(problem, "error")
        try:
            workflow.override_finding(self.host.store, self.host.record.case.id, item.field, item.finding,
                                      editor=self.host.user.name, reason=reason, role=self.host.user.role)
        except StoreError as exc:
            return self._say(str(exc), "error")
        self._say(f"「{item.finding.text}」を問題なしと記録しました。すべて記録したら、もう一度操作してください。", "ok")


class HistoryPanel:
    """Every version of the case; look at an older one against the current, restore it as a new version."""

    def __init__(self, host: ReviewHost):
        self.host = host
        self.table = html("", "wb-history")
        self.version = tag(GDropdown(options=[], layout=w.Layout(width="22em")), "wb-history-version")
        screen_reader_name(self.version, "版を選ぶ")
        self.show_button = tag(GButton(description="この版を見る"), "wb-history-show")
        self.restore_button = tag(GButton(description="この版に戻す（新しい版として保存）", button_style="warning"),
                                  "wb-history-restore")
        self.preview = html("", "wb-diff", "wb-history-preview")
        self.message = html("", "wb-history-message")
        self.version.on_refused(lambda _w, msg: self._say(msg, "error"))
        self.show_button.on_click(lambda _: self.show())
        self.restore_button.on_click(lambda _: self.restore())
        self.widget = tag(w.VBox([self.table, hbox([self.version, self.show_button, self.restore_button]),
                                  self.message, self.preview]), "wb-history-panel")

    def _say(self, text: str, kind: str = "info") -> None:
        self.message.value = notice(text, kind)

    def refresh(self) -> None:
        record = self.host.record
        if record is None:
            self.table.value = '<div class="wb-help">まだ版はありません</div>'
            self.version.options = []
            self.restore_button.layout.display = "none"
            return
        entries = self.host.store.history(record.case.id)
        rows = "".join(
            f"<tr><td>版 {e.version}</td><td>{format_time(e.saved_at)}</td><td>{esc(e.saved_by)}</td>"
            f"<td>{esc(ACTION_LABELS.get(e.action, e.action))}</td><td>{esc(vocab.status_label(e.status))}</td>"
            f"<td>{esc(e.note)}</td></tr>" for e in reversed(entries[-100:]))
        self.table.value = ("<table><tr><th>版</th><th>日時</th><th>保存した人</th><th>操作</th><th>状態</th>"
                            f"<th>メモ</th></tr>{rows}</table>")
        older = [e for e in reversed(entries) if e.version != record.version]
        self.version.options = [(f"版 {e.version} — {format_time(e.saved_at)} {e.saved_by}", e.version) for e in older]
        self.restore_button.layout.display = "flex" if self.host.can_edit() else "none"
        self.preview.value = ""

    def show(self) -> None:
        record, version = self.host.record, self.version.value
        if record is None or version is None:
            return
        from casebook.store import StoreError
        try:
            old = self.host.store.case_at(record.case.id, version).model_dump(mode="json")
        except StoreError as exc:
            return self._say(str(exc), "error")
        current = record.case.model_dump(mode="json")
        paths = differences(old, current)
        if not paths:
            self.preview.value = notice(f"版 {version} と現在の版の内容は同じです", "info")
            return
        from widgets.merge import flatten
        from casebook.model import field_label
        a, b = flatten(old), flatten(current)
        rows = "".join(f"<tr><th>{esc(field_label(p))}</th><td>{esc(display_text(p, a.get(p)))}</td>"
                       f"<td>{inline_diff(display_text(p, a.get(p)), display_text(p, b.get(p)))}</td></tr>"
                       for p in paths)
        self.preview.value = (f"<table><tr><th>項目</th><th>版 {version}</th><th>現在（版 {record.version}）"
                              f"との違い</th></tr>{rows}</table>")

    def restore(self) -> None:
        from casebook.store import StoreError

        record, version = self.host.record, self.version.value
        if record is None or version is None or not self.host.can_edit():
            return self._say("この役割・状態では復元できません", "error")
        problem = self.host.before_action()
        if problem:
            return self._say(problem, "error")
        try:
            restored = self.host.store.restore(record.case.id, version, author=self.host.user.name,
                                               base_version=self.host.record.version)
        except StoreError as exc:
            self._say(str(exc), "error")
            self.host.reload_after_refusal()
            return
        done = f"版 {version} の内容を版 {restored.version} として復元しました"
        self.host.after_action(restored, done, reload_form=True)
        self._say(done, "ok")
