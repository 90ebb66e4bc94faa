"""When a save is refused because someone saved in between: show what differs, field by field,
between the text in this form and the stored version, and let the person choose per field
(自分の入力 / 保存済みの内容) and save the result on top of the newer version.

Pure helpers (no widgets) first — `differences`, `merged`, `display_text`, `inline_diff` — then
`ConflictPanel`, the widget the case form shows.
"""

from __future__ import annotations

import difflib
from typing import Any, Callable

import ipywidgets as w

from casebook import vocab
from casebook.model import field_label
from widgets.common import GButton, GToggleButtons, close_all, esc, html, notice, shared_layout, tag, vbox

# Parts of a case a form does not edit: the workflow and the advisor's comments always come from the store.
NOT_FROM_FORM = ("id", "status", "comments")
WHOLE = ("keywords", "themes", "timeline", "ecomap")  # compared and merged as one value each


def flatten(data: dict, prefix: str = "") -> dict[str, Any]:
    """{'summary': {'referral': 'x'}} -> {'summary.referral': 'x'}; lists and WHOLE fields stay whole."""
    out: dict[str, Any] = {}
    for key, value in data.items():
        path = f"{prefix}.{key}" if prefix else key
        if isinstance(value, dict) and path not in WHOLE:
            out.update(flatten(value, path))
        else:
            out[path] = value
    return out


def differences(mine: dict, stored: dict) -> list[str]:
    """Dotted paths whose value in the form differs from the stored case (form-edited parts only)."""
    a, b = flatten(mine), flatten(stored)
    paths = [p for p in dict.fromkeys([*b, *a]) if p.split(".")[0] not in NOT_FROM_FORM]
    return [p for p in paths if _norm(a.get(p)) != _norm(b.get(p))]


def _norm(value: Any) -> Any:
    return "" if value is None else value


def merged(stored: dict, mine: dict, take_mine: set[str]) -> dict:
    """The stored case with the chosen paths replaced by the form's values."""
    out = _deepcopy(stored)
    flat_mine = flatten(mine)
    for path in take_mine:
        if path.split(".")[0] in NOT_FROM_FORM:
            continue
        node = out
        *parents, last = path.split(".")
        for part in parents:
            node = node.setdefault(part, {})
        node[last] = _deepcopy(flat_mine.get(path))
    return out


def _deepcopy(value: Any) -> Any:
    import copy
    return copy.deepcopy(value)


def display_text(path: str, value: Any) -> str:
    """A field's value as a person reads it (plain text, not yet escaped)."""
    if value in (None, "", [], {}):
        return "（空欄）"
    if isinstance(value, bool):
        return "はい" if value else "いいえ"
    if path == "fiscal_year":
        return vocab.format_fiscal_year(int(value))
    if path == "target":
        return next((t["name"] for t in vocab.targets() if t["id"] == value), str(value))
    if path in ("keywords", "themes"):
        return "、".join(map(str, value))
    if path == "timeline":
        return "\n".join(f"{i + 1}. {r.get('period', '')}｜{r.get('support', '')}｜{r.get('actors', '')}｜{r.get('change', '')}"
                         for i, r in enumerate(value))
    if path == "ecomap":
        names = {n["id"]: n["label"] for n in value.get("nodes", [])}
        strengths = {s["id"]: s["name"] for s in vocab.ecomap_vocab()["strengths"]}
        nodes = "、".join(n["label"] for n in value.get("nodes", []))
        ties = "\n".join(f"{names.get(t['source'], '?')} — {names.get(t['target'], '?')}（{strengths.get(t['strength'], '')}）"
                         for t in value.get("ties", []))
        return f"要素: {nodes}" + (f"\n{ties}" if ties else "")
    return str(value)


def inline_diff(old: str, new: str) -> str:
    """HTML of `new` with what changed from `old` marked: <del> removed, <ins> added (escaped).

    Texts that share little are shown whole (a character-level diff of them would be noise).
    """
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    if old and new and matcher.ratio() < 0.5:
        return f"<ins>{esc(new)}</ins>"
    out = []
    for op, a0, a1, b0, b1 in matcher.get_opcodes():
        if op == "equal":
            out.append(esc(new[b0:b1]))
        else:
            if a1 > a0:
                out.append(f"<del>{esc(old[a0:a1])}</del>")
            if b1 > b0:
                out.append(f"<ins>{esc(new[b0:b1])}</ins>")
    return "".join(out)


