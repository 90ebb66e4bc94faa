"""The casebook's offline search: a character-bigram index written as a JavaScript file.

Japanese has no spaces between words, so a word index would miss 見守り inside 見守り活動. A bigram
index does not: a query matches the cases that contain every bigram of every query term. The
index is a `.js` file that assigns one global (`window.CASEBOOK_SEARCH`), loaded with a plain
<script> tag, because pages opened from disk (file://) may not fetch JSON. The search script
(`templates/search.js`) builds results with textContent only: nothing from the index becomes markup.

Index shape:
    {"v": 1, "docs": [[id, title, ward, fiscal-year label, url], ...],
     "grams": {"見守": [0, 3, 7], ...}}          # doc numbers, ascending
Text is NFKC-normalised and lower-cased, here and in the script, so 全角/半角 and case do not matter.
"""

from __future__ import annotations

import json
import shutil
import unicodedata
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from casebook import vocab
from casebook.pipeline.page_cache import (
    SITE_CODE,
    code_files,
    files_hash,
    place_page,
    sha,
    write_atomic,
    write_json_atomic,
    write_pieces_atomic,
)

if TYPE_CHECKING:
    from casebook.pipeline.build import _Item
    from casebook.pipeline.page_cache import Manifest

VERSION = 1


def normalise(text: str) -> str:
    return unicodedata.normalize("NFKC", text).lower()


def case_text(case) -> list[str]:
    """Every piece of a case a reader could search for: title, ward, themes, keywords, all prose."""
    parts = [case.title, case.id, case.ward, vocab.format_fiscal_year(case.fiscal_year),
             case.provider_role, *case.themes, *case.keywords]
    parts += [text for _path, text in case.text_fields()]
    parts += [n.label for n in case.ecomap.nodes]
    return [p for p in parts if p]


def bigrams(texts: Iterable[str]) -> set[str]:
    """Character bigrams within each text (none across whitespace or across two texts)."""
    out: set[str] = set()
    for text in texts:
        for word in normalise(text).split():
            out.update(word[i:i + 2] for i in range(len(word) - 1))
            if len(word) == 1:
                out.add(word)  # a one-character word is findable by itself
    return out


def build_index(docs: Iterable[tuple[Sequence[str], set[str] | str]]) -> dict:
    """`docs`: (row shown in the results, bigram set — or the bigrams joined by spaces) per case, in
    listing order."""
    from collections import defaultdict

    grams: dict[str, list[int]] = defaultdict(list)
    rows = []
    for n, (row, doc_grams) in enumerate(docs):
        rows.append(list(row))
        for g in (doc_grams.split() if isinstance(doc_grams, str) else doc_grams):
            grams[g].append(n)
    return {"v": VERSION, "docs": rows, "grams": dict(sorted(grams.items()))}


_JS_ESCAPES = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}


GRAMS_PER_PASS = 3_000_000   # doc numbers held at once while the search index file is written


