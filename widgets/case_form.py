"""The case-analysis form (事例分析シート): every section of the case sheet in Japanese, grouped in
tabs the way the paper sheet is, with validation beside each field, privacy warnings as a person
types, a support-timeline editor, an ecomap editor, draft autosave, an explicit 保存, conflict
merge, and the review / history panels.

    show_case_app(case_id="", ward="", author="", role="staff", read_only=False)   # the notebook's one call
    app = CaseApp(user, store=store, case_id="", read_only=False)   # user: casebook.identity.User
    app.save() -> bool; app.form.values(); app.record (CaseRecord | None)

Who is asking comes in as a `casebook.identity.User` (today read from the URL by casebook.identity's
development mode); what they may do is asked of `casebook.workflow` (may_read / may_edit / may_move).
Every check runs here in Python, never only in the browser: values sent by a script over the kernel
socket reach the same callbacks (see widgets/common.py's guarded widgets).
"""

from __future__ import annotations

import json
import os
from typing import Any

import ipywidgets as w

from casebook import identity, vocab, workflow
from casebook.errors import WorkbenchError
from casebook.identity import User
from casebook.model import Case, field_label
from widgets.common import (Debouncer, GButton, SaveStatus, esc, format_time, hbox, html, notice, section_links,
                            stylesheet, tag, vbox)
from widgets.case_sheet import (NEW_ID, CaseForm, _get, _put, check_case, errors_by_path, fiscal_year_options,  # noqa: F401
                                 leaf_label)
from widgets.merge import ConflictPanel
from widgets.review import HistoryPanel, ReviewPanel
from widgets.similar import SimilarPanel

AUTOSAVE_DELAY = 3.0          # seconds after typing stops


# --- the app: form + store + review -----------------------------------------------------------------

