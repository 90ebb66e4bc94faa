"""Whole files into one validated Bundle, and a Bundle into the store: every problem first, then all or nothing."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import BaseModel

from casebook import vocab
from casebook.exchange.reading import _SUFFIXES, _read_csv, _read_document, _read_xlsx, format_of
from casebook.exchange.records import _Reader
from casebook.exchange.report import Bundle, ImportFailed, ImportReport, Problem, _Origin
from casebook.exchange.tables import TABLES, _label
from casebook.model import Evaluation

if TYPE_CHECKING:
    from casebook.store import Store

SAMPLE_DIR = Path(__file__).resolve().parent.parent / "sample"


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
        document = _read_document(path, fmt, reader.problem)
        if document is not None:
            reader.read_document(path, *document)
        return
    raws = _read_xlsx(path, reader.problem) if fmt == "xlsx" else _read_csv(path, reader.problem)
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
