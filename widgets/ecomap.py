"""The ecomap editor (エコマップ): the person in the centre, household members and formal / informal
resources around, ties of a strength and a direction — redrawn as SVG on every edit with the same
`casebook.render.ecomap_svg.ecomap_svg` the casebook pages use.

    editor = EcomapEditor(on_change=callback)
    editor.load(case.ecomap)             an Ecomap (or its dict)
    editor.value() -> dict               {"nodes": [...], "ties": [...]}; {} nodes/ties when only 本人 is there
    editor.add_node(label, kind)         also the 要素を追加 button
    editor.add_tie(source, target, strength, direction)
    editor.show_errors(["…"]), editor.widget
"""

from __future__ import annotations

from typing import Callable

import ipywidgets as w
from pydantic import ValidationError

from casebook import vocab
from casebook.render.ecomap_svg import ecomap_svg
from casebook.model import Ecomap, EcomapNode, describe_errors
from widgets.common import (GButton, GCombobox, GDropdown, GText, close_all, esc, hbox, html, notice, pii_warnings,
                            privacy_notice, screen_reader_name, shared_layout, tag, vbox)

CENTER_ID = "person"
DRAWING_SIZE = 460


def _max_items(field: str) -> int:
    """The model's own bound on nodes or ties, so the editor and the store never disagree."""
    return next(m.max_length for m in Ecomap.model_fields[field].metadata if getattr(m, "max_length", None))


MAX_NODES, MAX_TIES = _max_items("nodes"), _max_items("ties")


def _options(table: list[dict]) -> list[tuple[str, str]]:
    return [(row["name"], row["id"]) for row in table]


