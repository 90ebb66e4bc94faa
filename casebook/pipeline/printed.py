"""The printed casebook in a build: `事例集.pdf` and one handout PDF per case, from the executed pages.

    info = write_printed(tmp, items, params, cache_root, templates)   # called by pipeline.build

The cases are the build's own after the privacy gate and execution (a blocked or failed case is in no
PDF), grouped into chapters by theme (a case under its first theme) or by ward (the city's official
order). Each case's fragments are read from its executed page in the new site (`render.pdf.case_body`),
so the PDF and the HTML page cannot disagree. A case's handout is its own pages of the book (one
layout for both: the handout is what trainees find in their copy, page numbers included).

PDFs are cached under `cache/casebook/pdf/` by a hash of what decides them (the page keys, the
`pdf:` options, the date printed, the print templates and the WeasyPrint version): an unchanged
casebook is not laid out again.
"""

from __future__ import annotations

import datetime as dt
import json
import multiprocessing
import os
import time
import uuid
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from casebook import vocab
from casebook.pipeline.page_cache import (
    canonical,
    code_files,
    files_hash,
    place_page,
    sha,
    write_atomic,
)

if TYPE_CHECKING:
    from casebook.pipeline.build import _Item
    from casebook.pipeline.params import CasebookParams

BOOK_NAME = "事例集.pdf"
HANDOUTS = "pdf"          # build/casebook/pdf/<case_id>.pdf
CHAPTER_KIND = {"theme": "テーマ", "ward": "区"}


def print_fingerprint(templates: Path | None = None) -> str:
    """The print templates, the PDF renderer's code and WeasyPrint's version."""
    from importlib.metadata import version

    from casebook.render import pdf

    folder = Path(templates or pdf.TEMPLATES)
    return sha("print/1", files_hash([folder / name for name in pdf.PRINT_FILES]),
               files_hash(code_files(("render/pdf.py", "pipeline/printed.py"))), version("weasyprint"))


def date_label(day: dt.date) -> str:
    """2026-11-30 -> 令和8年11月30日."""
    return f"{vocab.era_name(day.year).removesuffix('年度')}年{day.month}月{day.day}日"


def chapters(entries, by: str) -> list[dict]:
    """The chapters in order, each {"id", "title", "name", "entries"}: by theme (a case under its first
    theme, themes in the vocabulary's order) or by ward (official order); cases by year, then number."""
    if by == "ward":
        order = {w.name: i for i, w in enumerate(vocab.wards())}

        def group(e):
            return e.ward
    else:
        order = {name: i for i, name in enumerate(vocab.theme_names())}

        def group(e):
            return e.themes[0] if e.themes else "その他"
    groups: dict[str, list] = {}
    for e in entries:
        groups.setdefault(group(e), []).append(e)
    out = []
    for n, name in enumerate(sorted(groups, key=lambda g: (order.get(g, len(order)), g)), start=1):
        out.append({"id": f"chapter-{n}", "name": name, "title": f"第{n}章　{name}",
                    "entries": sorted(groups[name], key=lambda e: (e.fiscal_year, e.id))})
    return out


def book_info(params: "CasebookParams", entries, day: dt.date) -> dict:
    """What the cover, はじめに and 奥付 print (every value text; the templates escape it)."""
    pdf = params.pdf
    year = pdf.fiscal_year or max((e.fiscal_year for e in entries), default=vocab.fiscal_year_of(day))
    return {"title": pdf.title or params.title, "subtitle": pdf.subtitle, "year_label": vocab.era_name(year),
            "publisher": pdf.publisher, "edition": pdf.edition, "created": day.isoformat(),
            "date_label": date_label(day), "preface": [p for p in pdf.preface.splitlines() if p.strip()],
            "contact": pdf.contact, "footer": params.options.footer, "count": len(entries),
            "chapter_kind": CHAPTER_KIND[pdf.chapters]}


def _write(cache_file: Path, write) -> int:
    """`write(path)` into the cache atomically; remembers the page count beside the file."""
    cache_file.parent.mkdir(parents=True, exist_ok=True)
    part = cache_file.with_name(f".{cache_file.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}")
    try:
        pages = write(part)
        os.replace(part, cache_file)
    finally:
        part.unlink(missing_ok=True)
    return pages


_DOC = None   # the laid-out book while its PDFs are written; a forked handout writer inherits it


def _write_handouts(todo: list[tuple[str, tuple[int, int], str]]) -> float:
    """Each (cache file, (first, last) page, title) of `todo` written from _DOC; the seconds it took."""
    from casebook.render import pdf

    t = time.perf_counter()
    for path, span, title in todo:
        _write(Path(path), partial(pdf.write_pdf, _DOC, pages=tuple(span), title=title))
    return time.perf_counter() - t