class CaseApp:
    """One person's page on one case (or a new one)."""

    def __init__(self, user: User, *, store, case_id: str = "", read_only: bool = False,
                 autosave_delay: float = AUTOSAVE_DELAY):
        """Refused with a WorkbenchError (PermissionDenied, NotFoundError) when the page cannot be shown."""
        self.user, self.store, self.read_only = user, store, read_only
        self.record = None
        self.in_conflict = False
        self.attempted = False       # after a save attempt, show every field's message
        self.status = SaveStatus()
        self.title = html("", "wb-title")
        self.notice = html("", "wb-app-notice")
        self.problems = html("", "wb-form-problems")
        self.save_button = tag(GButton(description="保存", button_style="primary", icon="",
                                       tooltip="入力内容を保存します（新しい版になります）"), "wb-save")
        self.save_button.on_click(lambda _: self.save())
        self.form = CaseForm(self._changed, fixed_ward=workflow.own_ward(user))
        self.conflict = ConflictPanel(on_merge=self.save_merged, on_discard=self.discard_mine)
        self.review = ReviewPanel(self)
        self.history = HistoryPanel(self)
        self.similar = SimilarPanel(self)
        self.autosave = Debouncer(autosave_delay, self._autosave)
        self.js = w.Output(layout=w.Layout(display="none"))

        if case_id:
            record = store.get_case(case_id)
            workflow.may_read(user, record).require()
            self.record = record
            self.form.load(record.case.model_dump(mode="json"))
        else:
            workflow.may_create(user).require()   # an advisor's page always names a case
            self.form.load({"id": NEW_ID, "ward": user.ward or None})
        self.saved_data = self.form.values()

        tabs = w.Tab(children=[*self.form.sections, self.review.widget, self.history.widget, self.similar.widget],
                     titles=[*self.form.titles, "助言・承認", "履歴", "似ている事例"])
        tabs.observe(lambda change: self.form.ensure_built(change["new"]), names="selected_index")
        self.tabs = tag(tabs, "wb-tabs")
        self.sections = section_links(tabs)
        toolbar = vbox([hbox([self.save_button, self.status.html]), self.problems], "wb-toolbar")
        self.widget = tag(w.VBox([stylesheet(), self.title, self.notice, toolbar, self.conflict.widget,
                                  self.sections, self.tabs, self.js]), "wb-app", "wb-case-app")
        self._refresh_all()
        if self.record is not None:
            self.status.loaded(self.record.version, self.record.updated_at, self.record.updated_by)

    # --- who may do what (casebook.workflow decides) --------------------------------------------------

    @property
    def role(self) -> str:
        return self.user.role

    @property
    def author(self) -> str:
        return self.user.name

    def may_edit(self, status: str | None = None) -> workflow.Decision:
        """May this person change the case's content (at its current status, or at `status`)? With why not."""
        if self.read_only:
            return workflow.Decision(False, "閲覧のみのページです")
        return workflow.may_edit(self.user, self.record, status=status)

    def can_edit(self, status: str | None = None) -> bool:
        return self.may_edit(status).allowed

    def dirty(self) -> bool:
        return self.form.values() != self.saved_data

    # --- change → validation, autosave ---------------------------------------------------------------

    def _changed(self) -> None:
        data = self._data()
        _, errors = check_case(data)
        errors = {**errors, **self._extra_errors(data)}
        general = self.form.show_errors(errors, everywhere=self.attempted)
        self.problems.value = notice(general, "error") if general else ""
        if not self.can_edit():
            return
        if self.form.values() != self.saved_data:
            self.status.dirty()
            if not self.in_conflict:
                self.autosave.poke()

    def _data(self, form_values: dict | None = None) -> dict:
        """The case to save: the form's sections + what the form does not edit (id, status, comments)."""
        data = form_values if form_values is not None else self.form.values()
        if self.record is not None:
            base = self.record.case.model_dump(mode="json")
            return {**data, "id": base["id"], "status": base["status"], "comments": base["comments"]}
        return {**data, "id": NEW_ID, "status": "draft", "comments": []}

    def _extra_errors(self, data: dict) -> dict[str, list[str]]:
        """Rules the model does not know (casebook.workflow): a ward's staff write their own ward's cases."""
        decision = workflow.may_assign_ward(self.user, data.get("ward"))
        return {} if decision else {"ward": [decision.reason]}

    def _autosave(self) -> None:
        if self.in_conflict or not self.can_edit() or not self.dirty():
            return
        data = self._data()
        case, errors = check_case(data)
        if case is None or self._extra_errors(data):
            self.status.waiting("入力の誤りを直すと自動保存されます（" + "、".join(
                field_label(p) for p in list(errors)[:3]) + "）")
            return
        self.save(auto=True)

    # --- saving --------------------------------------------------------------------------------------

    def save(self, *, auto: bool = False) -> bool:
        from casebook.store import StaleVersionError, StoreError

        self.autosave.cancel()
        decision = self.may_edit()
        if not decision:
            self.status.failed(decision.reason)
            return False
        form_values = self.form.values()
        if self.record is not None and form_values == self.saved_data and not self.in_conflict:
            self.status.unchanged()  # an explicit 保存 with nothing new does not make an empty version
            return True
        data = self._data(form_values)
        case, errors = check_case(data)
        errors = {**errors, **self._extra_errors(data)}
        if errors:
            self.attempted = True
            general = self.form.show_errors(errors, everywhere=True)
            self.problems.value = notice(general, "error") if general else ""
            self.status.failed(f"入力に誤りがあります（{len(errors)} 件）。各項目の横の説明を見て直してください。"
                               "入力内容は画面に残っています。")
            return False
        try:
            record = self._write(case)
        except StaleVersionError as exc:
            self._show_conflict(str(exc), form_values)
            return False
        except StoreError as exc:
            self.status.failed(f"{exc}（入力内容は画面に残っています）")
            return False
        self._saved(record, form_values, auto=auto)
        return True

    def _write(self, case: Case):
        from casebook.store import DuplicateError

        if self.record is not None:
            return self.store.save_case(case, author=self.author, base_version=self.record.version, role=self.role)
        for _attempt in range(5):  # another page may take the same next number at the same moment
            case_id = self.store.next_case_id(case.ward, case.fiscal_year)
            try:
                return self.store.create_case(case.model_copy(update={"id": case_id}), author=self.author)
            except DuplicateError:
                continue
        raise DuplicateError("事例番号を決められませんでした。もう一度保存してください")

    def _saved(self, record, form_values: dict, *, auto: bool) -> None:
        created = self.record is None
        self.record = record
        self.saved_data = form_values
        self.in_conflict = False
        self.conflict.hide()
        if created:  # the address first, so a reload right after the confirmation reopens this case
            self._set_url(record.case.id)
            self.form.case_number.value = (f'<div class="wb-label">事例番号: <span class="wb-case-id">'
                                           f'{esc(record.case.id)}</span></div>')
        self.status.saved(record.version, record.updated_at, record.updated_by, auto=auto)
        self._refresh_all()

    def _set_url(self, case_id: str) -> None:
        """After the first save the address carries the case number, so reloading reopens this case."""
        from IPython.display import Javascript, display

        query = json.dumps(identity.case_url(identity.CasePage(self.user, case_id, self.read_only)))
        with self.js:
            display(Javascript(f"window.history.replaceState(null, '', {query});"))

    # --- conflicts -----------------------------------------------------------------------------------

    def _show_conflict(self, message: str, form_values: dict) -> None:
        from casebook.store import NotFoundError

        self.in_conflict = True
        self.autosave.cancel()
        self.status.failed(message)
        try:
            current = self.store.get_case(self.record.case.id)
        except NotFoundError as exc:
            self.status.failed(str(exc))
            return
        base = self._data(self.saved_data) if self.record is not None else None
        self.conflict.show(message, self._data(form_values), current.case.model_dump(mode="json"), current.version,
                           base=base)

    def save_merged(self, merged: dict, stored_version: int) -> None:
        from casebook.store import NotFoundError, StaleVersionError, StoreError

        if not self.in_conflict or self.record is None:
            return
        try:
            current = self.store.get_case(self.record.case.id)
        except NotFoundError as exc:
            self.status.failed(f"{exc}（入力内容は画面に残っています）")
            return
        form_values = self.form.values()
        if self._data(form_values) != self.conflict.mine:  # typed after the comparison was drawn: never drop it
            return self._show_conflict("見比べている間に入力が変わりました。変わった内容で見比べ直してください。",
                                       form_values)
        if current.version != stored_version:
            return self._show_conflict(f"見比べている間に、さらに {current.updated_by} さんが保存しました（版 "
                                       f"{current.version}）。もう一度見比べてください。", self.form.values())
        if not self.can_edit(current.case.status):
            self.status.failed(f"この事例は「{vocab.status_label(current.case.status)}」になったため、この役割では"
                               "編集できません。入力内容は画面に残っています。")
            return
        case, errors = check_case(merged)
        if case is None:
            self.status.failed("統合した内容に誤りがあります: " + " / ".join(
                f"{field_label(p)}: {m[0]}" for p, m in errors.items()))
            return
        try:
            record = self.store.save_case(case, author=self.author, base_version=stored_version, role=self.role)
        except StaleVersionError as exc:
            return self._show_conflict(str(exc), self.form.values())
        except StoreError as exc:
            self.status.failed(str(exc))
            return
        self.form.load(record.case.model_dump(mode="json"))
        self._saved(record, self.form.values(), auto=False)
        self.notice.value = notice(f"統合して版 {record.version} として保存しました", "ok")

    def discard_mine(self) -> None:
        if self.record is None or not self.in_conflict:  # the panel's Layout can be shown by a script
            return
        self.record = self.store.get_case(self.record.case.id)
        self.form.load(self.record.case.model_dump(mode="json"))
        self.saved_data = self.form.values()
        self.in_conflict = False
        self.conflict.hide()
        self.status.loaded(self.record.version, self.record.updated_at, self.record.updated_by)
        self._refresh_all()

    # --- hooks for the review and history panels ------------------------------------------------------

    def before_action(self) -> str | None:
        """Save pending edits before a status move or a restore; a message when that is not possible."""
        if self.in_conflict:
            return "先に「保存が重なりました」の欄で入力内容を統合してください"
        if self.can_edit() and self.dirty():
            if not self.save():
                return "未保存の入力を保存できなかったため、操作を中止しました（入力内容は画面に残っています）"
        return None

    def after_action(self, record, message: str, *, reload_form: bool = False) -> None:
        self.record = record
        if reload_form or not self.dirty():
            self.form.load(record.case.model_dump(mode="json"))
            self.saved_data = self.form.values()
        self.status.saved(record.version, record.updated_at, record.updated_by)
        self.notice.value = notice(message, "ok")
        self._refresh_all()

    def reload_after_refusal(self) -> None:
        from casebook.store import NotFoundError

        if self.record is None or self.dirty():
            return
        try:
            self.record = self.store.get_case(self.record.case.id)
        except NotFoundError:
            return
        self.form.load(self.record.case.model_dump(mode="json"))
        self.saved_data = self.form.values()
        self.status.loaded(self.record.version, self.record.updated_at, self.record.updated_by)
        self._refresh_all()

    def _refresh_all(self) -> None:
        decision = self.may_edit()
        editable = decision.allowed
        self.form.set_disabled(not editable)
        self.save_button.layout.display = "inline-flex" if editable else "none"
        role_name = self.user.role_label
        case = self.record.case if self.record else None
        head = esc(case.title) if case else "新しい事例"
        sub = [f"{esc(self.author) or '（閲覧）'}（{esc(role_name)}）"]
        if case:
            sub += [esc(case.ward), esc(case.fiscal_year_label), f"状態: {esc(vocab.status_label(case.status))}"]
        if not editable:
            sub.append("閲覧のみ" if self.read_only else esc(decision.reason))
        self.title.value = (f'<h2>事例分析シート — {head}</h2><div class="wb-subtitle">{" ・ ".join(sub)}</div>')
        self.review.refresh()
        self.history.refresh()


