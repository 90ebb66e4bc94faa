"""Characteristic words per theme: SudachiPy nouns and compounds (`corpus.terms_of`) that a theme's
cases use more than all the other cases do, scored by log-likelihood (Dunning's G²).

Why log-likelihood and not TF-IDF: the question is "which words does this theme use MORE than the
rest of the cases", a comparison of two corpora, which is what G² (Dunning 1993; Rayson & Garside's
keyness) measures. TF-IDF answers it badly here: with the theme as one document among 13, IDF has
13 possible values, so a word in every theme scores 0 however much more one theme uses it
(見守り in 見守り・訪問), and a word of one odd case scores as high as a theme's real vocabulary.
G² weighs the observed against the expected count, copes with the small counts of a council's
72 cases a year (no normal approximation as with chi² / z), and gives a significance scale
(3.84: p < .05; 6.63: p < .01) that the report uses as its floor. Only words used MORE than
expected are kept, and only words from at least two of the theme's cases (when it has two): a
single case's quirk is neither characteristic nor safe to show.
"""
from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from casebook.analysis.corpus import Doc
from casebook.analysis.gate import Gate

MIN_G2 = 3.84        # p < .05 for one degree of freedom
TOP = 12             # words per theme
SOURCES = 3          # cases named per word


@dataclass(frozen=True)
class Word:
    term: str
    g2: float
    count: int                       # in the theme's cases
    expected: float                  # if the theme used words as all cases do
    cases: tuple[tuple[str, str], ...]   # (case id, title) the word comes from, most uses first


@dataclass(frozen=True)
class ThemeWords:
    theme: str
    n_cases: int
    words: tuple[Word, ...]


def g2(a: int, b: int, c: int, d: int) -> float:
    """Log-likelihood of a word used a times in c words (target) and b times in d words (reference)."""
    e1 = c * (a + b) / (c + d)
    e2 = d * (a + b) / (c + d)
    total = 0.0
    if a:
        total += a * math.log(a / e1)
    if b:
        total += b * math.log(b / e2)
    return 2 * total


def _total(docs: Iterable[Doc]) -> Counter:
    total: Counter = Counter()
    for d in docs:
        total.update(d.terms)
    return total


def characteristic(target: Sequence[Doc], reference: Sequence[Doc], gate: Gate, *,
                   top: int = TOP, reference_total: Counter | None = None) -> list[Word]:
    """Words of `target` over-used relative to `reference` (the other cases), best first.
    `reference_total`: the summed words of `reference`, when the caller compares many targets."""
    t_counts: Counter = Counter()
    doc_freq: Counter = Counter()
    for d in target:
        t_counts.update(d.terms)
        doc_freq.update(d.terms.keys())
    ref_ids = {d.id for d in reference}
    inside = _total(d for d in target if d.id in ref_ids)
    r_counts = (reference_total if reference_total is not None else _total(reference)) - inside
    c, dsize = sum(t_counts.values()), sum(r_counts.values())
    if not c or not dsize:
        return []
    min_cases = min(2, len(target))
    scored = []
    for term, a in t_counts.items():
        if doc_freq[term] < min_cases:
            continue
        b = r_counts.get(term, 0)
        expected = c * (a + b) / (c + dsize)
        if a <= expected:
            continue
        score = g2(a, b, c, dsize)
        if score >= MIN_G2:
            scored.append((score, a, term, expected))
    scored.sort(key=lambda s: (-s[0], -s[1], s[2]))
    words = []
    for score, a, term, expected in scored:
        if len(words) >= top:
            break
        if not gate.word_ok(term):
            continue
        sources = sorted((d for d in target if term in d.terms), key=lambda d: (-d.terms[term], d.id))[:SOURCES]
        words.append(Word(term, round(score, 1), a, round(expected, 1),
                          tuple((d.id, gate.text(d.title)) for d in sources)))
    return _without_parts(words)


def _without_parts(words: list[Word]) -> list[Word]:
    # ふれあい and 喫茶 beside ふれあい喫茶 with the same count say the same thing once too often.
    out = []
    for w in words:
        if any(w.term != o.term and w.term in o.term and o.count >= w.count for o in words):
            continue
        out.append(w)
    return out


def by_theme(selected: Iterable[Doc], every: Sequence[Doc], gate: Gate, *, themes: Iterable[str] = (),
             top: int = TOP) -> list[ThemeWords]:
    """For each theme, the characteristic words of the selected cases with that theme, scored against
    every case analysed (`every`: all the cases the user may analyse, not only the selection)."""
    selected = list(selected)
    chosen = list(themes) or list(dict.fromkeys(t for d in selected for t in d.themes))
    total = _total(every)
    out = []
    for theme in chosen:
        target = [d for d in selected if theme in d.themes]
        if target:
            out.append(ThemeWords(theme, len(target), tuple(characteristic(target, every, gate, top=top,
                                                                           reference_total=total))))
    return out
