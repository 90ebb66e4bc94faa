"""Import and export of cases, ward activity figures and training sessions.

Formats, chosen by the file's suffix:

- ``.yaml`` / ``.yml`` / ``.json`` — one document
  ``{format: osaka-csw-workbench, version: 1, cases: [...], activity: [...], sessions: [...],
  group_notes: [...], evaluations: [...]}``; every key is optional on import and a bare list is
  read as a list of cases. Records are the model's own fields (English keys, Japanese values).
- ``.xlsx`` — one workbook, one sheet per table (below), Japanese column headers in row 1.
- ``.csv`` — the same tables as separate files side by side: ``NAME.csv`` holds the main table
  (事例 when cases are exported, else 活動状況 or 研修会) and every other table goes to
  ``NAME.<シート名>.csv`` (``NAME.支援の経過.csv``, ``NAME.エコマップ要素.csv`` …). Importing
  ``NAME.csv`` reads the siblings too; what a file holds is told by its name or its headers.
  Files are written as UTF-8 with a BOM (Excel opens them correctly); UTF-8 and Shift_JIS (cp932)
  are read. An export removes stale ``NAME.<シート名>.csv`` siblings it did not write, so an
  import never picks up a table from an earlier export.

Tables (sheet names, key column first; headers come from ``vocab.field_labels()``):

==================  ===========================================================================
事例                one row per case: the flat fields, nested sections as 「事例の概要 › 主訴」;
                    lists (キーワード, テーマ) separated by 「、」; はい／いいえ for the flags
支援の経過          事例番号 + one row per timeline entry, in order
エコマップ要素      事例番号, 要素ID, 名称, 種類, メモ
エコマップ関係線    事例番号, 起点, 終点, 関係の強さ, 方向, メモ
助言者コメント      事例番号, コメントの種類, 助言者, 本文, 日時 (ISO text, keeps the time zone)
活動状況            区, 年度, テーマ, 指標, 値, 単位 (the long table)
研修会              one row per session; 次第, 問い, 参加者, グループ in their own sheets
グループメモ        研修会ID, グループ, 問い (numbered from 1, as on the board), 記入者, 本文, ピン留め
評価                研修会ID, 参加者, 満足度, 理解度, 有用性 (1–5 or とてもよかった…), 感想・意見, 今後の要望
==================  ===========================================================================

Ward figures are also read in the wide shape wards actually send: one row per ward, one column
per 指標 (a name from ``vocab/figures.yaml``, optionally followed by its unit in brackets), and the
year from a 年度 column, the ``fiscal_year`` argument, the sheet's name or a title row above the
header (「令和6年度 活動状況」).

What staff type is accepted: 全角 digits, 令和/平成 years, ward names with or without 大阪市,
ward codes, blank rows, spaces around values, numbers with commas (1,234), title rows above the
header. Everything else is refused: an import first reads and validates every row of every file,
collects every problem as (file/sheet, row as Excel shows it, column header, Japanese reason), and
raises ``ImportFailed`` with the whole list; only when there is none is everything written, in one
store transaction (``Store.import_all``). Ids already in the store are problems too, unless
``replace=True``.

Text is kept as typed (no NFKC on prose); in Excel it is always stored as text, never as a formula,
and in CSV a cell that a spreadsheet would take for a formula (= + - @ first) gets a leading
apostrophe, which import removes again.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import re
import tempfile
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from types import NoneType, UnionType
from typing import TYPE_CHECKING, Annotated, Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError

from casebook.errors import WorkbenchError
from casebook import vocab
from casebook.model import (SCALE, SESSION_KINDS, AdvisorComment, AgendaItem, Case, EcomapNode,
                            EcomapTie, Evaluation, Group, GroupNote, Participant, Session,
                            TimelineEntry, WardActivity, describe_errors, field_label)

if TYPE_CHECKING:
    from casebook.store import Store

FORMAT_NAME = "osaka-csw-workbench"
FORMAT_VERSION = 1
SAMPLE_DIR = Path(__file__).resolve().parent.parent / "sample"
WHAT = ("all", "cases", "activity", "sessions")
KINDS = ("cases", "activity", "sessions", "group_notes", "evaluations")
KIND_LABELS = {"cases": "事例", "activity": "活動状況", "sessions": "研修会",
               "group_notes": "グループメモ", "evaluations": "評価"}
_SUFFIXES = {".yaml": "yaml", ".yml": "yaml", ".json": "json", ".csv": "csv", ".xlsx": "xlsx", ".xlsm": "xlsx"}
_META_KEYS = {"format", "version", "exported_at"}
# 助言 / ポイント整理 as DOMAIN.md names them; the model keeps the ids.
COMMENT_KINDS = {"advice": "助言", "key_points": "ポイント整理"}


# --- results and errors --------------------------------------------------------------------

@dataclass(frozen=True)
class Problem:
    """One thing wrong in an import file, located the way the user sees it."""
    source: str            # file name, with the sheet for Excel: "figures.xlsx › 活動状況"
    row: int | None        # row number as Excel shows it (header = 1); item number in YAML/JSON
    column: str            # the column header (or field label) the problem is in
    reason: str            # Japanese

    def __str__(self) -> str:
        where = [self.source, f"{self.row}行目" if self.row is not None else "", f"「{self.column}」" if self.column else ""]
        return f"{' '.join(w for w in where if w)}: {self.reason}"


class ImportFailed(WorkbenchError):
    """Nothing was written: `problems` lists every bad row with its number, column and reason."""

    def __init__(self, problems: Sequence[Problem]):
        self.problems = list(problems)
        head = f"取り込めませんでした（問題 {len(self.problems)} 件。何も書き込んでいません）"
        super().__init__("\n".join([head, *(f"  {p}" for p in self.problems[:50])]))


@dataclass
class Bundle:
    """Everything one import brings, parsed and validated; `origins` locates each record."""
    cases: list[Case] = field(default_factory=list)
    activity: list[WardActivity] = field(default_factory=list)
    sessions: list[Session] = field(default_factory=list)
    group_notes: list[GroupNote] = field(default_factory=list)
    evaluations: list[Evaluation] = field(default_factory=list)
    sources: list[Path] = field(default_factory=list)
    origins: dict[tuple[str, int], "_Origin"] = field(default_factory=dict, repr=False, compare=False)

    def counts(self) -> dict[str, int]:
        return {kind: len(getattr(self, kind)) for kind in KINDS}

    def is_empty(self) -> bool:
        return not any(self.counts().values())

    def origin(self, kind: str, index: int) -> "_Origin":
        """Where record `index` of `kind` came from (a bundle built in code: its kind and number)."""
        return self.origins.get((kind, index)) or _Origin(KIND_LABELS[kind], index + 1, "")


@dataclass(frozen=True)
class ImportReport:
    sources: tuple[Path, ...]
    counts: dict[str, int]          # records read, by kind (KINDS)
    written: dict[str, int]         # what Store.import_all reports (cases_new, cases_updated, …)

    def summary(self) -> str:
        parts = [f"{KIND_LABELS[k]} {n:,}件" for k, n in self.counts.items() if n]
        text = f"{'、'.join(parts) if parts else '0件'}を取り込みました"
        updated, unchanged = self.written.get("cases_updated", 0), self.written.get("cases_unchanged", 0)
        if updated or unchanged:
            text += f"（事例のうち 新規 {self.written.get('cases_new', 0)}件・更新 {updated}件・変更なし {unchanged}件）"
        return text


@dataclass(frozen=True)
class ExportReport:
    path: Path
    files: tuple[Path, ...]
    counts: dict[str, int]
    removed: tuple[Path, ...] = ()

    def summary(self) -> str:
        parts = [f"{KIND_LABELS[k]} {n:,}件" for k, n in self.counts.items() if n]
        names = "、".join(p.name for p in self.files)
        return f"{'、'.join(parts) or '0件'}を書き出しました: {names}"


@dataclass(frozen=True)
class _Origin:
    source: str
    row: int | None
    key_column: str


# --- table layout: derived from the model and the vocabulary --------------------------------

@dataclass(frozen=True)
class Column:
    path: str              # dotted path in the record dict ("summary.referral")
    header: str            # Japanese header
    kind: str              # text|list|bool|int|number|year|date|datetime|choice|score|question|ref
    choices: tuple[tuple[str, str], ...] = ()   # (id, label) for kind "choice"
    optional: bool = False  # None when blank
    required: bool = False  # the model has no default: a sheet without this column cannot be read


@dataclass(frozen=True)
class Table:
    name: str                      # sheet name and CSV sibling suffix
    kind: str                      # which record: case|timeline|node|tie|comment|activity|session|...
    columns: tuple[Column, ...]

    def header(self, path: str) -> str:
        return next((c.header for c in self.columns if c.path == path), "")


def _label(name: str, record: str = "") -> str:
    labels = vocab.field_labels()
    return labels.get(f"{record}.{name}") or labels.get(name) or name


def _choices(rows: Iterable[dict] | dict[str, str]) -> tuple[tuple[str, str], ...]:
    if isinstance(rows, dict):
        return tuple(rows.items())
    return tuple((str(r["id"]), r["name"]) for r in rows)


def _choice_table() -> dict[tuple[str, str], tuple[tuple[str, str], ...]]:
    eco = vocab.ecomap_vocab()
    return {("case", "target"): _choices(vocab.targets()),
            ("case", "status"): _choices(vocab.statuses()),
            ("node", "kind"): _choices(eco["node_kinds"]),
            ("tie", "strength"): _choices(eco["strengths"]),
            ("tie", "direction"): _choices(eco["directions"]),
            ("comment", "kind"): _choices(COMMENT_KINDS),
            ("session", "kind"): _choices(SESSION_KINDS)}


def _kind_of(annotation: Any) -> tuple[str, bool]:
    """The cell kind of a model field's type, and whether it may be None."""
    optional = False
    origin = get_origin(annotation)
    if origin in (Union, UnionType):
        args = [a for a in get_args(annotation) if a is not NoneType]
        optional = len(args) < len(get_args(annotation))
        annotation = args[0]
        origin = get_origin(annotation)
    if origin is Annotated:
        annotation = get_args(annotation)[0]
        origin = get_origin(annotation)
    if origin is Literal:
        return "choice", optional
    if origin is list:
        return "list", optional
    for typ, kind in ((bool, "bool"), (dt.datetime, "datetime"), (dt.date, "date"), (int, "int"),
                      (float, "number"), (str, "text")):
        if annotation is typ:
            return kind, optional
    raise TypeError(f"no cell kind for {annotation!r}")