class ConflictPanel:
    """Shown when a save was refused as stale: the reason, a per-field comparison, and the way out."""

    MINE, STORED = "mine", "stored"

    def __init__(self, on_merge: Callable[[dict, int], None], on_discard: Callable[[], None]):
        self.on_merge, self.on_discard = on_merge, on_discard
        self.mine: dict = {}
        self.stored: dict = {}
        self.stored_version = 0
        self.choices: dict[str, GToggleButtons] = {}
        self.reason = html("", "wb-conflict-reason")
        self.rows = vbox([], "wb-diff", "wb-conflict-rows")
        self.merge_button = tag(GButton(description="選んだ内容で保存", button_style="warning",
                                        tooltip="各項目で選んだ方を、最新の版に重ねて保存します",
                                        layout=shared_layout(width="auto")), "wb-conflict-merge")
        auto = shared_layout(width="auto")
        self.all_mine = tag(GButton(description="すべて自分の入力にする", layout=auto), "wb-conflict-all-mine")
        self.all_stored = tag(GButton(description="すべて保存済みの内容にする", layout=auto), "wb-conflict-all-stored")
        self.discard_button = tag(GButton(description="自分の入力を捨てて最新の版を開く", button_style="danger",
                                          layout=auto), "wb-conflict-discard")
        self.merge_button.on_click(lambda _: self._merge())
        self.all_mine.on_click(lambda _: self._choose_all(self.MINE))
        self.all_stored.on_click(lambda _: self._choose_all(self.STORED))
        self.discard_button.on_click(lambda _: self.visible and self.on_discard())
        self.widget = tag(w.VBox([
            html("<h3>保存が重なりました — 見比べて統合してください</h3>"), self.reason, self.rows,
            w.HBox([self.all_mine, self.all_stored]), w.HBox([self.merge_button, self.discard_button]),
        ], layout=w.Layout(display="none", border="2px solid #d69e2e", padding="0.5em")), "wb-conflict")

    @property
    def visible(self) -> bool:
        return self.widget.layout.display != "none"

    def show(self, message: str, mine: dict, stored: dict, stored_version: int, base: dict | None = None) -> None:
        """`base`: the version this form started from; with it, a field only one side changed is pre-chosen.
        Shown again over the same stored version, the person's earlier choices are kept."""
        kept = ({path: toggle.value for path, toggle in self.choices.items()}
                if self.visible and stored_version == self.stored_version else {})
        self.mine, self.stored, self.stored_version = mine, stored, stored_version
        paths = differences(mine, stored)
        flat_mine, flat_stored, flat_base = flatten(mine), flatten(stored), flatten(base or {})
        self.reason.value = notice(message, "error") + notice(
            f"違いのある項目: {len(paths)} 件。項目ごとにどちらを残すか選び、「選んだ内容で保存」を押してください"
            f"（版 {stored_version} の上に新しい版として保存されます）。", "info")
        old = list(self.rows.children)
        self.choices = {}
        rows = []
        for path in paths:
            theirs, yours = display_text(path, flat_stored.get(path)), display_text(path, flat_mine.get(path))
            default, who = self.MINE, "両方で変更されています。確かめて選んでください"
            if base is not None and _norm(flat_mine.get(path)) == _norm(flat_base.get(path)):
                default, who = self.STORED, "相手だけが変更しました"
            elif base is not None and _norm(flat_stored.get(path)) == _norm(flat_base.get(path)):
                default, who = self.MINE, "あなただけが変更しました"
            default = kept.get(path, default)
            choice = tag(GToggleButtons(options=[("自分の入力", self.MINE), ("保存済みの内容", self.STORED)],
                                        value=default), "wb-conflict-choice", "wb-conflict-choice-" + path.replace(".", "-"))
            self.choices[path] = choice
            table = (f'<table><tr><th style="width:16%">{esc(field_label(path))}</th>'
                     f'<th style="width:42%">保存済みの内容（版 {stored_version}）</th>'
                     f'<th style="width:42%">あなたの入力（違いを色で表示）</th></tr>'
                     f'<tr><td class="wb-conflict-who">{esc(who)}</td><td>{esc(theirs)}</td>'
                     f'<td>{inline_diff(theirs, yours)}</td></tr></table>')
            rows.append(vbox([html(table), choice], "wb-conflict-row"))
        if not rows:
            rows = [w.HTML(notice("項目の内容に違いはありません（コメントや状態だけが変わっています）。"
                                  "「選んだ内容で保存」で最新の版に重ねて保存できます。", "info"))]
        self.rows.children = rows
        close_all(old)
        self.widget.layout.display = "flex"

    def hide(self) -> None:
        self.widget.layout.display = "none"

    def selection(self) -> set[str]:
        return {path for path, toggle in self.choices.items() if toggle.value == self.MINE}

    def _choose_all(self, which: str) -> None:
        for toggle in self.choices.values():
            toggle.value = which

    def _merge(self) -> None:
        if not self.visible:  # a script pressing the hidden button: there is nothing to merge
            return
        self.on_merge(merged(self.stored, self.mine, self.selection()), self.stored_version)
