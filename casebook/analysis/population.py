"""Residents by ward, for rates per 10,000 residents: shipped as data, newer figures imported.

The shipped figures are vocab/population.yaml: 「大阪府の住民基本台帳人口」 on 2020-01-01 (24 wards
together 2,730,420; ../shared/DOMAIN.md). Newer figures come in through `workbench import` as ward
activity rows whose 指標 is one of the file's `imported_figures` (住民基本台帳人口, 推計人口, 国勢調査人口)
under any テーマ, e.g. the long table row `生野区,令和6年度,相談支援・見守り相談室,住民基本台帳人口,126000,人`.

Decision: for fiscal year Y a ward's residents are the imported figure of the latest year ≤ Y (among
the figure names, the file's order wins within one year), else the shipped 2020 figure; a year
before every import also uses the shipped one. Each ward's `Residents` says which source and date it
is, and the report prints them, so a rate always shows what it was divided by.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING

from casebook import vocab

if TYPE_CHECKING:
    from casebook.model import WardActivity

PER = 10_000   # rates are per 10,000 residents


@dataclass(frozen=True)
class Residents:
    ward: str
    count: int
    source: str          # 大阪府の住民基本台帳人口, or the imported figure's name
    as_of: str           # 2020-01-01, or 令和6年度 for an imported figure

    @property
    def label(self) -> str:
        return f"{self.source}（{self.as_of}）"


@cache
def shipped() -> dict:
    """vocab/population.yaml as loaded (source, date, residents by ward)."""
    data = vocab._load("population")
    wards = set(vocab.ward_names())
    if set(data["residents"]) != wards:
        raise ValueError("population.yaml must list exactly the 24 wards")
    return data


def population_figures() -> frozenset[str]:
    """The figure names that are residents, not activity (listed nowhere as an activity figure)."""
    return frozenset(shipped()["imported_figures"])


def shipped_residents() -> dict[str, Residents]:
    data = shipped()
    date = data["date"].isoformat() if isinstance(data["date"], dt.date) else str(data["date"])
    return {w: Residents(w, int(n), data["source"], date) for w, n in data["residents"].items()}


def residents(fiscal_year: int | None = None, activity: Iterable[WardActivity] = ()) -> dict[str, Residents]:
    """Residents of every ward for `fiscal_year` (None: the newest known), imported figures preferred."""
    out = shipped_residents()
    names = list(shipped()["imported_figures"])
    best: dict[str, tuple[int, int, WardActivity]] = {}
    for row in activity:
        if row.figure not in names or row.value <= 0:
            continue
        if fiscal_year is not None and row.fiscal_year > fiscal_year:
            continue
        key = (row.fiscal_year, -names.index(row.figure))
        if row.ward not in best or key > best[row.ward][:2]:
            best[row.ward] = (*key, row)
    for ward, (_y, _n, row) in best.items():
        out[ward] = Residents(ward, int(row.value), row.figure, vocab.era_name(row.fiscal_year))
    return out


def rate(count: float, residents_count: int) -> float:
    """Per 10,000 residents."""
    return count * PER / residents_count if residents_count else 0.0


def sources(table: dict[str, Residents]) -> list[str]:
    """The distinct sources used, for the report's note: ['大阪府の住民基本台帳人口（2020-01-01）', …]."""
    return list(dict.fromkeys(r.label for r in table.values()))
