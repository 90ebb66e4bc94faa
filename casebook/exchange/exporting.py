"""The store into a file of any format (YAML, JSON, CSV with siblings, Excel), written whole or not at all."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import tempfile
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from casebook import vocab
from casebook.exchange.cells import _cell_out, _column_letter, _get
from casebook.exchange.reading import FORMAT_NAME, FORMAT_VERSION, _csv_siblings, format_of
from casebook.exchange.report import KINDS, Bundle, ExportReport
from casebook.exchange.tables import _CASE_TABLES, _SESSION_TABLES, TABLES

if TYPE_CHECKING:
    from casebook.store import Store

WHAT = ("all", "cases", "activity", "sessions")


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


def _atomic_write(path: Path, data: bytes | Callable[[BinaryIO], None]) -> None:
    """Write `data` (bytes, or a function that writes to the open file) as `path`, whole or not at all.

    The file is made by mkstemp, so it is 0600 whatever the umask: every export holds personal data.
    """
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            if isinstance(data, bytes):
                fh.write(data)
            else:
                data(fh)
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
    _atomic_write(path, book.save)   # not book.save(path): that file would follow the umask (0644)