def refusal_widget(lines: list[str]) -> w.Widget:
    return tag(w.VBox([stylesheet(), html("<h2>事例分析シート</h2>"),
                       tag(w.HTML(notice(lines, "error")), "wb-refusal")]), "wb-app")


def case_list_widget(store, page: identity.CasePage) -> w.Widget:
    """Links to the cases waiting for this person (casebook.workflow.worklist), on a page with no case_id."""
    records = store.list_cases(**(workflow.worklist(page.user) or {}))
    records = [r for r in records if workflow.may_read(page.user, r)]
    rows = "".join(
        f'<tr><td><a href="{esc(identity.case_url(page, case_id=r.case.id))}">{esc(r.case.id)}</a></td><td>{esc(r.case.title)}</td>'
        f"<td>{esc(r.case.ward)}</td><td>{esc(r.case.fiscal_year_label)}</td>"
        f"<td>{esc(vocab.status_label(r.case.status))}</td><td>{format_time(r.updated_at)}</td></tr>"
        for r in records[:500])
    body = (f"<table><tr><th>事例番号</th><th>タイトル</th><th>区</th><th>年度</th><th>状態</th><th>最終保存</th></tr>"
            f"{rows}</table>" if rows else '<div class="wb-help">該当する事例はありません</div>')
    return vbox([html(f'<div class="wb-history"><h3>事例一覧</h3>{body}</div>', "wb-case-list"),
                 _withdrawn_list(store, page)])


