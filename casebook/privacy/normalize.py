"""The text as the rules read it: an NFKC copy (full-width digits, ㍻ → 平成, ｶﾞ → ガ) with hyphen
look-alikes beside digits turned into '-', and a per-character map back to the original offsets
(NFKC can change the length), so every finding points into the text exactly as given."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

_DASHES = "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\u30fc\u2500\u2501\u207b\u208b\uff70\u02d7"
_JOINERS = "\uff9e\uff9f"   # half-width voiced marks: NFKC joins them to the kana before
_HAS_DASH = re.compile("[" + re.escape(_DASHES) + "]").search   # most text has none: nothing to turn into '-'


@dataclass(frozen=True)
class _Normalised:
    original: str
    norm: str             # NFKC (what Sudachi reads)
    match: str            # norm with hyphen look-alikes beside digits turned into '-' (what regexes read)
    starts: tuple[int, ...]
    ends: tuple[int, ...]

    def span(self, start: int, end: int) -> tuple[int, int]:
        """A span of the normalised text as a span of the original."""
        return self.starts[start], self.ends[end - 1]


def _normalise(text: str) -> _Normalised:
    if unicodedata.is_normalized("NFKC", text) and not any("\ud800" <= c <= "\udfff" for c in text):
        norm = text
        starts = tuple(range(len(text)))
        ends = tuple(range(1, len(text) + 1))
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
    if not _HAS_DASH(norm):
        return _Normalised(text, norm, norm, starts, ends)
    m = list(norm)
    for k, c in enumerate(m):
        if c in _DASHES and ((k > 0 and norm[k - 1].isdigit()) or (k + 1 < len(norm) and norm[k + 1].isdigit())):
            m[k] = "-"
    return _Normalised(text, norm, "".join(m), starts, ends)