def _model_columns(model: type[BaseModel], record: str, *, prefix: str = "", header_prefix: str = "",
                   skip: Iterable[str] = (), kinds: dict[str, str] | None = None,
                   labels: dict[str, str] | None = None) -> list[Column]:
    choice_table = _choice_table()
    out = []
    for name, info in model.model_fields.items():
        if name in skip:
            continue
        kind, optional = _kind_of(info.annotation)
        kind = (kinds or {}).get(name, "year" if name == "fiscal_year" else kind)
        choices = choice_table.get((record, name), ())
        kind = "choice" if choices else kind
        header = (labels or {}).get(name) or _label(name, record)
        out.append(Column(path=prefix + name, header=header_prefix + header, kind=kind,
                          choices=choices, optional=optional, required=info.is_required()))
    return out


_CASE_SECTIONS = ("summary", "person", "community", "assessment", "plan", "outcome",
                  "reflection", "discussion", "ethics")
_CASE_OWN_SHEETS = ("ecomap", "timeline", "comments")


def _case_columns() -> list[Column]:
    cols: list[Column] = []
    for name, info in Case.model_fields.items():
        if name in _CASE_OWN_SHEETS:
            continue
        if name in _CASE_SECTIONS:
            section = info.annotation
            cols += _model_columns(section, name, prefix=f"{name}.", header_prefix=f"{_label(name)} › ")
        else:
            cols += _model_columns(Case, "case", skip=[n for n in Case.model_fields if n != name])
    return cols


