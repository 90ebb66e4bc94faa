"""Everything the cross-case analysis report shows, computed in one go (the notebook displays it
through `casebook.render.analysis`; `workbench analyse` runs the notebook).

`load(store, params, user)` asks `workflow.may_analyse` first, reads the cases of the chosen
statuses that the user may read, and hands the pure `analyse(...)` the corpus: every case of those
statuses is the reference for characteristic words; the selection (wards, themes, years) is what is
counted and shown. Every quoted text goes through one `Gate` (casebook.analysis.gate).
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from casebook.analysis import matrix as matrix_mod
from casebook.analysis import points as points_mod
from casebook.analysis import reading as reading_mod
from casebook.analysis import words as words_mod
from casebook.analysis.corpus import Doc, corpus, session_counts
from casebook.analysis.gate import Gate
from casebook.analysis.population import Residents, residents, sources
from casebook.analysis.similar import SimilarityIndex, visible

if TYPE_CHECKING:
    from casebook.identity import User
    from casebook.model import WardActivity
    from casebook.pipeline.params import AnalysisParams
    from casebook.store import Store


@dataclass
class AnalysisData:
    params: AnalysisParams
    selected: list[Doc]
    reference: int                                   # cases the words are scored against
    matrix: matrix_mod.Matrix
    points: points_mod.PointTally
    words: list[words_mod.ThemeWords]
    reading: list[reading_mod.ThemeReading]
    population: dict[str, Residents]                 # residents used for the latest year analysed
    population_sources: list[str]
    gate: Gate
    made_by: str = ""
    made_at: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.timezone(dt.timedelta(hours=9))))


def analyse(docs: Sequence[Doc], params: AnalysisParams, activity: Sequence[WardActivity] = (),
            *, made_by: str = "") -> AnalysisData:
    """The analysis of `docs` (all the cases of the chosen statuses the user may read)."""
    gate = Gate()
    every = list(docs)
    selected = [d for d in every if d.case is None or params.selects(d.case)] if params else every
    years = sorted(set(params.fiscal_years) or {d.fiscal_year for d in selected})
    by_year = {y: residents(y, activity) for y in years}
    latest = residents(years[-1] if years else None, activity)
    m = matrix_mod.build(selected, by_year, wards=params.wards, themes=params.themes, years=years)
    index = SimilarityIndex(every)
    return AnalysisData(
        params=params, selected=selected, reference=len(every), matrix=m,
        points=points_mod.tally(selected, gate, themes=params.themes),
        words=words_mod.by_theme(selected, every, gate, themes=params.themes, top=params.words),
        reading=reading_mod.read_first(selected, gate, themes=params.themes, n=params.read_first, index=index),
        population=latest, population_sources=sources({w: latest[w] for w in m.wards}), gate=gate,
        made_by=made_by)


def load(store: Store, params: AnalysisParams, user: User) -> AnalysisData:
    """Refused (PermissionDenied, Japanese) unless `user` may analyse cases of params.statuses."""
    from casebook.workflow import may_analyse

    may_analyse(user, params.statuses).require()
    records = store.list_cases(status=list(params.statuses))
    docs = corpus([r.case for r in records], session_counts(store.list_sessions()))
    docs = [d for d in docs if visible(user, d)]
    return analyse(docs, params, store.activity(), made_by=user.name)
