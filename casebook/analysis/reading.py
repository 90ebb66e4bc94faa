"""For each theme, the cases to read first: the most typical of the theme and the most cited.

Typical: cosine between the case's TF-IDF row and the mean row of the theme's cases (the theme's
centroid; `similar.SimilarityIndex`). Cited: advisors' comments on the case (助言・ポイント整理) plus
the training sessions that discussed it. The order is 0.6 × typicality + 0.4 × citations, each
scaled by the theme's best, so a newcomer starts with a case that is both central and discussed;
both figures are shown so the reader can see why.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from casebook.analysis.corpus import Doc
from casebook.analysis.gate import Gate
from casebook.analysis.similar import SimilarityIndex

W_TYPICAL, W_CITED = 0.6, 0.4
FIRST = 3


@dataclass(frozen=True)
class ReadFirst:
    case_id: str
    title: str
    ward: str
    fiscal_year: int
    typicality: float
    comments: int
    sessions: int
    score: float

    @property
    def cited(self) -> int:
        return self.comments + self.sessions


@dataclass(frozen=True)
class ThemeReading:
    theme: str
    n_cases: int
    cases: tuple[ReadFirst, ...]


def read_first(docs: Sequence[Doc], gate: Gate, *, themes: Iterable[str] = (), n: int = FIRST,
               index: SimilarityIndex | None = None) -> list[ThemeReading]:
    docs = list(docs)
    index = index or SimilarityIndex(docs)
    chosen = list(themes) or list(dict.fromkeys(t for d in docs for t in d.themes))
    out = []
    for theme in chosen:
        members = [d for d in docs if theme in d.themes and d.id in index.position]
        if not members:
            continue
        rows = np.stack([index._row(index.position[d.id]) for d in members])
        centroid = rows.mean(axis=0)
        norm = float(np.linalg.norm(centroid)) or 1.0
        typical = rows @ (centroid / norm)
        cited = np.array([d.advisor_comments + d.sessions for d in members], dtype=np.float32)
        t_max = float(typical.max()) or 1.0
        c_max = float(cited.max()) or 1.0
        score = W_TYPICAL * typical / t_max + W_CITED * cited / c_max
        order = sorted(range(len(members)), key=lambda k: (-score[k], members[k].id))[:n]
        out.append(ThemeReading(theme, len(members), tuple(
            ReadFirst(members[k].id, gate.text(members[k].title), members[k].ward, members[k].fiscal_year,
                      round(float(typical[k]), 3), members[k].advisor_comments, members[k].sessions,
                      round(float(score[k]), 3)) for k in order)))
    return out