def _ref(record_label: str) -> Column:
    return Column(path="__ref__", header=_label(record_label), kind="ref")


def _tables() -> dict[str, Table]:
    score = {"satisfaction": "score", "understanding": "score", "usefulness": "score"}
    tables = [
        Table("事例", "case", tuple(_case_columns())),
        Table("支援の経過", "timeline", (_ref("id"), *_model_columns(TimelineEntry, "timeline"))),
        Table("エコマップ要素", "node", (_ref("id"), *_model_columns(
            EcomapNode, "node", labels={"id": _label("node_id")}))),
        Table("エコマップ関係線", "tie", (_ref("id"), *_model_columns(
            EcomapTie, "tie", labels={"target": _label("target_node")}))),
        Table("助言者コメント", "comment", (_ref("id"), *_model_columns(
            AdvisorComment, "comment", labels={"kind": _label("kind", "comment")}))),
        Table("活動状況", "activity", tuple(_model_columns(WardActivity, "activity"))),
        Table("研修会", "session", tuple(_model_columns(
            Session, "session", skip=("agenda", "participants", "groups", "questions"),
            labels={"id": _label("session_id")}))),
        Table("次第", "agenda", (_ref("session_id"), *_model_columns(AgendaItem, "agenda"))),
        Table("問い", "question", (_ref("session_id"), Column("text", _label("question"), "text"))),
        Table("参加者", "participant", (_ref("session_id"), *_model_columns(Participant, "participant"))),
        Table("グループ", "group", (_ref("session_id"), *_model_columns(
            Group, "group", labels={"name": _label("group")}))),
        Table("グループメモ", "group_note", tuple(_model_columns(
            GroupNote, "group_note", kinds={"question": "question"}))),
        Table("評価", "evaluation", tuple(_model_columns(Evaluation, "evaluation", kinds=score))),
    ]
    return {t.name: t for t in tables}


TABLES: dict[str, Table] = _tables()
_CASE_TABLES = ("事例", "支援の経過", "エコマップ要素", "エコマップ関係線", "助言者コメント")
_SESSION_TABLES = ("研修会", "次第", "問い", "参加者", "グループ", "グループメモ", "評価")
_SUB_OF = {"timeline": ("timeline",), "node": ("ecomap", "nodes"), "tie": ("ecomap", "ties"),
           "comment": ("comments",), "agenda": ("agenda",), "question": ("questions",),
           "participant": ("participants",), "group": ("groups",)}


# --- reading cells ---------------------------------------------------------------------------

class _CellError(ValueError):
    pass


_BLANK = object()
_LIST_SPLIT = re.compile(r"\s*[、,，;；\n]\s*")
_TRUE = {"はい", "true", "yes", "y", "1", "あり", "有", "済", "済み", "○", "〇", "✓", "する"}
_FALSE = {"いいえ", "false", "no", "n", "0", "なし", "無", "未", "×", "しない", "-"}


def _is_blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _as_text(value: object) -> str:
    if isinstance(value, bool):
        return "はい" if value else "いいえ"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip()


def _number(value: object) -> float:
    if isinstance(value, bool):
        raise _CellError("数値で入力してください")
    if isinstance(value, (int, float)):
        return value
    text = vocab.normalize(str(value)).replace(",", "").replace(" ", "")
    try:
        number = float(text)
    except ValueError:
        raise _CellError(f"数値で入力してください（「{str(value).strip()}」は数値として読めません）") from None
    return int(number) if number.is_integer() and "." not in text else number


def _integer(value: object) -> int:
    number = _number(value)
    if isinstance(number, float) and not number.is_integer():
        raise _CellError(f"整数で入力してください（「{_as_text(value)}」）")
    return int(number)


_DATE_RE = re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$")
_ERA_DATE_RE = re.compile(r"^(令和|平成|R|H)(\d{1,2}|元)[年.](\d{1,2})[月.](\d{1,2})日?$", re.IGNORECASE)


