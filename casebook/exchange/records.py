"""Raw tables and documents into validated records, every problem located as the user sees it."""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path

from pydantic import BaseModel, ValidationError

from casebook import vocab
from casebook.exchange.cells import (_BLANK, _as_text, _CellError, _column_letter, _is_blank, _number,
                                     _parse_cell, _put)
from casebook.exchange.reading import (_META_KEYS, FORMAT_NAME, FORMAT_VERSION, _aliases, _figure_of,
                                       _guess_table, _hkey, _Raw, _unknown_column)
from casebook.exchange.report import KINDS, Bundle, Problem, _Origin
from casebook.exchange.tables import _CASE_TABLES, _SUB_OF, TABLES, Column, Table, _label
from casebook.model import Case, Evaluation, GroupNote, Session, WardActivity, describe_errors, field_label

class _Reader:
    """Turns raw tables and documents into validated records, collecting every problem."""

    def __init__(self, fiscal_year: int | None = None):
        self.fiscal_year = fiscal_year
        self.problems: list[Problem] = []
        self.bundle = Bundle()

    def problem(self, source: str, row: int | None, column: str, reason: str) -> None:
        # One problem per cell: a value that could not be read is not also reported as missing.
        if row is not None and any((p.source, p.row, p.column) == (source, row, column) for p in self.problems[-50:]):
            return
        self.problems.append(Problem(source, row, column, reason))

    # -- validation with locations --

    def validate(self, model: type[BaseModel], data: dict,
                 locate: "callable[[tuple], tuple[str, int | None, str]]") -> BaseModel | None:
        try:
            return model.model_validate(data)
        except ValidationError as exc:
            for err, line in zip(exc.errors(), describe_errors(exc)):
                source, row, column = locate(tuple(err["loc"]))
                reason = line.split(": ", 1)[1] if ": " in line else line
                self.problem(source, row, column, reason)
            return None

    def add(self, kind: str, record: BaseModel, origin: _Origin) -> None:
        items = getattr(self.bundle, kind)
        self.bundle.origins[(kind, len(items))] = origin
        items.append(record)

    # -- tabular files --

    def read_tables(self, raws: list[_Raw]) -> None:
        by_table: dict[str, list[_Raw]] = defaultdict(list)
        for raw in raws:
            name = raw.name if raw.name in TABLES else None
            guessed = _guess_table(raw.headers)
            if name == "活動状況" and guessed == "活動状況(wide)":
                name = guessed
            name = name or guessed
            if name is None:
                shown = "、".join(h for h in raw.headers if h) or "（なし）"
                self.problem(raw.source, raw.header_row, "",
                             f"どの表か判断できません（列名: {shown}）。書き出したファイルの列名を使ってください")
                continue
            by_table[name].append(raw)
        rows = {name: [r for raw in by_table.get(name, []) for r in self.rows_of(raw, TABLES[name])]
                for name in TABLES if name != "活動状況"}
        self.build_cases(rows)
        self.build_sessions(rows)
        self.build_simple(rows["グループメモ"], GroupNote, "group_notes", TABLES["グループメモ"])
        self.build_simple(rows["評価"], Evaluation, "evaluations", TABLES["評価"])
        for raw in by_table.get("活動状況", []):
            self.build_simple(self.rows_of(raw, TABLES["活動状況"]), WardActivity, "activity",
                              TABLES["活動状況"], fill=_fill_theme)
        for raw in by_table.get("活動状況(wide)", []):
            self.read_wide_activity(raw)

    def rows_of(self, raw: _Raw, table: Table) -> list[tuple[_Raw, int, dict, str]]:
        """Rows as (raw, row number, record dict, reference key); cell problems are collected."""
        aliases = _aliases(table)
        columns: list[Column | None] = []
        seen: dict[str, str] = {}
        for index, header in enumerate(raw.headers):
            if not header:
                columns.append(None)
                if any(index < len(cells) and not _is_blank(cells[index]) for _, cells in raw.rows):
                    self.problem(raw.source, raw.header_row, f"{_column_letter(index)}列",
                                 "列名のない列に値があります（列名を入れてください）")
                continue
            column = aliases.get(_hkey(header))
            if column is None:
                self.problem(raw.source, raw.header_row, header, _unknown_column(header, table))
            elif column.path in seen:
                self.problem(raw.source, raw.header_row, header, f"列「{seen[column.path]}」と同じ項目の列が2つあります")
                column = None
            else:
                seen[column.path] = header
            columns.append(column)
        missing = [c for c in table.columns if (c.kind == "ref" or c.required) and c.path not in seen
                   and not (table.kind == "activity" and c.path == "theme")]   # a known 指標 gives the theme
        raw.typed = seen
        for c in missing:
            self.problem(raw.source, raw.header_row, c.header, f"「{c.header}」の列がありません")
        if missing:
            return []
        ward_i = next((i for i, c in enumerate(columns) if c is not None and c.path == "ward"), None)
        out = []
        for number, cells in raw.rows:
            if table.kind == "activity" and ward_i is not None and ward_i < len(cells) and _is_total(cells[ward_i]):
                continue
            record: dict = {}
            ref = ""
            for index, column in enumerate(columns):
                if column is None or index >= len(cells):
                    continue
                header = raw.headers[index]
                try:
                    value = _parse_cell(cells[index], column)
                except _CellError as exc:
                    self.problem(raw.source, number, header, str(exc))
                    continue
                if value is _BLANK:
                    continue
                if column.kind == "ref":
                    ref = vocab.normalize(value)
                else:
                    _put(record, column.path, value)
            out.append((raw, number, record, ref))
        return out

    def build_cases(self, rows: dict[str, list]) -> None:
        case_table = TABLES["事例"]
        cases: dict[str, tuple[dict, _Raw, int, dict]] = {}
        order: list[tuple[dict, _Raw, int, dict]] = []
        for raw, number, record, _ in rows["事例"]:
            prov: dict[tuple, tuple[_Raw, int, Table]] = {(): (raw, number, case_table)}
            entry = (record, raw, number, prov)
            order.append(entry)
            key = vocab.normalize(str(record.get("id", "")))
            if key and key not in cases:
                cases[key] = entry
        for table_name in _CASE_TABLES[1:]:
            table = TABLES[table_name]
            path = _SUB_OF[table.kind]
            for raw, number, record, ref in rows[table_name]:
                ref_header = table.columns[0].header
                if not ref:
                    self.problem(raw.source, number, ref_header, f"{ref_header}を入力してください")
                    continue
                if ref not in cases:
                    self.problem(raw.source, number, ref_header,
                                 f"「{ref}」は事例の表にない{ref_header}です（事例の行と一緒に取り込んでください）")
                    continue
                case, _, _, prov = cases[ref]
                container = case
                for p in path[:-1]:
                    container = container.setdefault(p, {})
                items = container.setdefault(path[-1], [])
                prov[(*path, len(items))] = (raw, number, table)
                if len(path) == 2 and (path[0],) not in prov:
                    prov[(path[0],)] = (raw, number, table)   # ecomap-wide errors point at its first row
                items.append(record)
        for record, raw, number, prov in order:
            case = self.validate(Case, record, _tabular_locator(prov))
            if case is not None:
                self.add("cases", case, _Origin(raw.source, number, case_table.header("id")))

    def build_sessions(self, rows: dict[str, list]) -> None:
        table = TABLES["研修会"]
        sessions: dict[str, tuple[dict, dict]] = {}
        order = []
        for raw, number, record, _ in rows["研修会"]:
            prov = {(): (raw, number, table)}
            order.append((record, raw, number, prov))
            key = vocab.normalize(str(record.get("id", "")))
            if key and key not in sessions:
                sessions[key] = (record, prov)
        for table_name in ("次第", "問い", "参加者", "グループ"):
            sub = TABLES[table_name]
            (path,) = _SUB_OF[sub.kind]
            for raw, number, record, ref in rows[table_name]:
                ref_header = sub.columns[0].header
                if sub.kind == "question" and "text" not in record:
                    self.problem(raw.source, number, sub.columns[1].header, "問いを入力してください")
                    continue
                if not ref or ref not in sessions:
                    reason = (f"{ref_header}を入力してください" if not ref
                              else f"「{ref}」は研修会の表にない{ref_header}です")
                    self.problem(raw.source, number, ref_header, reason)
                    continue
                session, prov = sessions[ref]
                items = session.setdefault(path, [])
                prov[(path, len(items))] = (raw, number, sub)
                items.append(record["text"] if sub.kind == "question" else record)
        for record, raw, number, prov in order:
            session = self.validate(Session, record, _tabular_locator(prov))
            if session is not None:
                self.add("sessions", session, _Origin(raw.source, number, table.header("id")))

    def build_simple(self, rows: list, model: type[BaseModel], kind: str, table: Table, fill=None) -> None:
        for raw, number, record, _ in rows:
            if fill:
                fill(record)
            prov = {(): (raw, number, table)}
            item = self.validate(model, record, _tabular_locator(prov))
            if item is not None:
                key_path = {"activity": "figure", "group_notes": "session_id", "evaluations": "participant"}[kind]
                self.add(kind, item, _Origin(raw.source, number, table.header(key_path)))

    def read_wide_activity(self, raw: _Raw) -> None:
        """One row per ward, one column per 指標: each filled cell becomes one WardActivity."""
        table = TABLES["活動状況"]
        ward_h, year_h = table.header("ward"), table.header("fiscal_year")
        ward_i = year_i = None
        figure_cols: dict[int, dict] = {}
        for index, header in enumerate(raw.headers):
            key = _hkey(header)
            if not key:
                continue
            if key == _hkey(ward_h):
                ward_i = index
            elif key == _hkey(year_h):
                year_i = index
            elif figure := _figure_of(header):
                figure_cols[index] = figure
            else:
                names = "、".join(f["name"] for f in vocab.figures())
                self.problem(raw.source, raw.header_row, header, f"指標の一覧にない列です（使える指標: {names}）")
        default_year = self.fiscal_year or _year_in_text(raw.name or "") or _year_in_text(raw.preamble)
        if year_i is None and default_year is None:
            self.problem(raw.source, raw.header_row, year_h,
                         "年度がわかりません（「年度」の列を加えるか、シート名を「令和6年度」のようにするか、"
                         "取り込むときに年度を指定してください: workbench import ファイル --year 令和6年度）")
            return
        for number, cells in raw.rows:
            cell = lambda i: cells[i] if i is not None and i < len(cells) else None  # noqa: E731
            if _is_total(cell(ward_i)):
                continue
            year: object = default_year
            if year_i is not None and not _is_blank(cell(year_i)):
                year = _as_text(cell(year_i))
            for index, figure in figure_cols.items():
                value = cell(index)
                if _is_blank(value):
                    continue
                header = raw.headers[index]
                try:
                    number_value = _number(value)
                except _CellError as exc:
                    self.problem(raw.source, number, header, str(exc))
                    continue
                record = {"ward": _as_text(cell(ward_i)) if ward_i is not None else "",
                          "fiscal_year": year, "theme": figure["theme"], "figure": figure["name"],
                          "value": number_value, "unit": figure.get("unit", "")}
                cols = {"ward": ward_h, "fiscal_year": year_h, "value": header}

                def locate(loc: tuple, _number=number, _cols=cols, _header=header):
                    name = loc[0] if loc else ""
                    return raw.source, _number, _cols.get(name, _header)

                item = self.validate(WardActivity, record, locate)
                if item is not None:
                    self.add("activity", item, _Origin(raw.source, number, header))

    # -- documents (YAML / JSON) --

    def read_document(self, path: Path, data: object, lines: dict[str, list[int]]) -> None:
        name = path.name
        if isinstance(data, list):
            data = {"cases": data}
            lines = {"cases": lines.get("", [])}
        if data is None:
            return
        if not isinstance(data, dict):
            self.problem(name, None, "", "一覧（cases: …）の形式になっていません")
            return
        if "format" in data and data["format"] != FORMAT_NAME:
            self.problem(name, None, "format", f"形式「{data['format']}」は読めません（{FORMAT_NAME} のみ）")
            return
        version = data.get("version", FORMAT_VERSION)
        if not isinstance(version, int) or version > FORMAT_VERSION:
            self.problem(name, None, "version", f"版 {version} の形式は読めません（このワークベンチは版 {FORMAT_VERSION} まで）")
            return
        for key in data:
            if key not in KINDS and key not in _META_KEYS:
                self.problem(name, None, str(key), f"この項目は読めません（使える項目: {', '.join(KINDS)}）")
        models = {"cases": Case, "activity": WardActivity, "sessions": Session,
                  "group_notes": GroupNote, "evaluations": Evaluation}
        key_labels = {"cases": _label("id"), "activity": _label("figure"), "sessions": _label("session_id"),
                      "group_notes": _label("session_id"), "evaluations": _label("participant")}
        for kind, model in models.items():
            items = data.get(kind) or []
            if not isinstance(items, list):
                self.problem(name, None, kind, "一覧（- で始まる行の並び）で書いてください")
                continue
            item_lines = lines.get(kind, [])
            for i, item in enumerate(items):
                # Located as "file › cases 3件目" and, in YAML, the line the item starts on.
                shown = f"{name} › {kind} {i + 1}件目"
                line = item_lines[i] if i < len(item_lines) else None

                def locate(loc: tuple, _shown=shown, _line=line):
                    path = ".".join(str(p) if not isinstance(p, int) else f"[{p}]" for p in loc).replace(".[", "[")
                    return _shown, _line, field_label(path) if path else ""

                if not isinstance(item, dict):
                    self.problem(shown, line, "", "項目の並び（キー: 値）になっていません")
                    continue
                record = self.validate(model, item, locate)
                if record is not None:
                    self.add(kind, record, _Origin(shown, line, key_labels[kind]))