def _withdrawn_list(store, page: identity.CasePage) -> w.Widget:
    """Drafts this person withdrew (or, for an editor, may restore): out of the list above, one click away."""
    ward = (workflow.worklist(page.user) or {}).get("ward")
    records = [r for r in store.list_cases(ward=ward, status="withdrawn")
               if workflow.may_read(page.user, r) and workflow.may_move(page.user, r, "draft")]
    if not records:
        return html("", "wb-withdrawn-list")
    links = "".join(f'<li><a href="{esc(identity.case_url(page, case_id=r.case.id))}">{esc(r.case.id)}</a> '
                    f"{esc(r.case.title)}（{format_time(r.updated_at)}）</li>" for r in records[:100])
    return html(f'<details class="wb-history"><summary>取り下げた下書き（{len(records)}件・開くと復元できます）</summary>'
                f"<ul>{links}</ul></details>", "wb-withdrawn-list")


# --- entry points used by the notebook -----------------------------------------------------------------

def warm_up() -> None:
    """Imports and one-time loads done before a visitor arrives (preheated kernels run this early)."""
    import casebook.store  # noqa: F401 - SQLAlchemy and the model, imported ahead
    try:
        from casebook.privacy import find_pii
        find_pii("Aさんは生野区に住んでいる。")  # loads the dictionary once
    except Exception:  # noqa: BLE001 - the form works without privacy hints
        pass
    try:
        from widgets.common import _css
        _css()
    except OSError:
        pass
    if os.environ.get("VOILA_PREHEAT") != "True":
        return  # without a pool the visitor is already waiting: do not build a form twice
    # Build and drop one form on a throwaway in-memory store, so a visitor's first form is a warm one.
    from casebook.store import Store
    from widgets.common import close_all
    try:
        with Store("sqlite://") as scratch:
            app = CaseApp(User("warm-up", "staff"), store=scratch, autosave_delay=0)
            app.form.fields["title"].widget.value = "warm-up"
            close_all([app.widget])
    except Exception:  # noqa: BLE001 - warming up is an optimisation only
        pass