def _date(value: object) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = vocab.normalize(str(value)).replace(" ", "")
    try:
        if m := _DATE_RE.match(text):
            return dt.date(int(m[1]), int(m[2]), int(m[3]))
        if m := _ERA_DATE_RE.match(text):
            offset = 2018 if m[1].upper() in ("令和", "R") else 1988
            return dt.date(offset + (1 if m[2] == "元" else int(m[2])), int(m[3]), int(m[4]))
    except ValueError:
        pass
    raise _CellError(f"日付（例: 2024-10-05, 2024/10/5, 令和6年10月5日）で入力してください（「{str(value).strip()}」）")


def _datetime(value: object) -> object:
    if isinstance(value, dt.datetime):
        return value
    text = vocab.normalize(str(value))
    if _DATE_RE.match(text.replace(" ", "")):
        return dt.datetime.combine(_date(text), dt.time())
    text = re.sub(r"^(\d{4})/(\d{1,2})/(\d{1,2})", lambda m: f"{m[1]}-{int(m[2]):02}-{int(m[3]):02}", text)
    try:
        return dt.datetime.fromisoformat(text)
    except ValueError:
        raise _CellError(f"日時（例: 2024-10-05 14:30）で入力してください（「{str(value).strip()}」）") from None


def _bool(value: object) -> bool:
    if isinstance(value, bool):
        return value
    text = vocab.normalize(_as_text(value)).lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise _CellError(f"「はい」か「いいえ」で入力してください（「{_as_text(value)}」）")


def _choice(value: object, column: Column) -> str:
    text = vocab.normalize(_as_text(value))
    for ident, name in column.choices:
        if text in (ident, vocab.normalize(name)):
            return ident
    names = " / ".join(name for _, name in column.choices)
    raise _CellError(f"「{_as_text(value)}」は選べません（{names}）")


def _score(value: object) -> int:
    text = _as_text(value)
    if text in SCALE:
        return 5 - SCALE.index(text)
    return _integer(value)


def _parse_cell(value: object, column: Column) -> object:
    """A cell as the model wants it; `_BLANK` when empty (the model's default or 'missing' applies)."""
    if _is_blank(value):
        return _BLANK
    kind = column.kind
    if kind in ("text", "ref"):
        return _as_text(value)
    if kind == "list":
        return [part for part in _LIST_SPLIT.split(_as_text(value)) if part]
    if kind == "bool":
        return _bool(value)
    if kind in ("int", "score"):
        return _score(value) if kind == "score" else _integer(value)
    if kind == "question":
        return _integer(value) - 1   # the board numbers questions from 1
    if kind == "number":
        return _number(value)
    if kind == "year":
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return _integer(value)
        text = _as_text(value)
        # The exported label 2024年度（令和6年度） reads back as its first part.
        return m.group(1) if (m := re.match(r"^(.+?)\s*[（(].*[)）]$", text)) else text
    if kind == "date":
        return _date(value)
    if kind == "datetime":
        return _datetime(value)
    if kind == "choice":
        return _choice(value, column)
    raise AssertionError(kind)


def _put(target: dict, path: str, value: object) -> None:
    *parents, last = path.split(".")
    for p in parents:
        target = target.setdefault(p, {})
    target[last] = value


# --- reading files into raw tables -------------------------------------------------------------

@dataclass
class _Raw:
    """One sheet or CSV file as read: headers and the non-blank rows, with Excel row numbers."""
    source: str
    name: str | None                   # the sheet's name / the CSV sibling's table name
    header_row: int
    headers: list[str]
    rows: list[tuple[int, list[object]]]
    preamble: str = ""                 # title text above the header row
    typed: dict[str, str] = field(default_factory=dict)   # column path -> the header as the user wrote it


def _hkey(header: object) -> str:
    """Headers compared loosely: NFKC, no spaces, any of › > : as the section separator."""
    text = vocab.normalize(_as_text(header)) if not _is_blank(header) else ""
    text = re.sub(r"\s+", "", text)
    return re.sub(r"[>:：›]", "›", text)


_UNIT_SUFFIX = re.compile(r"[（(][^（()）]*[)）]$")


def _figure_names() -> dict[str, dict]:
    return {_hkey(f["name"]): f for f in vocab.figures()}


def _figure_of(header: str) -> dict | None:
    figures = _figure_names()
    key = _hkey(header)
    return figures.get(key) or figures.get(_UNIT_SUFFIX.sub("", key))


# Other names staff use for a column (the issue itself says タイトル for 事例タイトル).
_EXTRA_ALIASES = {"case": {"タイトル": "title", "事例名": "title", "区社協": "ward", "事例ID": "id"},
                  "activity": {"区社協": "ward", "数値": "value", "実績": "value"},
                  "session": {"タイトル": "title", "研修名": "title", "ID": "id"}}


def _unknown_column(header: str, table: Table) -> str:
    import difflib

    names = [c.header for c in table.columns]
    close = difflib.get_close_matches(header, names, n=1, cutoff=0.5)
    hint = f"もしかして「{close[0]}」ですか？ " if close else ""
    listing = f"使える列: {'、'.join(names)}" if len(names) <= 12 else "使える列は workbench export で書き出したファイルの1行目にあります"
    return f"「{table.name}」の表にこの列はありません（{hint}{listing}）"


