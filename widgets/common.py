"""Building blocks every workbench form shares: guarded input widgets, a labelled field with its
validation message and privacy warnings, a save-status line, a debounce timer.

Why guarded widgets: a Voila page's kernel takes comm messages from any script that knows the
kernel id, so a "disabled" or "hidden" widget is no protection and a Dropdown can be sent an index
that is not among its options. Each `G*` widget below accepts from the front end only the state a
person can change in a browser (its value or index), only while enabled and visible, and reports
anything else to `on_refused` callbacks (shown beside the field) and re-sends its true state.

Public API (used by case_form, review, and the workshop / survey / dashboard widgets):
    GText GTextarea GCombobox GDropdown GSelectMultiple GToggleButtons GCheckbox GButton
    tag(widget, *names) / field_class(path)      stable `wb-…` CSS classes for tests and styling
    Field(path, widget, label=..., required=False, help="", privacy=False)  label ＊, message + privacy slot
    html(value, *classes) / vbox / hbox / shared_layout(**css) / shared_style(cls)   light widgets
    SaveStatus                                    版・最終保存・状態 line, always visible
    Debouncer(delay, callback)                    run callback `delay` s after the last poke
    notice(text, kind) -> str                     escaped HTML message box (info/ok/warn/error)
    pii_warnings(text) -> list[str]               privacy findings as Japanese warnings
    privacy_notice(warnings) -> str               those warnings as the escaped warning box
    query_parameters() -> dict[str, str]          the page's URL query: casebook.identity.page_query, kept
                                                  under this name for the published pages' filters
    stylesheet() -> HTML                           the shared CSS (widgets/forms.css) for a page
    format_time(datetime) -> str                  "2024-11-28 14:03" in Japan time
"""

from __future__ import annotations

import asyncio
import datetime as dt
import html
import re
from functools import cache
from pathlib import Path
from typing import Any, Callable, Iterable

import ipywidgets as w
import traitlets

from casebook.errors import WorkbenchError
from casebook.identity import page_query as query_parameters  # noqa: F401 - the published pages' filters

JST = dt.timezone(dt.timedelta(hours=9), "JST")
HERE = Path(__file__).resolve().parent

esc = html.escape


# --- stable names ---------------------------------------------------------------------------------

def tag(widget: w.DOMWidget, *names: str) -> w.DOMWidget:
    """Give a widget stable `wb-…` classes: tests find it by them, CSS styles it by them."""
    for name in names:
        widget.add_class(name if name.startswith("wb-") else f"wb-{name}")
    return widget


def field_class(path: str) -> str:
    """'summary.main_complaint' -> 'wb-f-summary-main_complaint'; 'timeline[1].period' -> 'wb-f-timeline-1-period'."""
    return "wb-f-" + re.sub(r"[^A-Za-z0-9_]+", "-", path).strip("-")


# --- guarded widgets ------------------------------------------------------------------------------

REFUSED_KEYS = "この項目はこの画面から変更できません"
REFUSED_DISABLED = "この項目は現在編集できません"
REFUSED_OPTION = "選択肢にない値は選べません"
REFUSED_VALUE = "この値は受け付けられません"


class Guarded:
    """Mixin: accept from the front end only `_frontend_keys`, only while enabled; report the rest."""

    _frontend_keys: tuple[str, ...] = ("value",)

    def __init__(self, *args, **kwargs):
        if "style" not in kwargs and "style" in self.class_traits():
            # One style model per widget class (styles are never changed here): fewer comms per page.
            kwargs["style"] = shared_style(self.class_traits()["style"].klass)
        super().__init__(*args, **kwargs)
        self._refused_callbacks: list[Callable[[Any, str], None]] = []

    def on_refused(self, callback: Callable[[Any, str], None]) -> None:
        """callback(widget, message) when a front end sends something this widget does not accept."""
        self._refused_callbacks.append(callback)

    def _refuse(self, message: str, *, resync: bool = True) -> None:
        if resync:
            self.send_state()  # put every front end back on the kernel's value
        for callback in list(self._refused_callbacks):
            callback(self, message)

    def _accepts_now(self) -> bool:
        return not getattr(self, "disabled", False) and self.layout.display != "none"

    def set_state(self, sync_data):
        keys = set(sync_data)
        if not keys <= set(self._frontend_keys):
            return self._refuse(REFUSED_KEYS)
        if not self._accepts_now():
            return self._refuse(REFUSED_DISABLED)
        try:
            self._check_incoming(sync_data)
            super().set_state(sync_data)
        except Exception as exc:  # noqa: BLE001 - any bad value from a front end is refused, not raised
            self._refuse(getattr(exc, "wb_message", None) or REFUSED_VALUE,
                         resync=not getattr(exc, "keep_text", False))

    def _check_incoming(self, sync_data: dict) -> None:
        """Raise to refuse; subclasses check the shape of what came in."""