class EcomapEditor:
    def __init__(self, on_change: Callable[[], None] = lambda: None):
        self.on_change = on_change
        self.voc = vocab.ecomap_vocab()
        self.nodes: list[dict[str, str]] = []
        self.ties: list[dict[str, str]] = []
        self.disabled = False
        self.drawing = html("", "wb-ecomap-drawing")
        self.message = html("", "wb-ecomap-message")
        self.privacy = html("", "wb-ecomap-privacy")
        self._pii: dict[tuple[str, str], list[str]] = {}   # (node id, "label"/"note") -> warnings
        self.nodes_box = vbox([], "wb-ecomap-nodes")
        self.ties_box = vbox([], "wb-ecomap-ties")

        kinds = [o for o in _options(self.voc["node_kinds"]) if o[1] != "person"]
        self.new_label = tag(GCombobox(placeholder="例: 民生委員、長女", options=list(self.voc["resource_examples"]),
                                       ensure_option=False, layout=shared_layout(width="16em")), "wb-ecomap-new-label")
        screen_reader_name(self.new_label, "追加する要素の名前")
        self.new_kind = tag(GDropdown(options=kinds, value="formal", layout=shared_layout(width="12em")),
                            "wb-ecomap-new-kind")
        screen_reader_name(self.new_kind, "追加する要素の種類")
        self.add_node_button = tag(GButton(description="要素を追加"), "wb-ecomap-add-node")
        self.add_node_button.on_click(lambda _: self.add_node(self.new_label.value, self.new_kind.value))

        strengths, directions = _options(self.voc["strengths"]), _options(self.voc["directions"])
        self.tie_source = tag(GDropdown(options=[], layout=shared_layout(width="11em")), "wb-ecomap-tie-source")
        screen_reader_name(self.tie_source, "関係線の起点")
        self.tie_target = tag(GDropdown(options=[], layout=shared_layout(width="11em")), "wb-ecomap-tie-target")
        screen_reader_name(self.tie_target, "関係線の相手")
        self.tie_strength = tag(GDropdown(options=strengths, value="normal", layout=shared_layout(width="10em")),
                                "wb-ecomap-tie-strength")
        screen_reader_name(self.tie_strength, "関係の強さ")
        self.tie_direction = tag(GDropdown(options=directions, value="none", layout=shared_layout(width="12em")),
                                 "wb-ecomap-tie-direction")
        screen_reader_name(self.tie_direction, "関係の向き")
        self.add_tie_button = tag(GButton(description="関係線を追加"), "wb-ecomap-add-tie")
        self.add_tie_button.on_click(lambda _: self.add_tie(self.tie_source.value, self.tie_target.value,
                                                            self.tie_strength.value, self.tie_direction.value))
        for widget in (self.new_label, self.new_kind, self.tie_source, self.tie_target, self.tie_strength,
                       self.tie_direction):
            widget.on_refused(lambda _w, msg: self._say([msg]))

        add_node = w.HBox([html('<span class="wb-label">名称</span>'), self.new_label,
                           html('<span class="wb-label">種類</span>'), self.new_kind, self.add_node_button])
        add_tie = w.HBox([self.tie_source, html("→"), self.tie_target, self.tie_strength, self.tie_direction,
                          self.add_tie_button], layout=shared_layout(flex_flow="row wrap"))
        editor = w.VBox([
            html('<div class="wb-label">要素（本人・世帯員・社会資源）</div>'), self.nodes_box, add_node,
            html('<div class="wb-label" style="margin-top:0.6em">関係線</div>'), self.ties_box, add_tie,
            self.message, self.privacy,
        ], layout=shared_layout(width="55%"))
        self.widget = tag(w.HBox([editor, w.VBox([self.drawing], layout=shared_layout(width="45%"))]), "wb-ecomap")
        self.load(None)

    # --- data ----------------------------------------------------------------------------------

    def load(self, ecomap: Ecomap | dict | None) -> None:
        data = ecomap.model_dump() if isinstance(ecomap, Ecomap) else (ecomap or {})
        self.nodes = [{"id": n["id"], "label": n["label"], "kind": n["kind"], "note": n.get("note", "")}
                      for n in data.get("nodes", [])]
        self.ties = [{k: t.get(k, d) for k, d in (("source", ""), ("target", ""), ("strength", "normal"),
                                                  ("direction", "none"), ("note", ""))}
                     for t in data.get("ties", [])]
        if not any(n["kind"] == "person" for n in self.nodes):
            self.nodes.insert(0, {"id": CENTER_ID, "label": "本人", "kind": "person", "note": ""})
        self._rebuild()

    def value(self) -> dict:
        """The ecomap as raw data; a map with only the untouched centre counts as empty."""
        only_center = (len(self.nodes) == 1 and not self.ties and self.nodes[0]["kind"] == "person"
                       and self.nodes[0]["label"] == "本人" and not self.nodes[0]["note"])
        if only_center:
            return {"nodes": [], "ties": []}
        return {"nodes": [dict(n) for n in self.nodes], "ties": [dict(t) for t in self.ties]}

    # --- edits (each checked here: a script can press these buttons with any values) -------------

    def add_node(self, label: str, kind: str) -> bool:
        if self.disabled:
            return False
        label = (label or "").strip()
        allowed = {row["id"] for row in self.voc["node_kinds"]} - {"person"}
        problems = []
        if not label:
            problems.append("要素の名称を入力してください")
        else:
            try:  # the model's rule for a one-line name (length, line breaks, control characters)
                EcomapNode(id="new", label=label, kind="informal")
            except ValidationError as exc:
                problems += [f"要素の{line}" for line in describe_errors(exc)]
        if kind not in allowed:
            problems.append("要素の種類を一覧から選んでください")
        if len(self.nodes) >= MAX_NODES:
            problems.append(f"要素は {MAX_NODES} 個までです")
        if problems:
            self._say(problems)
            return False
        taken = {n["id"] for n in self.nodes}
        number = len(self.nodes)
        while f"n{number}" in taken:
            number += 1
        self.nodes.append({"id": f"n{number}", "label": label, "kind": kind, "note": ""})
        self.new_label.value = ""
        self._say([])
        self._rebuild()
        self.on_change()
        return True

    def remove_node(self, node_id: str) -> None:
        if self.disabled or node_id == self._center_id():
            return
        self.nodes = [n for n in self.nodes if n["id"] != node_id]
        self.ties = [t for t in self.ties if node_id not in (t["source"], t["target"])]
        self._rebuild()
        self.on_change()

    def add_tie(self, source: str | None, target: str | None, strength: str, direction: str) -> bool:
        if self.disabled:
            return False
        ids = {n["id"] for n in self.nodes}
        problems = []
        if source not in ids or target not in ids:
            problems.append("関係線の両端を一覧から選んでください")
        elif source == target:
            problems.append("関係線の両端には別々の要素を選んでください")
        elif any({t["source"], t["target"]} == {source, target} for t in self.ties):
            problems.append("この2つの間には既に関係線があります（強さ・方向は一覧で変えられます）")
        if strength not in {r["id"] for r in self.voc["strengths"]}:
            problems.append("関係の強さを一覧から選んでください")
        if direction not in {r["id"] for r in self.voc["directions"]}:
            problems.append("方向を一覧から選んでください")
        if len(self.ties) >= MAX_TIES:
            problems.append(f"関係線は {MAX_TIES} 本までです")
        if problems:
            self._say(problems)
            return False
        self.ties.append({"source": source, "target": target, "strength": strength, "direction": direction,
                          "note": ""})
        self._say([])
        self._rebuild()
        self.on_change()
        return True

    def remove_tie(self, index: int) -> None:
        if self.disabled or not 0 <= index < len(self.ties):
            return
        del self.ties[index]
        self._rebuild()
        self.on_change()

    def set_disabled(self, disabled: bool) -> None:
        self.disabled = disabled
        for widget in (self.new_label, self.new_kind, self.add_node_button, self.tie_source, self.tie_target,
                       self.tie_strength, self.tie_direction, self.add_tie_button):
            widget.disabled = disabled
        self._rebuild()

    def show_errors(self, messages: list[str]) -> None:
        self._say(messages)

    # --- view ----------------------------------------------------------------------------------

    def _check_privacy(self, node: dict | None = None) -> None:
        """Warn (never block) about what the privacy gate would find in the nodes' names and notes, as typed.
        One node after its edit; all of them after a rebuild."""
        if node is None:
            self._pii = {}
        for n in [node] if node is not None else self.nodes:
            for key in ("label", "note"):
                self._pii[(n["id"], key)] = pii_warnings(n[key])
        names = {n["id"]: n["label"] or n["id"] for n in self.nodes}
        self.privacy.value = privacy_notice([f"{names.get(nid, nid)}: {line}"
                                             for (nid, _key), found in self._pii.items() for line in found])

    def _center_id(self) -> str:
        return next((n["id"] for n in self.nodes if n["kind"] == "person"), CENTER_ID)

    def _say(self, messages: list[str]) -> None:
        self.message.value = notice(messages, "error") if messages else ""

    def redraw(self) -> None:
        data = self.value()
        try:
            ecomap = Ecomap.model_validate(data if data["nodes"] else {"nodes": self.nodes, "ties": []})
        except ValidationError as exc:
            self._say(describe_errors(exc))
            return
        self.drawing.value = ecomap_svg(ecomap, size=DRAWING_SIZE)

    def _rebuild(self) -> None:
        kinds = dict((row["id"], row["name"]) for row in self.voc["node_kinds"])
        strengths, directions = _options(self.voc["strengths"]), _options(self.voc["directions"])
        old = list(self.nodes_box.children) + list(self.ties_box.children)
        node_rows = []
        for node in self.nodes:
            label = tag(GText(value=node["label"], disabled=self.disabled, layout=shared_layout(width="14em")),
                        "wb-ecomap-node-label")
            screen_reader_name(label, f"{kinds.get(node['kind'], node['kind'])}の名前")
            note = tag(GText(value=node["note"], placeholder="メモ", disabled=self.disabled,
                             layout=shared_layout(width="14em")), "wb-ecomap-node-note")
            screen_reader_name(note, f"{node['label']}のメモ")
            label.observe(self._node_changed(node, "label"), names="value")
            note.observe(self._node_changed(node, "note"), names="value")
            for widget in (label, note):
                widget.on_refused(lambda _w, msg: self._say([msg]))
            kind = html(f'<span class="wb-badge">{esc(kinds.get(node["kind"], node["kind"]))}</span>', width="10em")
            row = [kind, label, note]
            if node["kind"] != "person":
                remove = tag(GButton(description="削除", disabled=self.disabled, layout=shared_layout(width="5em")),
                             "wb-ecomap-remove-node")
                remove.on_click(lambda _, nid=node["id"]: self.remove_node(nid))
                row.append(remove)
            node_rows.append(hbox(row, "wb-ecomap-node", f"wb-ecomap-node-{node['id']}"))
        names = {n["id"]: n["label"] for n in self.nodes}
        tie_rows = []
        for i, tie in enumerate(self.ties):
            strength = tag(GDropdown(options=strengths, value=tie["strength"], disabled=self.disabled,
                                     layout=shared_layout(width="10em")), "wb-ecomap-tie-strength-edit")
            screen_reader_name(strength, f"{names.get(tie['source'], '')}と{names.get(tie['target'], '')}の関係の強さ")
            direction = tag(GDropdown(options=directions, value=tie["direction"], disabled=self.disabled,
                                      layout=shared_layout(width="12em")), "wb-ecomap-tie-direction-edit")
            screen_reader_name(direction, f"{names.get(tie['source'], '')}と{names.get(tie['target'], '')}の関係の向き")
            strength.observe(self._tie_changed(tie, "strength"), names="value")
            direction.observe(self._tie_changed(tie, "direction"), names="value")
            for widget in (strength, direction):
                widget.on_refused(lambda _w, msg: self._say([msg]))
            remove = tag(GButton(description="削除", disabled=self.disabled, layout=shared_layout(width="5em")),
                         "wb-ecomap-remove-tie")
            remove.on_click(lambda _, i=i: self.remove_tie(i))
            ends = html(f'{esc(names.get(tie["source"], "?"))} — {esc(names.get(tie["target"], "?"))}', width="16em")
            tie_rows.append(hbox([ends, strength, direction, remove], "wb-ecomap-tie", f"wb-ecomap-tie-{i}"))
        if not tie_rows:
            tie_rows = [html('<div class="wb-help">まだ関係線はありません</div>')]
        self.nodes_box.children = node_rows
        self.ties_box.children = tie_rows
        close_all(old)
        center = self._center_id()
        others = [n["id"] for n in self.nodes if n["id"] != center]
        self._refresh_choices(center, others[-1] if others else center)
        self._check_privacy()
        self.redraw()

    def _refresh_choices(self, source: str | None = None, target: str | None = None) -> None:
        """The tie end dropdowns list the nodes by their current labels, keeping what was chosen."""
        source = source if source is not None else self.tie_source.value
        target = target if target is not None else self.tie_target.value
        choices = [(n["label"] or n["id"], n["id"]) for n in self.nodes]
        ids = [c[1] for c in choices]
        for dropdown, wanted in ((self.tie_source, source), (self.tie_target, target)):
            dropdown.options = choices
            dropdown.value = wanted if wanted in ids else (ids[0] if ids else None)

    def _node_changed(self, node: dict, key: str):
        def handler(change):
            node[key] = change["new"]
            if key == "label":
                self._refresh_choices()
            self._check_privacy(node)
            self.redraw()
            self.on_change()
        return handler

    def _tie_changed(self, tie: dict, key: str):
        def handler(change):
            tie[key] = change["new"]
            self.redraw()
            self.on_change()
        return handler
