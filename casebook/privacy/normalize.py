"""The text as the rules read it: an NFKC copy (full-width digits, ㍻ → 平成, ｶﾞ → ガ) with hyphen
look-alikes beside digits turned into '-', and a per-character map back to the original offsets
(NFKC can change the length), so every finding points into the text exactly as given."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

_DASHES = "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\u30fc\u2500\u2501\u207b\u208b\uff70\u02d7"
_JOINERS = "\uff9e\uff9f"   # half-width voiced marks: NFKC joins them to the kana before
_HAS_DASH = re.compile("[" + re.escape(_DASHES) + "]").search   # most text has none: nothing to turn into '-'
_DASH_BY_DIGIT = re.compile("(?<=\\d)[" + re.escape(_DASHES) + "]|[" + re.escape(_DASHES) + "](?=\\d)")
# Scripts where NFKC never joins two characters into one (no combining marks, no half-width voiced marks):
# in such a text an unchanged length means every character became exactly one character in its place.
_NOTHING_COMPOSES = re.compile("[\\x00-\\u02ff\\u2010-\\u20cf\\u2100-\\u2bff\\u3000-\\u3098\\u309b-\\u3130\\u318f-\\u33ff"
                               "\\u3400-\\u9fff\\uf900-\\ufaff\\uff00-\\uff9d\\uffa0-\\uffef]*").fullmatch
_HAS_SURROGATE = re.compile("[\ud800-\udfff]").search


@dataclass(frozen=True)
class _Normalised:
    original: str
    norm: str             # NFKC (what Sudachi reads)
    match: str            # norm with hyphen look-alikes beside digits turned into '-' (what regexes read)
    starts: Sequence[int]   # a range when the text is already normalised (nothing to map: no copy per text)
    ends: Sequence[int]

    def span(self, start: int, end: int) -> tuple[int, int]:
        """A span of the normalised text as a span of the original."""
        return self.starts[start], self.ends[end - 1]


def _normalise(text: str) -> _Normalised:
    norm = None
    if unicodedata.is_normalized("NFKC", text) and not _HAS_SURROGATE(text):
        norm = text
    elif _NOTHING_COMPOSES(text) and len(whole := unicodedata.normalize("NFKC", text)) == len(text):
        norm = whole   # （、：, full-width digits: each character became one character, in place
    if norm is not None:
        starts: Sequence[int] = range(len(text))
        ends: Sequence[int] = range(1, len(text) + 1)
    else:
        chars: list[str] = []
        s: list[int] = []
        e: list[int] = []
        i, n = 0, len(text)
        while i < n:
            j = i + 1
            while j < n and (unicodedata.combining(text[j]) or text[j] in _JOINERS):
                j += 1
            # A lone surrogate cannot be encoded for the analyser: read it as a replacement mark.
            chunk = "".join("\ufffd" if "\ud800" <= c <= "\udfff" else c for c in text[i:j])
            for c in unicodedata.normalize("NFKC", chunk):
                chars.append(c)
                s.append(i)
                e.append(j)
            i = j
        norm, starts, ends = "".join(chars), tuple(s), tuple(e)
    # ー is a dash too, and in most Japanese text: one substitution, not a Python loop over every character
    return _Normalised(text, norm, _DASH_BY_DIGIT.sub("-", norm) if _HAS_DASH(norm) else norm, starts, ends)
