"""The case sheet's sections as widgets (事例分析シート): every field of the case in Japanese, grouped
in tabs the way the paper sheet is, with validation beside each field and privacy warnings as a
person types. No storage and no rules about who may edit: the app around it (widgets.case_form)
decides that by asking casebook.workflow.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from pydantic import ValidationError

from casebook import vocab
from casebook.model import LONG, SHORT, Case, describe_errors, field_label
from widgets.common import (CheckGroup, Field, GCheckbox, GCombobox, GDropdown, GText,
                            GTextarea, esc, html, shared_layout,
                            vbox)
from widgets.ecomap import EcomapEditor
from widgets.timeline import TimelineEditor

NEW_ID = "NEW"                # stands in for the number a new case gets when first saved

# The sheet, tab by tab: (tab title, [(dotted path, kind, required, help)]).
SHEET: list[tuple[str, list[tuple[str, str, bool, str]]]] = [
    ("基本情報", [
        ("title", "line", True, "事例の内容が分かる短い題"),
        ("ward", "ward", True, ""),
        ("fiscal_year", "year", True, "4月〜翌年3月"),
        ("provider", "line", False, "個人名ではなく担当の呼び方でもかまいません"),
        ("provider_role", "staff_role", False, ""),
        ("target", "target", False, ""),
        ("themes", "themes", False, "当てはまるものをすべて選んでください"),
        ("keywords", "keywords", False, "「、」で区切って入力（20個まで）"),
        ("reason", "text", False, ""),
        ("questions", "text", False, "研修会で一緒に考えたいこと"),
    ]),
    ("事例の概要", [("summary.referral", "line", False, "例: 民生委員, 地域包括支援センター, 区役所"),
                ("summary.main_complaint", "text", False, ""), ("summary.support_period", "line", False, "")]),
    ("本人・世帯の状況", [
        ("person.age_band", "line", False, "年代で（例: 70代）"), ("person.gender", "line", False, ""),
        ("person.household", "text", False, ""), ("person.housing", "text", False, ""),
        ("person.health", "text", False, ""), ("person.care_level", "line", False, ""),
        ("person.economy", "text", False, ""), ("person.life_history", "text", False, ""),
        ("person.wishes", "text", False, ""), ("person.strengths", "text", False, "")]),
    ("地域の状況", [
        ("community.school_district", "text", False, ""), ("community.population", "text", False, ""),
        ("community.networks", "text", False, ""), ("community.resources", "text", False, ""),
        ("community.strengths_issues", "text", False, "")]),
    ("ジェノグラム・エコマップ", [("genogram", "text", False, "3世代の家族関係を文章で")]),
    ("アセスメント", [
        ("assessment.person", "text", False, ""), ("assessment.family", "text", False, ""),
        ("assessment.community", "text", False, ""), ("assessment.needs", "text", False, ""),
        ("assessment.judgement", "text", False, "")]),
    ("支援方針・目標", [("plan.policy", "text", False, ""), ("plan.short_term_goal", "text", False, ""),
                  ("plan.long_term_goal", "text", False, "")]),
    ("支援の経過", []),
    ("結果・評価", [("outcome.person_change", "text", False, ""), ("outcome.community_change", "text", False, ""),
               ("outcome.resource_development", "text", False, "")]),
    ("考察", [("reflection.csw_viewpoint", "text", False, ""), ("reflection.future_issues", "text", False, "")]),
    ("検討記録", [("discussion.issues", "text", False, ""), ("discussion.discussion", "text", False, ""),
              ("discussion.conclusion", "text", False, "")]),
    ("同意・匿名化", [("ethics.consent", "check", False, "本人（または家族）の同意を得ている"),
                ("ethics.anonymised", "check", False, "人名・住所・番号などを匿名化した")]),
]
KEYWORD_SPLIT = re.compile(r"[、,，;；\n]+")


def leaf_label(path: str) -> str:
    """The label of a field inside its tab: 'assessment.person' -> 本人, 'summary.referral' -> 相談経路."""
    labels = vocab.field_labels()
    parts = path.split(".")
    if len(parts) > 1:
        return labels.get(".".join(parts[-2:]), labels.get(parts[-1], parts[-1]))
    return labels.get(path, path)


def fiscal_year_options(current: int | None = None) -> list[tuple[str, int]]:
    today = dt.date.today()
    this = vocab.fiscal_year_of(today)
    years = set(range(this - 8, this + 2)) | ({current} if current else set())
    return [(vocab.format_fiscal_year(y), y) for y in sorted(years, reverse=True)]


def _get(data: dict, path: str) -> Any:
    for part in path.split("."):
        data = data.get(part, {}) if isinstance(data, dict) else {}
    return data if data != {} else None


def _put(data: dict, path: str, value: Any) -> None:
    *parents, last = path.split(".")
    for part in parents:
        data = data.setdefault(part, {})
    data[last] = value


def errors_by_path(exc: ValidationError) -> dict[str, list[str]]:
    """A pydantic error as {dotted path: [Japanese message without the field name]}."""
    out: dict[str, list[str]] = {}
    for err, line in zip(exc.errors(), describe_errors(exc)):
        path = ".".join(str(p) if not isinstance(p, int) else f"[{p}]" for p in err["loc"]).replace(".[", "[")
        label = field_label(path) if path else "入力"
        out.setdefault(path, []).append(line.removeprefix(f"{label}: "))
    return out


def check_case(data: dict) -> tuple[Case | None, dict[str, list[str]]]:
    try:
        return Case.model_validate(data), {}
    except ValidationError as exc:
        return None, errors_by_path(exc)


# --- the form (sections only; no storage) -----------------------------------------------------------

class CaseForm:
    """Widgets for every section; `values()` gives the raw case data, `load()` fills them.

    A section's widgets are made when its tab is first opened (`ensure_built`): a page with every
    section built carries ~1000 widget models, and opening it would be slow. Sections not built yet
    contribute the loaded data unchanged.
    """

    ECOMAP_SECTION = next(i for i, (title, _) in enumerate(SHEET) if title == "ジェノグラム・エコマップ")
    TIMELINE_SECTION = next(i for i, (title, _) in enumerate(SHEET) if title == "支援の経過")

    def __init__(self, on_change, *, fixed_ward: str = ""):
        self.on_change = on_change
        self.fixed_ward = fixed_ward
        self.fields: dict[str, Field] = {}
        self.data: dict = {}
        self.disabled = False
        self.built: set[int] = set()
        self._loading = False
        self.timeline: TimelineEditor | None = None
        self.ecomap: EcomapEditor | None = None
        self.case_number = html("", "wb-case-number")
        self.titles = [title for title, _ in SHEET]
        self.sections = [vbox([], "wb-section", f"wb-section-{i}") for i in range(len(SHEET))]
        self.ensure_built(0)

    def ensure_built(self, index: int) -> None:
        """Make the widgets of section `index` (once), filled from the loaded data."""
        if index in self.built or not 0 <= index < len(SHEET):
            return
        self.built.add(index)
        title, specs = SHEET[index]
        fields = [self._make(path, kind, required, help) for path, kind, required, help in specs]
        boxes = [f.box for f in fields]
        if index == 0:
            boxes.insert(0, self.case_number)
        if index == self.ECOMAP_SECTION:
            self.ecomap = EcomapEditor(on_change=self._structure_changed)
            boxes += [html("<h3>エコマップ</h3>"), self.ecomap.widget]
        if index == self.TIMELINE_SECTION:
            self.timeline = TimelineEditor(on_change=self._structure_changed)
            boxes.append(self.timeline.widget)
        self._loading = True
        try:
            for field in fields:
                self._fill(field)
            if index == self.ECOMAP_SECTION:
                self.ecomap.load(self.data.get("ecomap") or {})
                self.ecomap.set_disabled(self.disabled)
            if index == self.TIMELINE_SECTION:
                self.timeline.load(self.data.get("timeline") or [])
                self.timeline.set_disabled(self.disabled)
        finally:
            self._loading = False
        for field in fields:
            field.widget.disabled = self.disabled or (field.kind == "ward" and bool(self.fixed_ward))
        self.sections[index].children = boxes

    def build_all(self) -> None:
        for index in range(len(SHEET)):
            self.ensure_built(index)

    def _make(self, path: str, kind: str, required: bool, help: str) -> Field:
        wide = shared_layout(width="100%")
        if kind == "line":
            widget = GText(layout=wide)
            widget.max_chars = SHORT * 4
        elif kind == "text":
            widget = GTextarea(layout=shared_layout(width="100%", height="5.5em"))
            widget.max_chars = LONG * 4
        elif kind == "ward":
            widget = GDropdown(options=[(n, n) for n in vocab.ward_names()], value=None,
                               layout=shared_layout(width="14em"))
        elif kind == "year":
            widget = GDropdown(options=fiscal_year_options(), value=vocab.fiscal_year_of(dt.date.today()),
                               layout=shared_layout(width="18em"))
        elif kind == "target":
            widget = GDropdown(options=[(t["name"], t["id"]) for t in vocab.targets()], value="individual",
                               layout=shared_layout(width="10em"))
        elif kind == "themes":
            widget = CheckGroup(vocab.theme_names())
        elif kind == "staff_role":
            widget = GCombobox(options=[r["name"] for r in vocab.staff_roles()], ensure_option=False,
                               layout=shared_layout(width="26em"))
            widget.max_chars = SHORT * 4
        elif kind == "keywords":
            widget = GText(placeholder="例: 孤立、ごみ屋敷、見守り", layout=wide)
            widget.max_chars = SHORT * 20
        elif kind == "check":
            widget = GCheckbox(value=False, indent=False, description=help)
            help = ""
        else:  # pragma: no cover - the SHEET table is fixed
            raise ValueError(kind)
        field = Field(path, widget, label=leaf_label(path), required=required, help=help,
                      privacy=kind in ("line", "text", "keywords", "staff_role"))
        field.kind = kind
        widget.observe(lambda change, field=field: self._changed(field, change), names="value")
        self.fields[path] = field
        return field

    # --- values ----------------------------------------------------------------------------------

    def values(self) -> dict:
        data: dict = {}
        for _title, specs in SHEET:
            for path, kind, _required, _help in specs:
                field = self.fields.get(path)
                if field is None:
                    value = _get(self.data, path)
                    value = _default(kind) if value is None else value
                else:
                    value = field.widget.value
                    if kind == "themes":
                        value = list(value)
                    elif kind == "keywords":
                        value = [k.strip() for k in KEYWORD_SPLIT.split(value or "") if k.strip()]
                    elif kind == "check":
                        value = bool(value)
                _put(data, path, value)
        data["timeline"] = self.timeline.value() if self.timeline else list(self.data.get("timeline") or [])
        data["ecomap"] = self.ecomap.value() if self.ecomap else (self.data.get("ecomap") or {"nodes": [], "ties": []})
        return data

    def load(self, data: dict) -> None:
        import copy

        self.data = copy.deepcopy(data)
        if not self.data.get("ward") and self.fixed_ward:
            self.data["ward"] = self.fixed_ward
        self._loading = True
        try:
            for field in self.fields.values():
                self._fill(field)
            if self.timeline:
                self.timeline.load(self.data.get("timeline") or [])
            if self.ecomap:
                self.ecomap.load(self.data.get("ecomap") or {})
        finally:
            self._loading = False
        number = data.get("id")
        self.case_number.value = (f'<div class="wb-label">事例番号: <span class="wb-case-id">{esc(number)}</span></div>'
                                  if number and number != NEW_ID else
                                  '<div class="wb-label">事例番号: <span class="wb-case-id">（最初の保存で付きます）</span></div>')

    def _fill(self, field: Field) -> None:
        value = _get(self.data, field.path)
        kind = field.kind
        if kind == "themes":
            value = tuple(t for t in (value or []) if t in vocab.theme_names())
        elif kind == "keywords":
            value = "、".join(value or [])
        elif kind == "check":
            value = bool(value)
        elif kind == "year":
            field.widget.options = fiscal_year_options(value)
            value = value or vocab.fiscal_year_of(dt.date.today())
        elif kind == "ward":
            value = value if value in vocab.ward_names() else None
        elif kind == "target":
            value = value or "individual"
        else:
            value = value or ""
        field.widget.value = value
        field.touched = False
        field.show_errors([])
        field.show_privacy(value if isinstance(value, str) else "")

    def set_disabled(self, disabled: bool) -> None:
        self.disabled = disabled
        for field in self.fields.values():
            field.widget.disabled = disabled or (field.kind == "ward" and bool(self.fixed_ward))
        if self.timeline:
            self.timeline.set_disabled(disabled)
        if self.ecomap:
            self.ecomap.set_disabled(disabled)

    def show_errors(self, errors: dict[str, list[str]], *, everywhere: bool) -> list[str]:
        """Messages beside each field (touched fields while typing, all after a save attempt);
        returns the messages that belong to no visible field, with the field named."""
        routed: dict[str, list[str]] = {path: [] for path in self.fields}
        ecomap, general = [], []
        for path, messages in errors.items():
            if path.startswith("timeline") and self.timeline:
                continue
            if path.startswith("ecomap") and self.ecomap:
                ecomap += messages
                continue
            owner = next((p for p in sorted(self.fields, key=len, reverse=True)
                          if path == p or path.startswith(p + "[") or path.startswith(p + ".")), None)
            if owner:
                routed[owner].extend(messages)
            else:
                general.extend(f"{field_label(path) if path else '入力'}: {m}" for m in messages)
        for path, field in self.fields.items():
            if everywhere or field.touched:
                field.show_errors(routed[path])
        if self.timeline:
            self.timeline.show_errors(errors, touched_only=not everywhere)
        if self.ecomap:
            self.ecomap.show_errors(ecomap)
        return general

    # --- change tracking -------------------------------------------------------------------------

    def _changed(self, field: Field, change) -> None:
        if self._loading:
            return
        field.touched = True
        if isinstance(change["new"], str):
            field.show_privacy(change["new"])
        self.on_change()

    def _structure_changed(self) -> None:
        if not self._loading:
            self.on_change()


def _default(kind: str) -> Any:
    return {"themes": [], "keywords": [], "check": False, "target": "individual"}.get(kind, "")