class _Refused(WorkbenchError, ValueError):
    """A value a front end sent that a widget does not accept; the message is shown beside the field."""

    def __init__(self, message: str, *, keep_text: bool = False):
        super().__init__(message)
        self.wb_message = message
        self.keep_text = keep_text  # refuse it in the kernel but leave what the person typed on screen


class _StringGuard(Guarded):
    max_chars = 100_000  # the model enforces the real limit with a message; this bounds the kernel's work

    def _check_incoming(self, sync_data: dict) -> None:
        value = sync_data.get("value")
        if not isinstance(value, str):
            raise _Refused("文字列ではない値は受け付けられません")
        if len(value) > self.max_chars:
            # Typed or pasted text stays in the box (no resync): the person shortens it, nothing is lost.
            raise _Refused(f"{self.max_chars}文字を超えているため受け付けられません。入力欄の文字は残っています。"
                           "短くしてください", keep_text=True)


class GText(_StringGuard, w.Text):
    pass


class GTextarea(_StringGuard, w.Textarea):
    pass


class GCombobox(_StringGuard, w.Combobox):
    pass


class GCheckbox(Guarded, w.Checkbox):
    def _check_incoming(self, sync_data: dict) -> None:
        if not isinstance(sync_data.get("value"), bool):
            raise _Refused("はい／いいえ以外の値は受け付けられません")


class _IndexGuard(Guarded):
    _frontend_keys = ("index",)

    def _check_incoming(self, sync_data: dict) -> None:
        index = sync_data.get("index")
        n = len(self._options_labels)
        if index is None or isinstance(index, bool) or not isinstance(index, int) or not 0 <= index < n:
            raise _Refused(REFUSED_OPTION)


class GDropdown(_IndexGuard, w.Dropdown):
    pass


class GToggleButtons(_IndexGuard, w.ToggleButtons):
    pass


class GSelectMultiple(Guarded, w.SelectMultiple):
    _frontend_keys = ("index",)

    def _check_incoming(self, sync_data: dict) -> None:
        index = sync_data.get("index")
        n = len(self._options_labels)
        if not isinstance(index, list) or not all(
                isinstance(i, int) and not isinstance(i, bool) and 0 <= i < n for i in index):
            raise _Refused(REFUSED_OPTION)


class CheckGroup(w.Box):
    """Several choices as checkboxes that wrap like tags (a multiple select needs Ctrl-click).
    `value` is the tuple of checked options, in the options' order; each checkbox is guarded."""

    value = traitlets.Tuple()
    disabled = traitlets.Bool(False)

    def __init__(self, options: Iterable[str], **kwargs):
        self.options = tuple(options)
        self.checkboxes = [GCheckbox(value=False, description=o, indent=False,
                                     layout=w.Layout(width="auto", margin="0 12px 0 0")) for o in self.options]
        for i, box in enumerate(self.checkboxes):
            box.add_class(f"wb-check-{i}")
        super().__init__(self.checkboxes, layout=w.Layout(flex_flow="row wrap", max_width="44em"))
        self.add_class("wb-checks")
        self._syncing = False
        for box in self.checkboxes:
            box.observe(self._on_box, names="value")

    def on_refused(self, callback) -> None:
        for box in self.checkboxes:
            box.on_refused(callback)

    def _on_box(self, _change) -> None:
        if not self._syncing:
            self.value = tuple(o for o, b in zip(self.options, self.checkboxes) if b.value)

    @traitlets.observe("value")
    def _on_value(self, change) -> None:
        self._syncing = True
        try:
            for o, b in zip(self.options, self.checkboxes):
                b.value = o in change["new"]
        finally:
            self._syncing = False

    @traitlets.observe("disabled")
    def _on_disabled(self, change) -> None:
        for b in self.checkboxes:
            b.disabled = change["new"]


class GButton(Guarded, w.Button):
    """A button that ignores clicks while disabled or hidden (a script can still send them)."""

    _frontend_keys = ()

    def _handle_button_msg(self, _, content, buffers):
        if content.get("event") == "click":
            if not self._accepts_now():
                return self._refuse(REFUSED_DISABLED)
            self.click()


# --- messages -------------------------------------------------------------------------------------

def notice(text: str | Iterable[str], kind: str = "info") -> str:
    """An escaped message box; several lines become a list. kind: info | ok | warn | error."""
    lines = [text] if isinstance(text, str) else list(text)
    if not lines or lines == [""]:
        return ""
    body = esc(lines[0]) if len(lines) == 1 else "<ul>" + "".join(f"<li>{esc(x)}</li>" for x in lines) + "</ul>"
    return f'<div class="wb-notice wb-notice-{kind}" role="{"alert" if kind == "error" else "status"}">{body}</div>'