@cache
def _aliases(table: Table) -> dict[str, Column]:
    """Header keys a column answers to: its header, its model path, its bare label when unambiguous."""
    out: dict[str, Column] = {}
    leaf_count: dict[str, int] = defaultdict(int)
    for c in table.columns:
        leaf_count[_hkey(c.header.split(" › ")[-1])] += 1
    for c in table.columns:
        leaf = _hkey(c.header.split(" › ")[-1])
        if leaf_count[leaf] == 1:
            out.setdefault(leaf, c)
        out.setdefault(_hkey(c.path), c)
    by_path = {c.path: c for c in table.columns}
    for name, path in _EXTRA_ALIASES.get(table.kind, {}).items():
        out.setdefault(_hkey(name), by_path[path])
    for c in table.columns:
        out[_hkey(c.header)] = c
    return out


def _guess_table(headers: list[str]) -> str | None:
    keys = {_hkey(h) for h in headers if h}
    if {"指標", "値"} <= keys:
        return "活動状況"
    if "区" in keys and any(_figure_of(h) for h in headers if h):
        return "活動状況(wide)"
    best, score = None, 0
    for table in TABLES.values():
        aliases = _aliases(table)
        hits = sum(1 for k in keys if k in aliases)
        headers_of = {_hkey(c.header) for c in table.columns}
        # All of a table's own headers present beats partial matches of a bigger table.
        full = headers_of <= keys
        points = hits + (100 if full else 0)
        if hits >= 2 and points > score:
            best, score = table.name, points
    return best


def _find_header(cells: list[list[object]]) -> int:
    """Index of the header row: the first of the first ten rows that looks like a table's header."""
    for i, row in enumerate(cells[:10]):
        headers = [_as_text(c) for c in row if not _is_blank(c)]
        if len(headers) >= 2 and _guess_table(headers):
            return i
    return 0


def _raw_from_cells(source: str, name: str | None, cells: list[list[object]]) -> _Raw | None:
    cells = [list(r) for r in cells]
    if not any(not _is_blank(c) for row in cells for c in row):
        return None
    h = _find_header(cells)
    headers = [_as_text(c) if not _is_blank(c) else "" for c in cells[h]]
    preamble = " ".join(_as_text(c) for row in cells[:h] for c in row if not _is_blank(c))
    rows = [(i + 1, row) for i, row in enumerate(cells) if i > h and any(not _is_blank(c) for c in row)]
    return _Raw(source, name, h + 1, headers, rows, preamble)


def _read_xlsx(path: Path, problems: list[Problem]) -> list[_Raw]:
    import openpyxl

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # a damaged or non-Excel file: one clear problem, not a traceback
        problems.append(Problem(path.name, None, "", f"Excel ファイルとして読めません（{type(exc).__name__}）"))
        return []
    raws = []
    try:
        for sheet in book.worksheets:
            raw = _raw_from_cells(f"{path.name} › {sheet.title}", sheet.title,
                                  [list(r) for r in sheet.iter_rows(values_only=True)])
            if raw:
                raws.append(raw)
    finally:
        book.close()
    return raws


