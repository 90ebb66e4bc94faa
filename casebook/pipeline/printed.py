"""The printed casebook in a build: `事例集.pdf` and one handout PDF per case, from the executed pages.

    info = write_printed(tmp, items, params, cache_root, templates)   # called by pipeline.build

The cases are the build's own after the privacy gate and execution (a blocked or failed case is in no
PDF), grouped into chapters by theme (a case under its first theme) or by ward (the city's official
order). Each case's fragments are read from its executed page in the new site (`render.pdf.case_body`),
so the PDF and the HTML page cannot disagree. The book is laid out in parts (runs of whole chapters,
one process each; `render.pdf` says how they become one book). A case's handout is its own pages of
the book, copied out (one layout for both: the handout is what trainees find in their copy, page
numbers included).

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


def book_info(params: CasebookParams, entries, day: dt.date) -> dict:
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


PARTS_FROM = 8   # cases: a smaller book is laid out in one process (a fork costs more than it saves)
_PARTS: list = []   # the parts while they are laid out; forked workers inherit them


def split(book_chapters: list[dict], parts: int) -> list[list[dict]]:
    """The chapters in at most `parts` runs of whole chapters (a part starts a chapter: its running
    head is the chapter's), about equal in the length of their cases' text, which layout time follows."""
    weights = [sum(len(case["body"]) for case in c["cases"]) + 1 for c in book_chapters]
    total, runs, run, done = sum(weights), [], [], 0
    for chapter, weight in zip(book_chapters, weights):
        # a chapter goes to the part where most of it lies
        if run and len(runs) < parts - 1 and done + weight / 2 > total * (len(runs) + 1) / parts:
            runs.append(run)
            run = []
        run.append(chapter)
        done += weight
    return [*runs, run]


def _lay_out_part(n: int) -> tuple[int, dict[str, int], tuple[float, float]]:
    """Part `n` of _PARTS laid out and written to its PDF: (pages, {anchor: page index}, (seconds,
    CPU seconds: what it costs when other work on the machine stretches the wall time))."""
    from casebook.render import pdf

    t, cpu = time.perf_counter(), time.process_time()
    book, target, templates = _PARTS[n]
    doc = pdf.layout(pdf.book_html(book, templates), templates)
    pages = pdf.write_pdf(doc, target)
    return pages, pdf.starts(doc), (time.perf_counter() - t, time.process_time() - cpu)


def _lay_out_parts(parts: list) -> list:
    """Every part laid out, one forked process each when there is more than one."""
    global _PARTS
    _PARTS = parts
    try:
        if len(parts) == 1 or "fork" not in multiprocessing.get_all_start_methods():
            return [_lay_out_part(n) for n in range(len(parts))]
        with multiprocessing.get_context("fork").Pool(len(parts)) as pool:
            return pool.map(_lay_out_part, range(len(parts)), chunksize=1)
    finally:
        _PARTS = []


def _print_book(book: dict, target: Path, parts: int, templates: Path, info: dict) -> dict:
    """Lay out `book` (its chapters with their cases' bodies) in `parts` parts, then the skeleton that
    numbers their pages, and merge them into `target`. Returns {"pages", "cases": {id: [first, last]}}."""
    import tempfile

    from casebook.render import pdf

    with tempfile.TemporaryDirectory(dir=target.parent, prefix=".print-") as work:
        runs = split(book["chapters"], parts)
        todo = [({**book, "mode": "part", "chapters": run}, Path(work) / f"part-{n}.pdf", templates)
                for n, run in enumerate(runs)]
        laid = _lay_out_parts(todo)
        info["parts"] = [{"chapters": len(run), "cases": sum(len(c["cases"]) for c in run), "pages": count,
                          "seconds": round(s, 2), "cpu_seconds": round(c, 2)} for run, (count, _, (s, c)) in zip(runs, laid)]
        t, cpu = time.perf_counter(), time.process_time()
        folios = []
        for run, (count, marks, _) in zip(runs, laid):
            pages: list[list[dict]] = [[] for _ in range(count)]
            for chapter in run:
                pages[marks[chapter["id"]]].append({"id": chapter["id"], "label": chapter["title"], "level": 1})
                for case in chapter["cases"]:
                    anchor = f"case-{case['id']}"
                    pages[marks[anchor]].append({"id": anchor, "label": case["title"], "level": 2})
            folios += pages
        skeleton = pdf.layout(pdf.book_html({**book, "mode": "skeleton", "folios": folios}, templates), templates)
        pdf.write_pdf(skeleton, Path(work) / "skeleton.pdf")
        first = pdf.starts(skeleton)
        offset, placed = first[runs[0][0]["id"]], []
        for (_, part_file, _), (count, _, _) in zip(todo, laid):
            placed.append((part_file, offset))
            offset += count
        if offset != first["colophon"]:
            blank, laid_pages = first["colophon"] - placed[0][1], offset - placed[0][1]
            raise pdf.PrintError(f"the skeleton has {blank} pages for parts of {laid_pages}")
        info["skeleton_seconds"] = round(time.perf_counter() - t, 2)
        info["skeleton_cpu_seconds"] = round(time.process_time() - cpu, 2)
        t, cpu = time.perf_counter(), time.process_time()
        _write(target, partial(pdf.merge, Path(work) / "skeleton.pdf", placed))
        info["merge_seconds"] = round(time.perf_counter() - t, 2)
        info["merge_cpu_seconds"] = round(time.process_time() - cpu, 2)
    order = [case["id"] for chapter in book["chapters"] for case in chapter["cases"]]
    begins = [first[f"case-{case_id}"] for case_id in order] + [first["colophon"]]
    return {"pages": len(skeleton.pages),
            "cases": {case_id: [begins[i], max(begins[i], begins[i + 1] - 1)] for i, case_id in enumerate(order)}}


def write_printed(tmp: Path, items: list[_Item], params: CasebookParams, cache_root: Path,
                  templates: Path | None = None, today: dt.date | None = None, jobs: int | None = None) -> dict:
    """Write `事例集.pdf` (and `pdf/<case_id>.pdf` per case: its pages of the book) into the new site
    `tmp` for `items`, whose executed pages are already in `tmp/cases/`. Returns what the build
    report shows. The book is laid out in up to `jobs` parts at once (one process each); a handout is
    copied out of the book, cached by its case's page key, chapter and first page, so an edit that
    keeps the page count re-writes only that case's handout."""
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
    book_key = sha("pdf-book/3", common, canonical([[c["name"], [[e.id, by_id[e.id].key] for e in c["entries"]]]
                                                    for c in book_chapters]))
    book_file, map_file = cache / f"book-{book_key}.pdf", cache / f"book-{book_key}.json"
    used = {book_file.name, map_file.name}

    info = {"book": BOOK_NAME, "cases": len(items), "chapters": len(book_chapters)}
    try:
        pages = json.loads(map_file.read_text(encoding="utf-8")) if book_file.exists() else None
    except (OSError, ValueError):
        pages = None
    info["book_cached"] = pages is not None
    if pages is None:
        book = book_info(params, entries, day)
        book["chapters"] = [{**c, "cases": [
            {"id": e.id, "title": e.title,
             "body": pdf.case_body((tmp / "cases" / f"{e.id}.html").read_text(encoding="utf-8"))}
            for e in c["entries"]]} for c in book_chapters]
        parts = max(1, min(jobs or os.cpu_count() or 1, len(book_chapters))) if len(items) >= PARTS_FROM else 1
        cache.mkdir(parents=True, exist_ok=True)
        pages = _print_book(book, book_file, parts, templates, info)
        write_atomic(map_file, json.dumps(pages))

    handouts, todo = {}, []
    if params.pdf.per_case:
        chapter_of = {e.id: c["name"] for c in book_chapters for e in c["entries"]}
        for e in entries:
            first, last = pages["cases"][e.id]
            key = sha("pdf-case/3", common, by_id[e.id].key, chapter_of[e.id], str(first))
            handouts[e.id] = case_file = cache / f"case-{key}.pdf"
            used.add(case_file.name)
            if not case_file.exists():
                todo.append((case_file, (first, last), f"{e.title} | {params.pdf.title or params.title}"))

    t = time.perf_counter()
    if todo:
        written = [(case_file.with_name(f".{case_file.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}"), span, title)
                   for case_file, span, title in todo]
        try:
            pdf.extract(book_file, written)
            for (case_file, _, _), (part, _, _) in zip(todo, written):
                os.replace(part, case_file)
        finally:
            for part, _, _ in written:
                part.unlink(missing_ok=True)
    info["handout_seconds"] = round(time.perf_counter() - t, 2)
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
