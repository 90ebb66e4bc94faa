"""Files into raw tables (CSV, Excel) and documents (YAML, JSON), and headers matched to columns.

A file that cannot be read ends here as one Problem naming it, never as a traceback: bad syntax, an
unknown encoding, a damaged workbook, and what a hostile file does to a parser (nesting deep enough
to exhaust the stack, a number of thousands of digits, a field over the CSV limit).
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from casebook import vocab
from casebook.exchange.cells import _as_text, _csv_unguard, _is_blank
from casebook.exchange.tables import TABLES, Column, Table

FORMAT_NAME = "osaka-csw-workbench"
FORMAT_VERSION = 1
# How a reader reports a file it cannot read: (source, row, column, reason), as _Reader.problem takes them.
_Report = Callable[[str, int | None, str, str], None]
_SUFFIXES = {".yaml": "yaml", ".yml": "yaml", ".json": "json", ".csv": "csv", ".xlsx": "xlsx", ".xlsm": "xlsx"}
_META_KEYS = {"format", "version", "exported_at"}


def format_of(path: Path | str) -> str:
    """yaml | json | csv | xlsx from the suffix; ValueError (Japanese) for anything else."""
    suffix = Path(path).suffix.lower()
    if suffix in _SUFFIXES:
        return _SUFFIXES[suffix]
    if suffix == ".xls":
        raise ValueError("古い Excel 形式（.xls）は読めません。.xlsx で保存し直してください")
    raise ValueError(f"ファイルの種類「{suffix or '拡張子なし'}」は扱えません（.yaml .json .csv .xlsx）")


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


def _read_xlsx(path: Path, problem: _Report) -> list[_Raw]:
    import openpyxl

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # a damaged or non-Excel file: one clear problem, not a traceback
        problem(path.name, None, "", f"Excel ファイルとして読めません（{type(exc).__name__}）")
        return []
    raws = []
    try:
        for sheet in book.worksheets:
            raw = _raw_from_cells(f"{path.name} › {sheet.title}", sheet.title,
                                  [list(r) for r in sheet.iter_rows(values_only=True)])
            if raw:
                raws.append(raw)
    except Exception as exc:  # read_only opens sheets lazily: a broken sheet shows only while reading it
        problem(path.name, None, "", f"Excel ファイルとして読めません（{type(exc).__name__}）")
        return []
    finally:
        book.close()
    return raws


def _read_bytes(file: Path, problem: _Report) -> bytes | None:
    try:
        return file.read_bytes()
    except OSError as exc:  # a folder named like a file, no permission: one problem, not a traceback
        why = {IsADirectoryError: "フォルダです", PermissionError: "読む権限がありません"}.get(type(exc), type(exc).__name__)
        problem(file.name, None, "", f"ファイルを読めません（{why}）")
        return None


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


def _read_csv(path: Path, problem: _Report) -> list[_Raw]:
    raws = []
    own_name = next((n for n in TABLES if path.name.endswith(f".{n}{path.suffix}")), None)
    for file, name in [(path, own_name), *_csv_siblings(path)]:
        data = _read_bytes(file, problem)
        if data is None:
            continue
        text = _decode(data)
        if text is None:
            problem(file.name, None, "", "文字コードが読めません（UTF-8 か Shift_JIS で保存してください）")
            continue
        try:
            cells = [[_csv_unguard(c) for c in row] for row in csv.reader(io.StringIO(text, newline=""))]
        except csv.Error as exc:  # also a field over csv.field_size_limit(), so a huge cell is refused too
            problem(file.name, None, "", f"CSV として読めません（{exc}）")
            continue
        raw = _raw_from_cells(file.name, name, cells)
        if raw:
            raws.append(raw)
    return raws


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


def _read_document(path: Path, fmt: str, problem: _Report) -> tuple[object, dict[str, list[int]]] | None:
    """A YAML or JSON file as (data, item lines); None, with the problem reported, when it cannot be read."""
    data = _read_bytes(path, problem)
    if data is None:
        return None
    text = _decode(data)
    if text is None:
        problem(path.name, None, "", "文字コードが読めません（UTF-8 で保存してください）")
        return None
    import yaml

    try:
        return (json.loads(text), {}) if fmt == "json" else _load_yaml(text)
    except (yaml.YAMLError, json.JSONDecodeError) as exc:  # a syntax error: name the line the parser names
        mark = getattr(exc, "problem_mark", None)
        row = mark.line + 1 if mark is not None else getattr(exc, "lineno", None)
        problem(path.name, row, "", f"{fmt.upper()} として読めません（{getattr(exc, 'problem', None) or exc}）")
        return None
    except RecursionError:  # json and the pure-Python YAML parser recurse once per level of nesting
        problem(path.name, None, "", f"{fmt.upper()} として読めません（入れ子が深すぎます）")
        return None
    except ValueError:  # a value the parser cannot build: a date 2024-13-45, a number of 5,000 digits
        problem(path.name, None, "", f"{fmt.upper()} として読めません（日付や数値として読めない値があります）")
        return None
    except Exception as exc:  # anything else a hostile file makes a parser raise
        problem(path.name, None, "", f"{fmt.upper()} として読めません（{type(exc).__name__}）")
        return None