def _tabular_locator(prov: dict[tuple, tuple[_Raw, int, Table]]):
    def locate(loc: tuple) -> tuple[str, int | None, str]:
        for cut in range(len(loc), -1, -1):
            if loc[:cut] in prov:
                raw, number, table = prov[loc[:cut]]
                rest = ".".join(str(p) for p in loc[cut:] if not isinstance(p, int))
                header = raw.typed.get(rest) or table.header(rest)
                while not header and "." in rest:   # a nested model error: the column of its parent
                    rest = rest.rsplit(".", 1)[0]
                    header = raw.typed.get(rest) or table.header(rest)
                if not header and rest == "text" and table.kind == "question":
                    header = table.columns[1].header
                path = ".".join(str(p) if not isinstance(p, int) else f"[{p}]" for p in loc).replace(".[", "[")
                return raw.source, number, header or (field_label(path) if path else "")
        return "", None, ""
    return locate


_TOTALS = {"合計", "計", "総計", "市計", "全市", "大阪市", "小計"}


def _is_total(value: object) -> bool:
    """A 合計 row that wards add under their table: derived, so not imported."""
    return not _is_blank(value) and re.sub(r"\s+", "", vocab.normalize(_as_text(value))) in _TOTALS


def _fill_theme(record: dict) -> None:
    """A known 指標 tells its テーマ: staff may leave the theme blank in the long table."""
    if "theme" not in record and "figure" in record:
        figure = _figure_of(str(record["figure"]))
        if figure:
            record["theme"] = figure["theme"]


_YEAR_IN_TEXT = re.compile(r"(令和|平成|R|H)\s*(\d{1,2}|元)\s*年度|(\d{4})\s*年度", re.IGNORECASE)


def _year_in_text(text: str) -> int | None:
    m = _YEAR_IN_TEXT.search(vocab.normalize(text))
    if not m:
        return None
    try:
        return vocab.parse_fiscal_year(m.group(0))
    except vocab.VocabError:
        return None