def format_time(when: dt.datetime | None) -> str:
    if when is None:
        return "—"
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.timezone.utc)
    return f"{when.astimezone(JST):%Y-%m-%d %H:%M:%S}"


@cache
def _find_pii():
    try:
        from casebook.privacy import find_pii
    except ImportError:  # the privacy module is optional for the form to work
        return None
    return find_pii


def pii_warnings(text: str) -> list[str]:
    """What the privacy check sees in one field's text, as short Japanese warnings."""
    find = _find_pii()
    if not text or find is None:
        return []
    try:
        findings = find(text)
    except Exception:  # noqa: BLE001 - a warning helper must never break typing
        return []
    out = []
    for f in findings[:8]:
        label = getattr(f, "label", None) or getattr(f, "kind", "")
        out.append(f"{label}かもしれません:「{getattr(f, 'text', '')}」")
    if len(findings) > 8:
        out.append(f"ほか {len(findings) - 8} 件")
    return out


def privacy_notice(warnings: list[str]) -> str:
    """The privacy warnings under a field or editor (a warning, never a block); "" when there are none."""
    if not warnings:
        return ""
    return (notice(["個人が特定される情報の可能性（保存はできます）:", *warnings], "warn")
            .replace('class="wb-notice', 'class="wb-privacy wb-notice', 1))


# --- a labelled field -----------------------------------------------------------------------------

@cache
def shared_layout(**properties: str) -> w.Layout:
    """One Layout model shared by every widget with these properties: fewer comms, a faster page.

    Never change a shared layout (e.g. `.display`) — give a widget you hide its own Layout.
    """
    return w.Layout(**properties)


@cache
def shared_style(style_class: type) -> w.Widget:
    return style_class()


def html(value: str = "", *classes: str, **layout: str) -> w.HTML:
    """An HTML widget on shared layout and style models (most of a form's widgets are these)."""
    widget = w.HTML(value, layout=shared_layout(**layout), style=shared_style(w.widgets.widget_string.HTMLStyle))
    return tag(widget, *classes) if classes else widget


def vbox(children, *classes: str, **layout: str) -> w.VBox:
    box = w.VBox(children, layout=shared_layout(**layout))
    return tag(box, *classes) if classes else box


def hbox(children, *classes: str, **layout: str) -> w.HBox:
    box = w.HBox(children, layout=shared_layout(**layout))
    return tag(box, *classes) if classes else box


def section_links(tabs: w.Tab) -> w.Widget:
    """Keyboard users' way between a Tab widget's sections with Tab and Enter/Space alone (Lumino's
    tab bar wants the arrow keys): one button per section, shown when one of them has the focus
    (forms.css, the skip-link pattern), kept in step with the tabs both ways."""
    buttons = []
    for i, title in enumerate(tabs.titles):
        button = tag(GButton(description=title, tooltip=f"「{title}」を開く"), "wb-section-link", f"wb-section-link-{i}")
        button.on_click(lambda _b, i=i: setattr(tabs, "selected_index", i))
        buttons.append(button)
    box = w.HBox(buttons, layout=w.Layout(flex_flow="row wrap"))
    return tag(box, "wb-section-links")


def screen_reader_name(widget: w.DOMWidget, name: str) -> w.DOMWidget:
    """Give a control its accessible name: its description becomes a <label for=…> that forms.css
    shows to screen readers only (where a visible label or the layout already says what it is)."""
    widget.description = name
    return tag(widget, "wb-sr-name")


# Controls whose description is a <label for=…> of their own: the label names them for screen readers.
NAMED_BY_DESCRIPTION = (w.Dropdown, w.SelectMultiple, w.Select, w.Text, w.Textarea, w.Combobox, w.IntText,
                        w.BoundedIntText)


class Field:
    """One input of a form: label (＊ when required), the widget, and one slot below it for the
    validation message (error) and the privacy warnings (a warning, never a block)."""

    def __init__(self, path: str, widget: w.DOMWidget, *, label: str, required: bool = False,
                 help: str = "", privacy: bool = False):
        self.path, self.widget, self.required, self.privacy = path, widget, required, privacy
        self.touched = False
        self._errors: list[str] = []
        self._warnings: list[str] = []
        mark = '<span class="wb-required" title="必須">＊</span>' if required else ""
        self.label = html(f'<label class="wb-label">{esc(label)}{mark}</label>'
                          + (f'<div class="wb-help">{esc(help)}</div>' if help else ""))
        self.message = html("", "wb-message", field_class(path) + "-msg")
        tag(widget, field_class(path), "wb-input")
        if isinstance(widget, NAMED_BY_DESCRIPTION) and not widget.description:
            screen_reader_name(widget, label)   # the visible label above is an HTML widget, not the control's
        if isinstance(widget, (Guarded, CheckGroup)):
            widget.on_refused(lambda _w, msg: self.show_errors([msg]))
        self.box = vbox([self.label, widget, self.message], "wb-field")

    @property
    def errors(self) -> list[str]:
        return list(self._errors)

    def show_errors(self, messages: list[str]) -> None:
        if messages != self._errors:
            self._errors = list(messages)
            self._render()

    def show_privacy(self, text: str) -> None:
        found = pii_warnings(text) if self.privacy else []
        if found != self._warnings:
            self._warnings = found
            self._render()

    def _render(self) -> None:
        parts = [notice(self._errors, "error")] if self._errors else []
        if self._warnings:
            parts.append(privacy_notice(self._warnings))
        self.message.value = "".join(parts)