def write_index_js(path: Path, docs: Sequence[tuple[Sequence[str], set[str] | str]]) -> None:
    """`index_js(build_index(docs))` written to `path` (atomically) without holding it whole: the
    grams are taken in alphabetical ranges, one pass over the documents per range, each range's
    postings written gram by gram and let go. Memory stays near GRAMS_PER_PASS doc numbers however
    many cases the casebook has (10,000 cases: over ten million), and the file's text is never held
    whole; the file is the same, byte for byte."""
    def doc_grams(g):
        return g.split() if isinstance(g, str) else g

    total = sum((g.count(" ") + 1 if g else 0) if isinstance(g, str) else len(g) for _row, g in docs)
    passes = max(1, -(-total // GRAMS_PER_PASS))
    which: dict[str, int] = {}
    if passes > 1:  # each distinct gram's range
        distinct: set[str] = set()
        for _row, g in docs:
            distinct.update(doc_grams(g))
        which = {gram: i * passes // len(distinct) for i, gram in enumerate(sorted(distinct))}

    def enc(obj) -> str:
        text = json.dumps(obj, ensure_ascii=False, separators=(",", ":"))
        for ch, esc in _JS_ESCAPES.items():
            text = text.replace(ch, esc)
        return text

    def pieces():   # one document row, then one gram's postings, at a time
        yield 'window.CASEBOOK_SEARCH={"v":' + enc(VERSION) + ',"docs":['
        for n, (row, _g) in enumerate(docs):
            yield ("," if n else "") + enc(list(row))
        yield '],"grams":{'
        first = True
        for k in range(passes):
            grams: dict[str, list[int]] = {}
            for n, (_row, g) in enumerate(docs):
                for gram in doc_grams(g):
                    if passes == 1 or which[gram] == k:
                        grams.setdefault(gram, []).append(n)
            for gram in sorted(grams):
                yield ("" if first else ",") + enc(gram) + ":" + json.dumps(grams[gram], separators=(",", ":"))
                first = False
            del grams
        yield "}};\n"

    write_pieces_atomic(path, pieces())


def index_js(index: dict) -> str:
    """The index as a script assigning `window.CASEBOOK_SEARCH`; markup characters are \\u-escaped
    so the file stays inert even if someone inlines it into a page."""
    text = json.dumps(index, ensure_ascii=False, separators=(",", ":"))
    for ch, esc in _JS_ESCAPES.items():
        text = text.replace(ch, esc)
    return "window.CASEBOOK_SEARCH=" + text + ";\n"


def search(index: dict, query: str) -> list[int]:
    """The same matching as the browser script, for tests and tools: doc numbers matching every term."""
    result: set[int] | None = None
    for term in normalise(query).split():
        if len(term) == 1:
            hits = {n for g, docs in index["grams"].items() if term in g for n in docs}
        else:
            hits = None
            for i in range(len(term) - 1):
                docs = set(index["grams"].get(term[i:i + 2], ()))
                hits = docs if hits is None else hits & docs
        result = hits if result is None else result & hits
    return sorted(result or ())


# --- the search index ----------------------------------------------------------------------------

def search_key(items, site_fp: str) -> str:
    return sha("search/2", site_fp, *(f"{it.id}:{it.derived['record']}" for it in items))


class Grams:
    """{record hash: its bigrams joined by spaces}, kept in search-grams.json beside the page cache;
    read on first use (a build with nothing new never reads it)."""

    def __init__(self, cache_root: Path, site_fp: str):
        self.path, self.site_fp, self.added, self._known = cache_root / "search-grams.json", site_fp, False, None

    @property
    def known(self) -> dict[str, str]:
        if self._known is None:
            try:
                data = json.loads(self.path.read_text(encoding="utf-8"))
                self._known = data["grams"] if data.get("fp") == self.site_fp else {}
            except (OSError, ValueError, KeyError, AttributeError):
                self._known = {}
        return self._known

    def add(self, record: str, case) -> None:
        if record not in self.known:
            self.known[record] = " ".join(sorted(bigrams(case_text(case))))
            self.added = True

    def save(self, live: set[str]) -> None:
        if self._known is not None and (self.added or set(self._known) - live):
            write_json_atomic(self.path, {"fp": self.site_fp, "grams": {k: v for k, v in self._known.items()
                                                                        if k in live}}, separators=(",", ":"))


def search_grams(store, cache_root: Path, passed: list[_Item], site_fp: str, manifest: Manifest,
                 known: Grams | None = None) -> dict | None:
    """{record hash: bigrams} for every passed case — or None when the search index for exactly
    these cases is already in the cache. Bigrams are kept by record hash in search-grams.json."""
    known = known or Grams(cache_root, site_fp)
    if (cache_root / "search" / f"{search_key(passed, site_fp)}.js").exists():
        known.save({e["record"] for e in manifest.cases.values()})
        return None
    grams = {}
    for it in passed:
        rh = it.derived["record"]
        if rh not in known.known:
            known.add(rh, it.case if it.case is not None else store.case_at(it.id, it.version))
        grams[rh] = known.known[rh]   # distinct already, joined by spaces (split one at a time later)
    known.save({e["record"] for e in manifest.cases.values()})
    return grams


# --- assembling the site -------------------------------------------------------------------------

def assemble(tmp: Path, items: list[_Item], pages_dir: Path, params, cache_root: Path,
              templates: Path | None, grams: dict | None, missing: set[str]) -> None:
    """The new site in `tmp`: cached pages (hard links), assets, index pages and search index.
    Pages still executing (`missing`) are placed by `_collect` as they arrive."""
    from casebook import render

    templates_dir = Path(templates or render.TEMPLATES)
    (tmp / "cases").mkdir(parents=True)
    (tmp / "assets").mkdir()
    for it in items:
        if it.id not in missing:
            place_page(pages_dir / f"{it.key}.html", tmp / "cases" / f"{it.id}.html")
    shutil.copyfile(templates_dir / "casebook.css", tmp / "assets" / "casebook.css")
    shutil.copyfile(templates_dir / "search.js", tmp / "assets" / "search.js")
    write_indexes(tmp, items, params, cache_root, templates, grams)


def prepare_indexes(tmp: Path, items: list[_Item], params, cache_root: Path, templates: Path | None,
                    grams: dict | None) -> tuple[dict[str, str], Path]:
    """What `write_indexes` writes for exactly `items`, made without touching the casebook: the index
    pages' HTML by path, and the search index in the cache (a build makes them while its pages run)."""
    from casebook import render
    from casebook.pipeline.printed import BOOK_NAME

    templates_dir = Path(templates or render.TEMPLATES)
    entries = [it.entry() for it in items]
    book_pdf = BOOK_NAME if params.pdf.enabled and items else ""   # pipeline.printed writes it after the pages
    pages = render.render_site(entries, title=params.title, footer=params.options.footer,
                               book_pdf=book_pdf, templates=templates_dir)
    site_fp = files_hash(code_files(SITE_CODE))
    cached_index = cache_root / "search" / f"{search_key(items, site_fp)}.js"
    if not cached_index.exists():
        if grams is None:  # a page failed after the index of all pages came from the cache
            grams = grams_from_index(tmp / "assets" / "search-index.js", items)
        for old in (cache_root / "search").glob("*.js"):
            old.unlink(missing_ok=True)
        docs = [((e.id, e.title, e.ward, vocab.format_fiscal_year(e.fiscal_year), f"cases/{e.id}.html"),
                 grams[it.derived["record"]]) for it, e in zip(items, entries)]
        write_index_js(cached_index, docs)
    return pages, cached_index


def write_indexes(tmp: Path, items: list[_Item], params, cache_root: Path, templates: Path | None,
                  grams: dict | None, in_place: bool = False,
                  prepared: tuple[dict[str, str], Path] | None = None) -> None:
    """Home, ward/theme/year pages and the search index for exactly `items` (`prepared`: what
    `prepare_indexes` made for the same items). `in_place`: `tmp` is the casebook readers see; only
    the files whose text changes are written, each with one rename."""
    pages, cached_index = prepared or prepare_indexes(tmp, items, params, cache_root, templates, grams)
    for path, html in pages.items():
        out = tmp / path
        if in_place:
            try:
                if out.read_text(encoding="utf-8") == html:
                    continue
            except OSError:
                pass
            write_atomic(out, html)
            continue
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(html, encoding="utf-8")
    dst = tmp / "assets" / "search-index.js"
    if not in_place:
        dst.unlink(missing_ok=True)
    place_page(cached_index, dst, replace=in_place)


def grams_from_index(path: Path, items: list[_Item]) -> dict:
    """{record hash: bigram set} recovered from a search index file (its postings inverted)."""
    text = path.read_text(encoding="utf-8")
    index = json.loads(text[text.index("=") + 1:].rstrip().rstrip(";"))
    by_doc: dict[int, set[str]] = {}
    for gram, docs in index["grams"].items():
        for n in docs:
            by_doc.setdefault(n, set()).add(gram)
    row_of = {row[0]: n for n, row in enumerate(index["docs"])}
    return {it.derived["record"]: by_doc.get(row_of[it.id], set()) for it in items}