def _decode(data: bytes) -> str | None:
    for encoding in ("utf-8-sig", "cp932"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return None


def _csv_siblings(path: Path) -> list[tuple[Path, str]]:
    stem = path.name[: -len(path.suffix)]
    out = []
    for name in TABLES:
        sibling = path.with_name(f"{stem}.{name}{path.suffix}")
        if sibling.exists() and sibling != path:
            out.append((sibling, name))
    return out


def _read_csv(path: Path, problems: list[Problem]) -> list[_Raw]:
    raws = []
    own_name = next((n for n in TABLES if path.name.endswith(f".{n}{path.suffix}")), None)
    for file, name in [(path, own_name), *_csv_siblings(path)]:
        text = _decode(file.read_bytes())
        if text is None:
            problems.append(Problem(file.name, None, "", "文字コードが読めません（UTF-8 か Shift_JIS で保存してください）"))
            continue
        try:
            cells = [[_csv_unguard(c) for c in row] for row in csv.reader(io.StringIO(text, newline=""))]
        except csv.Error as exc:
            problems.append(Problem(file.name, None, "", f"CSV として読めません（{exc}）"))
            continue
        raw = _raw_from_cells(file.name, name, cells)
        if raw:
            raws.append(raw)
    return raws


# --- raw tables into records -------------------------------------------------------------------

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


def _column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def _load_yaml(text: str) -> tuple[object, dict[str, list[int]]]:
    """The document, and the line each item of its top-level lists starts on (key "" for a bare list).

    One parse (libyaml's when present): the node tree gives the lines, then becomes the data.
    """
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    finally:
        loader.dispose()
    out: dict[str, list[int]] = {}
    if isinstance(node, yaml.SequenceNode):
        out[""] = [item.start_mark.line + 1 for item in node.value]
    elif isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if isinstance(value, yaml.SequenceNode):
                out[str(key.value)] = [item.start_mark.line + 1 for item in value.value]
    return data, out


# --- reading: the public functions --------------------------------------------------------------

def format_of(path: Path | str) -> str:
    """yaml | json | csv | xlsx from the suffix; ValueError (Japanese) for anything else."""
    suffix = Path(path).suffix.lower()
    if suffix in _SUFFIXES:
        return _SUFFIXES[suffix]
    if suffix == ".xls":
        raise ValueError("古い Excel 形式（.xls）は読めません。.xlsx で保存し直してください")
    raise ValueError(f"ファイルの種類「{suffix or '拡張子なし'}」は扱えません（.yaml .json .csv .xlsx）")


def _read_into(reader: _Reader, path: Path) -> None:
    try:
        fmt = format_of(path)
    except ValueError as exc:
        reader.problem(path.name, None, "", str(exc))
        return
    if not path.exists():
        reader.problem(path.name, None, "", "ファイルがありません")
        return
    reader.bundle.sources.append(path)
    if fmt in ("yaml", "json"):
        text = _decode(path.read_bytes())
        if text is None:
            reader.problem(path.name, None, "", "文字コードが読めません（UTF-8 で保存してください）")
            return
        import yaml

        try:
            data, lines = (json.loads(text), {}) if fmt == "json" else _load_yaml(text)
        except (yaml.YAMLError, json.JSONDecodeError) as exc:  # a syntax error: name the line the parser names
            mark = getattr(exc, "problem_mark", None)
            row = mark.line + 1 if mark is not None else getattr(exc, "lineno", None)
            reader.problem(path.name, row, "", f"{fmt.upper()} として読めません（{getattr(exc, 'problem', None) or exc}）")
            return
        reader.read_document(path, data, lines)
        return
    raws = _read_xlsx(path, reader.problems) if fmt == "xlsx" else _read_csv(path, reader.problems)
    reader.read_tables(raws)


def _read(paths: Iterable[Path | str], fiscal_year: int | str | None) -> tuple[Bundle, list[Problem]]:
    """The valid records of all files, and every problem found in them."""
    year = vocab.parse_fiscal_year(fiscal_year) if fiscal_year is not None else None
    reader = _Reader(year)
    for path in paths:
        _read_into(reader, Path(path))
    _check_duplicates(reader.bundle, reader.problems)
    return reader.bundle, reader.problems


def read_files(paths: Iterable[Path | str], *, fiscal_year: int | str | None = None) -> Bundle:
    """Parse and validate files into one Bundle; ImportFailed lists every problem in all of them."""
    bundle, problems = _read(paths, fiscal_year)
    _check_references(bundle, problems, known_sessions=None)
    if problems:
        raise ImportFailed(_in_order(problems))
    return bundle


def _in_order(problems: list[Problem]) -> list[Problem]:
    """Problems file by file (in reading order), then row by row, as a user goes through them."""
    sources = {p.source: i for i, p in reversed(list(enumerate(problems)))}
    return sorted(problems, key=lambda p: (sources[p.source], p.row or 0))


def read_file(path: Path | str, *, fiscal_year: int | str | None = None) -> Bundle:
    """One file (CSV: with its NAME.<シート名>.csv siblings), parsed and validated."""
    return read_files([path], fiscal_year=fiscal_year)


def _record_key(kind: str, record: BaseModel) -> tuple:
    if kind in ("cases", "sessions"):
        return (record.id,)
    if kind == "activity":
        return record.key
    if kind == "evaluations":
        return (record.session_id, record.participant)
    return ()


def _key_text(kind: str, key: tuple) -> str:
    if kind == "activity":
        ward, year, theme, figure = key
        return f"{ward}・{vocab.format_fiscal_year(year)}・{figure}"
    if kind == "evaluations":
        return f"研修会 {key[0]} の「{key[1]}」の評価"
    return str(key[0])


def _check_duplicates(bundle: Bundle, problems: list[Problem]) -> None:
    for kind in ("cases", "sessions", "activity", "evaluations"):
        first: dict[tuple, _Origin] = {}
        for i, record in enumerate(getattr(bundle, kind)):
            key = _record_key(kind, record)
            origin = bundle.origin(kind, i)
            if key in first:
                was = first[key]
                where = " ".join(str(x) for x in (was.source if was.source != origin.source else "",
                                                  f"{was.row}行目" if was.row else "") if x) or was.source
                problems.append(Problem(origin.source, origin.row, origin.key_column,
                                        f"「{_key_text(kind, key)}」が重複しています（{where}と同じ）"))
            else:
                first[key] = origin


def _check_references(bundle: Bundle, problems: list[Problem], known_sessions: set[str] | None) -> None:
    """Group notes and evaluations need their session, in the file or (when given) the store."""
    in_file = {s.id for s in bundle.sessions}
    for kind in ("group_notes", "evaluations"):
        for i, record in enumerate(getattr(bundle, kind)):
            sid = record.session_id
            if sid in in_file or known_sessions is None or sid in known_sessions:
                continue
            origin = bundle.origin(kind, i)
            problems.append(Problem(origin.source, origin.row, _label("session_id"),
                                    f"研修会「{sid}」はファイルにもデータベースにもありません"))


def check_against_store(bundle: Bundle, store: "Store", *, replace: bool = False) -> list[Problem]:
    """Problems an import would meet in this store: ids already there (unless replace), unknown sessions."""
    problems: list[Problem] = []
    existing: dict[str, set] = {
        "cases": {(i,) for i in store.case_ids()} if bundle.cases else set(),
        "sessions": {(s.id,) for s in store.list_sessions()},
        "activity": {a.key for a in store.activity()} if bundle.activity else set(),
        "evaluations": {(e.session_id, e.participant)
                        for sid in {e.session_id for e in bundle.evaluations}
                        for e in _store_evaluations(store, sid)},
    }
    if not replace:
        for kind, keys in existing.items():
            for i, record in enumerate(getattr(bundle, kind)):
                key = _record_key(kind, record)
                if key in keys:
                    origin = bundle.origin(kind, i)
                    problems.append(Problem(origin.source, origin.row, origin.key_column,
                                            f"「{_key_text(kind, key)}」はすでに登録されています"
                                            "（置き換えるときは --replace を付けてください）"))
    _check_references(bundle, problems, known_sessions={k[0] for k in existing["sessions"]})
    return _in_order(problems)


def _store_evaluations(store: "Store", session_id: str) -> list[Evaluation]:
    from casebook.store import NotFoundError

    try:
        return store.evaluations(session_id)
    except NotFoundError:
        return []


def import_bundle(store: "Store", bundle: Bundle, *, replace: bool = False, author: str = "import") -> ImportReport:
    """Write a validated bundle in one transaction, after checking it against the store."""
    problems = check_against_store(bundle, store, replace=replace)
    if problems:
        raise ImportFailed(problems)
    written = store.import_all(cases=bundle.cases, activity=bundle.activity, sessions=bundle.sessions,
                               notes=bundle.group_notes, evaluations=bundle.evaluations, author=author)
    return ImportReport(tuple(bundle.sources), bundle.counts(), dict(written))


def import_files(store: "Store", paths: Iterable[Path | str], *, replace: bool = False, author: str = "import",
                 fiscal_year: int | str | None = None) -> ImportReport:
    """All files or nothing; the problems of the files and those against the store come in one list."""
    bundle, problems = _read(paths, fiscal_year)
    if problems:
        raise ImportFailed(_in_order(problems + check_against_store(bundle, store, replace=replace)))
    return import_bundle(store, bundle, replace=replace, author=author)


def import_file(store: "Store", path: Path | str, *, replace: bool = False, author: str = "import",
                fiscal_year: int | str | None = None) -> ImportReport:
    """All or nothing: every row is checked first; any problem raises ImportFailed and writes nothing."""
    return import_files(store, [path], replace=replace, author=author, fiscal_year=fiscal_year)


def sample_files() -> list[Path]:
    """The bundled sample data: every importable file in casebook/sample/, in name order."""
    return sorted(p for p in SAMPLE_DIR.iterdir()
                  if p.suffix.lower() in _SUFFIXES and not _is_csv_sibling(p))


def _is_csv_sibling(path: Path) -> bool:
    return path.suffix.lower() == ".csv" and any(path.name.endswith(f".{n}.csv") for n in TABLES)


def load_sample(store: "Store", *, author: str = "sample") -> ImportReport:
    """Load the sample data through the same import path as any user file (so it is checked too)."""
    return import_files(store, sample_files(), author=author)


# --- writing -----------------------------------------------------------------------------------

def _cell_out(value: object, column: Column, *, excel: bool) -> object:
    if value is None:
        return None
    kind = column.kind
    if kind == "list":
        return "、".join(value) if value else None
    if kind == "bool":
        return "はい" if value else "いいえ"
    if kind == "choice":
        return dict(column.choices).get(value, value)
    if kind == "question":
        return value + 1
    if kind == "number":
        return int(value) if float(value).is_integer() else value
    if kind == "date":
        return value if excel else value.isoformat()
    if kind == "datetime":
        return value.isoformat()   # text keeps the time zone, which an Excel date cell cannot
    if value == "":
        return None
    if not excel and isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value   # a spreadsheet opening the CSV must show text, not run a formula
    return value


# Cells a spreadsheet would take for a formula (OWASP "CSV injection"); Excel files store text instead.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _csv_unguard(cell: str) -> str:
    """Undo _cell_out's apostrophe, so export → import gives back the typed text."""
    return cell[1:] if cell.startswith("'") and cell[1:].startswith(_FORMULA_STARTS) else cell


def _get(data: dict, path: str) -> object:
    for part in path.split("."):
        data = data.get(part) if isinstance(data, dict) else None
    return data


def _table_rows(bundle: Bundle) -> dict[str, list[list[object]]]:
    """Each table's rows as (column path -> python value) lists, before cell formatting."""
    rows: dict[str, list[dict]] = defaultdict(list)
    for case in bundle.cases:
        data = case.model_dump()
        rows["事例"].append(data)
        for entry in data["timeline"]:
            rows["支援の経過"].append({"__ref__": case.id, **entry})
        for node in data["ecomap"]["nodes"]:
            rows["エコマップ要素"].append({"__ref__": case.id, **node})
        for tie in data["ecomap"]["ties"]:
            rows["エコマップ関係線"].append({"__ref__": case.id, **tie})
        for comment in data["comments"]:
            rows["助言者コメント"].append({"__ref__": case.id, **comment})
    rows["活動状況"] = [a.model_dump() for a in bundle.activity]
    for session in bundle.sessions:
        data = session.model_dump()
        rows["研修会"].append(data)
        for name, key in (("次第", "agenda"), ("参加者", "participants"), ("グループ", "groups")):
            rows[name] += [{"__ref__": session.id, **item} for item in data[key]]
        rows["問い"] += [{"__ref__": session.id, "text": q} for q in data["questions"]]
    rows["グループメモ"] = [n.model_dump() for n in bundle.group_notes]
    rows["評価"] = [e.model_dump() for e in bundle.evaluations]
    return rows


def _tables_for(what: str) -> list[str]:
    return {"all": [*_CASE_TABLES, "活動状況", *_SESSION_TABLES], "cases": list(_CASE_TABLES),
            "activity": ["活動状況"], "sessions": list(_SESSION_TABLES)}[what]


def collect(store: "Store", *, what: str = "all", ward: object = None, status: object = None) -> Bundle:
    """What an export writes, read from the store: cases (filtered), ward figures, sessions."""
    if what not in WHAT:
        raise ValueError(f"what は {' / '.join(WHAT)} のどれかです（「{what}」）")
    bundle = Bundle()
    if what in ("all", "cases"):
        statuses = None
        if status is not None:
            statuses = [vocab.parse_status(s) for s in ([status] if isinstance(status, str) else status)]
        bundle.cases = [r.case for r in store.list_cases(ward=ward, status=statuses)]
    if what in ("all", "activity"):
        bundle.activity = store.activity(ward=ward)
    if what in ("all", "sessions"):
        bundle.sessions = store.list_sessions()
        for s in bundle.sessions:
            bundle.group_notes += [note for _, note in store.group_notes(s.id)]
            bundle.evaluations += store.evaluations(s.id)
    return bundle


def write_bundle(bundle: Bundle, path: Path | str, *, what: str = "all") -> ExportReport:
    """Write a bundle in the format the suffix names; files appear whole or not at all."""
    path = Path(path)
    fmt = format_of(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    counts = {k: n for k, n in bundle.counts().items()}
    if fmt in ("yaml", "json"):
        keys = {"all": KINDS, "cases": ("cases",), "activity": ("activity",),
                "sessions": ("sessions", "group_notes", "evaluations")}[what]
        doc: dict[str, object] = {"format": FORMAT_NAME, "version": FORMAT_VERSION,
                                  "exported_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")}
        for key in keys:
            doc[key] = [r.model_dump(mode="json") for r in getattr(bundle, key)]
        if fmt == "json":
            text = json.dumps(doc, ensure_ascii=False, indent=1)
        else:
            import yaml
            dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
            text = yaml.dump(doc, Dumper=dumper, allow_unicode=True, sort_keys=False, width=100)
        _atomic_write(path, text.encode("utf-8"))
        return ExportReport(path, (path,), counts)
    names = _tables_for(what)
    rows = _table_rows(bundle)
    if fmt == "xlsx":
        _write_xlsx(path, names, rows)
        return ExportReport(path, (path,), counts)
    return _write_csv(path, names, rows, counts)


def export_file(store: "Store", path: Path | str, *, what: str = "all", ward: object = None,
                status: object = None) -> ExportReport:
    """Export from the store to YAML, JSON, CSV (+ siblings) or Excel, by the file's suffix."""
    format_of(path)   # refuse an unknown suffix before reading anything
    return write_bundle(collect(store, what=what, ward=ward, status=status), path, what=what)


def _atomic_write(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _write_csv(path: Path, names: list[str], rows: dict, counts: dict) -> ExportReport:
    stem = path.name[: -len(path.suffix)]
    written = []
    for i, name in enumerate(names):
        table = TABLES[name]
        out = io.StringIO(newline="")
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow([c.header for c in table.columns])
        for data in rows.get(name, []):
            writer.writerow(["" if (v := _cell_out(_get(data, c.path), c, excel=False)) is None else v
                             for c in table.columns])
        target = path if i == 0 else path.with_name(f"{stem}.{name}{path.suffix}")
        _atomic_write(target, out.getvalue().encode("utf-8-sig"))
        written.append(target)
    removed = []
    for sibling, _name in _csv_siblings(path):
        if sibling not in written:   # a stale table from an earlier export would be imported with this one
            sibling.unlink()
            removed.append(sibling)
    return ExportReport(path, tuple(written), counts, tuple(removed))


_WIDE_KINDS = {"text"}


def _write_xlsx(path: Path, names: list[str], rows: dict) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.worksheet.datavalidation import DataValidation

    book = Workbook()
    book.remove(book.active)
    bold, fill = Font(bold=True), PatternFill("solid", fgColor="DDEBF7")
    wrap = Alignment(wrap_text=True, vertical="top")
    pickers = {"ward": ",".join(vocab.ward_names()),
               "status": ",".join(s["name"] for s in vocab.statuses())}
    for name in names:
        table = TABLES[name]
        sheet = book.create_sheet(name)
        sheet.append([c.header for c in table.columns])
        for cell in sheet[1]:
            cell.font, cell.fill = bold, fill
        for data in rows.get(name, []):
            sheet.append([_cell_out(_get(data, c.path), c, excel=True) for c in table.columns])
        for row in sheet.iter_rows(min_row=2):
            for cell in row:
                if cell.data_type == "f":   # text that starts with "=" stays text, never a formula
                    cell.data_type = "s"
        for index, column in enumerate(table.columns):
            letter = _column_letter(index)
            long = column.kind in _WIDE_KINDS and column.path not in ("id", "__ref__", "ward")
            sheet.column_dimensions[letter].width = 40 if long else max(10, len(column.header) * 2 + 2)
            if long:
                for cell in sheet[letter][1:]:
                    cell.alignment = wrap
            leaf = column.path.rsplit(".", 1)[-1]
            if leaf in pickers and name in ("事例", "活動状況"):
                # A drop-down to help typing; other spellings (大阪市生野区) are still accepted on import.
                picker = DataValidation(type="list", formula1=f'"{pickers[leaf]}"', allow_blank=True,
                                        showErrorMessage=False)
                picker.add(f"{letter}2:{letter}1048576")
                sheet.add_data_validation(picker)
            if column.kind == "date":
                for cell in sheet[letter][1:]:
                    cell.number_format = "yyyy-mm-dd"
        sheet.freeze_panes = "B2"
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        book.save(tmp)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