def _write_all(doc, todo: list, write_book) -> float:
    """Write the book (`write_book()`, None when it is cached) and the handouts `todo`. Both are drawn
    from the one laid-out `doc`; when both must be written, the handouts are written by a forked
    process (which inherits `doc`) while this one writes the book: the second core halves the time
    after the layout. Returns the handouts' seconds."""
    global _DOC
    _DOC = doc
    try:
        if write_book is None or not todo or "fork" not in multiprocessing.get_all_start_methods():
            if write_book is not None:
                write_book()
            return _write_handouts(todo)
        with multiprocessing.get_context("fork").Pool(1) as pool:
            pending = pool.apply_async(_write_handouts, (todo,))
            write_book()
            return pending.get()
    finally:
        _DOC = None


def write_printed(tmp: Path, items: list["_Item"], params: "CasebookParams", cache_root: Path,
                  templates: Path | None = None, today: dt.date | None = None) -> dict:
    """Write `事例集.pdf` (and `pdf/<case_id>.pdf` per case: its pages of the book) into the new site
    `tmp` for `items`, whose executed pages are already in `tmp/cases/`. Returns what the build
    report shows. The book is laid out once; a handout is cached by its case's page key, chapter and
    first page, so an edit that keeps the page count re-writes only that case's handout."""
    from casebook.render import pdf

    t0 = time.perf_counter()
    templates = Path(templates or pdf.TEMPLATES)
    day = params.pdf.date or today or dt.date.today()
    by_id = {it.id: it for it in items}
    entries = [it.entry() for it in items]
    book_chapters = chapters(entries, params.pdf.chapters)
    common = sha(print_fingerprint(templates), canonical(params.pdf.printed()), params.title,
                 params.options.footer, day.isoformat())
    cache = cache_root / "pdf"
    book_key = sha("pdf-book/2", common, canonical([[c["name"], [[e.id, by_id[e.id].key] for e in c["entries"]]]
                                                    for c in book_chapters]))
    book_file, map_file = cache / f"book-{book_key}.pdf", cache / f"book-{book_key}.json"
    used = {book_file.name, map_file.name}
    doc = None

    def laid_out():
        nonlocal doc
        if doc is None:
            book = book_info(params, entries, day)
            book["chapters"] = [{**c, "cases": [
                {"id": e.id, "title": e.title,
                 "body": pdf.case_body((tmp / "cases" / f"{e.id}.html").read_text(encoding="utf-8"))}
                for e in c["entries"]]} for c in book_chapters]
            doc = pdf.layout(pdf.book_html(book, templates), templates)
        return doc

    info = {"book": BOOK_NAME, "cases": len(items), "chapters": len(book_chapters)}
    try:
        pages = json.loads(map_file.read_text(encoding="utf-8")) if book_file.exists() else None
    except (OSError, ValueError):
        pages = None
    info["book_cached"] = pages is not None
    if pages is None:
        in_book = [e for c in book_chapters for e in c["entries"]]   # the book's order, not the build's
        ranges = pdf.page_ranges(laid_out(), [f"case-{e.id}" for e in in_book], "colophon")
        pages = {"pages": len(laid_out().pages), "cases": {e.id: list(ranges[f"case-{e.id}"]) for e in entries}}

    handouts, todo = {}, []
    if params.pdf.per_case:
        chapter_of = {e.id: c["name"] for c in book_chapters for e in c["entries"]}
        for e in entries:
            first, last = pages["cases"][e.id]
            key = sha("pdf-case/2", common, by_id[e.id].key, chapter_of[e.id], str(first))
            handouts[e.id] = case_file = cache / f"case-{key}.pdf"
            used.add(case_file.name)
            if not case_file.exists():
                todo.append((str(case_file), (first, last), f"{e.title} | {params.pdf.title or params.title}"))

    def write_book() -> None:
        _write(book_file, partial(pdf.write_pdf, laid_out()))
        write_atomic(map_file, json.dumps(pages))

    info["handout_seconds"] = round(_write_all(laid_out() if todo else None, todo,
                                               None if info["book_cached"] else write_book), 2)
    place_page(book_file, tmp / BOOK_NAME)
    info["pages"] = pages["pages"]
    info["kb"] = round(book_file.stat().st_size / 1024, 1)
    info["kb_per_case"] = round(info["kb"] / max(1, len(items)), 1)
    if handouts:
        (tmp / HANDOUTS).mkdir(exist_ok=True)
        for case_id, case_file in handouts.items():
            place_page(case_file, tmp / HANDOUTS / f"{case_id}.pdf")
        info["handouts"] = {"built": len(todo), "cached": len(handouts) - len(todo), "kb_mean": round(
            sum(f.stat().st_size for f in handouts.values()) / 1024 / len(handouts), 1)}
    info["seconds"] = round(time.perf_counter() - t0, 2)
    for old in cache.iterdir() if cache.exists() else ():
        if old.name not in used:
            old.unlink(missing_ok=True)
    return info