# --- save status ----------------------------------------------------------------------------------

class SaveStatus:
    """The always-visible line: 版, 最終保存 (when, who), state, and the latest save message."""

    def __init__(self):
        self.html = html("", "wb-save-status")
        self.version: int | None = None
        self.saved_at: dt.datetime | None = None
        self.saved_by = ""
        self.state = "new"
        self.detail = ""
        self._render()

    def saved(self, version: int, at: dt.datetime, by: str, *, auto: bool = False) -> None:
        self.version, self.saved_at, self.saved_by = version, at, by
        self.state, self.detail = ("autosaved" if auto else "saved"), ""
        self._render()

    def loaded(self, version: int | None, at: dt.datetime | None, by: str) -> None:
        self.version, self.saved_at, self.saved_by = version, at, by
        self.state, self.detail = ("clean" if version else "new"), ""
        self._render()

    def unchanged(self) -> None:
        self.state, self.detail = "unchanged", ""
        self._render()

    def dirty(self) -> None:
        if self.state != "dirty":
            self.state, self.detail = "dirty", ""
            self._render()

    def failed(self, message: str) -> None:
        self.state, self.detail = "failed", message
        self._render()

    def waiting(self, message: str) -> None:
        self.state, self.detail = "waiting", message
        self._render()

    STATES = {
        "new": ("info", "まだ保存されていません"),
        "clean": ("ok", "保存済み"),
        "saved": ("ok", "保存しました"),
        "autosaved": ("ok", "自動保存しました"),
        "unchanged": ("ok", "保存済みです（変更はありません）"),
        "dirty": ("warn", "未保存の変更があります（入力が止まると自動保存します）"),
        "waiting": ("warn", "未保存の変更があります"),
        "failed": ("error", "保存できませんでした"),
    }

    def _render(self) -> None:
        kind, text = self.STATES[self.state]
        version = f"版 {self.version}" if self.version else "版 —"
        when = format_time(self.saved_at) if self.saved_at else "—"
        who = f"（{esc(self.saved_by)}）" if self.saved_by else ""
        detail = f'<div class="wb-save-detail">{esc(self.detail)}</div>' if self.detail else ""
        self.html.value = (f'<div class="wb-status wb-status-{kind}" data-state="{self.state}">'
                           f'<span class="wb-version">{version}</span>'
                           f'<span class="wb-saved-at">最終保存: {when}{who}</span>'
                           f'<span class="wb-state">{esc(text)}</span>{detail}</div>')


# --- timing ---------------------------------------------------------------------------------------

class Debouncer:
    """Calls `callback()` once, `delay` seconds after the last `poke()` (on the kernel's event loop).

    Outside a running event loop (a plain script) nothing is scheduled; `flush()` still runs it.
    """

    def __init__(self, delay: float, callback: Callable[[], None]):
        self.delay, self.callback = delay, callback
        self._handle: asyncio.TimerHandle | None = None

    def poke(self) -> None:
        self.cancel()
        if self.delay <= 0:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            try:
                loop = asyncio.get_event_loop()
            except RuntimeError:
                return
        self._handle = loop.call_later(self.delay, self._fire)

    def pending(self) -> bool:
        return self._handle is not None

    def cancel(self) -> None:
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None

    def flush(self) -> None:
        if self._handle is not None:
            self._fire()

    def _fire(self) -> None:
        self._handle = None
        self.callback()


@cache
def _css() -> str:
    return (HERE / "forms.css").read_text(encoding="utf-8")


def stylesheet() -> w.HTML:
    """The shared stylesheet as a widget to put at the top of a page (no remote fonts or files)."""
    return html(f"<style>{_css()}</style>", display="none")


def close_all(widgets: Iterable[w.Widget]) -> None:
    """Close widgets (and their children) that a rebuilt list no longer shows, so kernels do not leak them."""
    for widget in widgets:
        for child in getattr(widget, "children", ()):
            close_all([child])
        widget.close()
