"""Theme × ward × fiscal year: counts of cases and rates per 10,000 residents, and trends per theme.

A case with two themes counts once under each theme (its ward's total counts it once). Rates divide
by the ward's residents for that fiscal year (`population.residents`), so 大正区 (64,937) and 平野区
(196,357) are compared fairly; a rate over several years is the cases of all of them per 10,000.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from casebook import vocab
from casebook.analysis.corpus import Doc
from casebook.analysis.population import Residents, rate


@dataclass(frozen=True)
class WardRow:
    ward: str
    residents: Residents
    cases: int
    per_10k: float
    by_theme: tuple[int, ...]          # in Matrix.themes order
    by_theme_per_10k: tuple[float, ...]


@dataclass(frozen=True)
class Trend:
    theme: str
    counts: tuple[int, ...]            # in Matrix.years order
    per_10k: tuple[float, ...]         # city-wide: per 10,000 residents of the wards analysed


@dataclass
class Matrix:
    themes: list[str]
    wards: list[str]
    years: list[int]
    counts: Counter                     # (theme, ward, year) -> cases
    ward_cases: Counter                 # (ward, year) -> cases (each case once)
    residents: dict[int, dict[str, Residents]]   # year -> ward -> residents

    def count(self, theme: str | None, ward: str | None = None, year: int | None = None) -> int:
        if theme is None:
            return sum(n for (w, y), n in self.ward_cases.items()
                       if (ward is None or w == ward) and (year is None or y == year))
        return sum(n for (t, w, y), n in self.counts.items()
                   if t == theme and (ward is None or w == ward) and (year is None or y == year))

    def rate(self, theme: str | None, ward: str, year: int | None = None) -> float:
        """Cases per 10,000 residents of the ward (over every analysed year when `year` is None)."""
        years = [year] if year is not None else self.years
        return sum(rate(self.count(theme, ward, y), self.residents[y][ward].count) for y in years)

    def ward_rows(self) -> list[WardRow]:
        latest = self.years[-1] if self.years else None
        rows = []
        for w in self.wards:
            res = self.residents[latest][w] if latest is not None else None
            rows.append(WardRow(w, res, self.count(None, w), self.rate(None, w),
                                tuple(self.count(t, w) for t in self.themes),
                                tuple(self.rate(t, w) for t in self.themes)))
        return rows

    def trends(self) -> list[Trend]:
        out = []
        for t in self.themes:
            counts = tuple(self.count(t, None, y) for y in self.years)
            per = tuple(rate(c, sum(self.residents[y][w].count for w in self.wards))
                        for c, y in zip(counts, self.years))
            out.append(Trend(t, counts, per))
        return out


def build(docs: Iterable[Doc], residents_by_year: dict[int, dict[str, Residents]], *,
          wards: Sequence[str] = (), themes: Sequence[str] = (), years: Sequence[int] = ()) -> Matrix:
    """The matrix of `docs`; empty selections mean every ward / every theme present / every year present.

    `residents_by_year` must hold every year analysed (`population.residents(year, activity)`)."""
    docs = list(docs)
    order = {name: i for i, name in enumerate(vocab.theme_names())}
    all_years = sorted(set(years) or {d.fiscal_year for d in docs})
    chosen_wards = list(wards) or vocab.ward_names()
    present = {t for d in docs for t in d.themes}
    chosen_themes = sorted(set(themes) or present, key=lambda t: order.get(t, 99))
    counts: Counter = Counter()
    ward_cases: Counter = Counter()
    for d in docs:
        if d.ward not in chosen_wards or d.fiscal_year not in all_years:
            continue
        ward_cases[(d.ward, d.fiscal_year)] += 1
        for t in d.themes:
            if t in chosen_themes:
                counts[(t, d.ward, d.fiscal_year)] += 1
    missing = [y for y in all_years if y not in residents_by_year]
    if missing:
        raise ValueError(f"residents missing for fiscal years {missing}")
    return Matrix(chosen_themes, chosen_wards, all_years, counts, ward_cases, residents_by_year)
