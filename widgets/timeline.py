"""The support-timeline editor (支援の経過): rows of 時期 / 支援内容 / 関係機関・住民 / 本人の変化
that can be added, edited, moved up or down and deleted.

    editor = TimelineEditor(on_change=callback)
    editor.load([{"period": "2024年4月", "support": "…", "actors": "…", "change": "…"}, ...])
    editor.value() -> list[dict]        raw rows, validated by the Case model when the form is checked
    editor.show_errors({"timeline[1].support": ["入力してください"]})
    editor.widget                        the ipywidgets box
"""

from __future__ import annotations

from typing import Callable

import ipywidgets as w

from casebook import vocab
from widgets.common import (Field, GButton, GText, GTextarea, close_all, field_class, hbox, html, notice,
                            shared_layout, tag, vbox)

COLUMNS = (("period", "line", True), ("support", "text", True), ("actors", "text", False), ("change", "text", False))
MAX_ROWS = 200


class TimelineEditor:
    def __init__(self, on_change: Callable[[], None] = lambda: None, *, privacy: bool = True):
        self.on_change = on_change
        self.privacy = privacy
        self.rows: list[dict[str, str]] = []
        self.fields: list[dict[str, Field]] = []
        self.disabled = False
        self.rows_box = vbox([], "wb-tl-rows")
        self.add_button = tag(GButton(description="＋ 行を追加", tooltip="支援の経過に1行追加します"), "wb-tl-add")
        self.add_button.on_click(lambda _: self.add_row())
        self.message = html("", "wb-tl-message")
        intro = html('<div class="wb-help">時期・支援内容は必須です。行の順番は ↑ ↓ で入れ替えられます。</div>')
        self.widget = vbox([intro, self.rows_box, self.message, self.add_button], "wb-timeline")

    # --- data ----------------------------------------------------------------------------------

    def load(self, rows: list[dict]) -> None:
        self.rows = [{key: str(row.get(key, "") or "") for key, _, _ in COLUMNS} for row in rows]
        self._rebuild()

    def value(self) -> list[dict[str, str]]:
        return [dict(row) for row in self.rows]

    # --- structural edits ----------------------------------------------------------------------

    def add_row(self) -> None:
        if self.disabled:
            return
        if len(self.rows) >= MAX_ROWS:
            self.message.value = notice(f"支援の経過は {MAX_ROWS} 行までです", "error")
            return
        self.rows.append({key: "" for key, _, _ in COLUMNS})
        self._rebuild()
        self.on_change()

    def move(self, index: int, delta: int) -> None:
        target = index + delta
        if self.disabled or not (0 <= index < len(self.rows) and 0 <= target < len(self.rows)):
            return
        self.rows[index], self.rows[target] = self.rows[target], self.rows[index]
        self._rebuild()
        self.on_change()

    def delete(self, index: int) -> None:
        if self.disabled or not 0 <= index < len(self.rows):
            return
        del self.rows[index]
        self._rebuild()
        self.on_change()

    def set_disabled(self, disabled: bool) -> None:
        self.disabled = disabled
        self.add_button.disabled = disabled
        self._rebuild()

    # --- messages ------------------------------------------------------------------------------

    def show_errors(self, errors: dict[str, list[str]], *, touched_only: bool = False) -> None:
        for i, fields in enumerate(self.fields):
            for key, field in fields.items():
                if touched_only and not field.touched:
                    continue
                field.show_errors(errors.get(f"timeline[{i}].{key}", []))
        general = errors.get("timeline", [])
        self.message.value = notice(general, "error") if general else ""

    # --- view ----------------------------------------------------------------------------------

    def _rebuild(self) -> None:
        old = list(self.rows_box.children)
        self.fields = []
        self.rows_box.children = [self._row(i, row) for i, row in enumerate(self.rows)]
        close_all(old)

    def _row(self, i: int, row: dict[str, str]) -> w.Widget:
        labels = vocab.field_labels()
        fields: dict[str, Field] = {}
        for key, kind, required in COLUMNS:
            cls = GText if kind == "line" else GTextarea
            widget = cls(value=row[key], disabled=self.disabled, layout=shared_layout(width="100%"),
                         placeholder="例: 2024年4月" if key == "period" else "")
            tag(widget, f"wb-tl-{key}")
            field = Field(f"timeline[{i}].{key}", widget, label=labels.get(key, key), required=required,
                          privacy=self.privacy)   # every column: the gate reads them all
            widget.observe(self._changed(i, key, field), names="value")
            field.show_privacy(row[key])
            fields[key] = field
        self.fields.append(fields)
        up = tag(GButton(description="↑", tooltip="上へ", disabled=self.disabled or i == 0,
                         layout=shared_layout(width="3em")), "wb-tl-up")
        down = tag(GButton(description="↓", tooltip="下へ", disabled=self.disabled or i == len(self.rows) - 1,
                           layout=shared_layout(width="3em")), "wb-tl-down")
        delete = tag(GButton(description="削除", tooltip="この行を削除", button_style="danger",
                             disabled=self.disabled, layout=shared_layout(width="5em")), "wb-tl-delete")
        up.on_click(lambda _, i=i: self.move(i, -1))
        down.on_click(lambda _, i=i: self.move(i, +1))
        delete.on_click(lambda _, i=i: self.delete(i))
        head = hbox([html(f'<span class="wb-row-head">{i + 1}行目</span>', width="5em"), up, down, delete])
        grid = w.GridBox([fields[key].box for key, _, _ in COLUMNS],
                         layout=shared_layout(grid_template_columns="1fr 1fr", grid_gap="0 1em", width="100%"))
        return vbox([head, grid], "wb-row", "wb-tl-row", f"wb-tl-row-{i}", field_class(f"timeline[{i}]"))

    def _changed(self, i: int, key: str, field: Field):
        def handler(change):
            if i < len(self.rows):
                self.rows[i][key] = change["new"]
                field.touched = True
                field.show_privacy(change["new"])
                self.on_change()
        return handler
