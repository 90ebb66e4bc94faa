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
import unicodedata
from typing import Iterable, Sequence

from casebook import vocab

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


def build_index(docs: Sequence[tuple[Sequence[str], set[str]]]) -> dict:
    """`docs`: (row shown in the results, bigram set) per case, in listing order."""
    grams: dict[str, list[int]] = {}
    for n, (_row, doc_grams) in enumerate(docs):
        for g in doc_grams:
            grams.setdefault(g, []).append(n)
    return {"v": VERSION, "docs": [list(row) for row, _g in docs], "grams": dict(sorted(grams.items()))}


_JS_ESCAPES = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}


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