def build_case_app(case_id: Any = "", ward: Any = "", author: Any = "", role: Any = "staff",
                   read_only: Any = False, *, use_query: bool = True, store=None,
                   autosave_delay: float = AUTOSAVE_DELAY) -> tuple[w.Widget, CaseApp | None]:
    """The page for these parameters (URL query values win over the notebook's), or a refusal.

    Development mode: the user comes from the parameters (casebook.identity.dev_case_page); signed
    in, from the server (casebook.identity.case_page), whatever the parameters and the URL say."""
    given = {"case_id": case_id, "ward": ward, "author": author, "role": role, "read_only": read_only}
    if store is None:
        from casebook.store import Store, StoreError
        try:
            store = Store.open()
        except StoreError as exc:
            return refusal_widget([str(exc)]), None
    page, problems = identity.case_page(given, store, identity.page_query() if use_query else None)
    if page is None:
        return refusal_widget(problems), None
    listed = not page.case_id and workflow.worklist(page.user) is not None
    try:
        app = CaseApp(page.user, store=store, case_id=page.case_id, read_only=page.read_only,
                      autosave_delay=autosave_delay)
    except WorkbenchError as exc:
        extra = [case_list_widget(store, page)] if listed else []
        return tag(w.VBox([refusal_widget(str(exc).splitlines()), *extra]), "wb-app"), None
    if listed:
        return tag(w.VBox([app.widget, case_list_widget(store, page)]), "wb-app"), app
    return app.widget, app


def show_case_app(case_id: Any = "", ward: Any = "", author: Any = "", role: Any = "staff",
                  read_only: Any = False, **options) -> CaseApp | None:
    """Display the case page in the notebook's output; returns the app (None when refused)."""
    from IPython.display import display

    widget, app = build_case_app(case_id, ward, author, role, read_only, **options)
    banner = identity.dev_banner()
    display(tag(w.VBox([html(notice(banner, "warn"), "wb-dev-banner"), widget]), "wb-app") if banner else widget)
    return app
