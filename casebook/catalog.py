"""The published data as the readers' pages read it: a read model over the snapshot (published
cases, ward figures, sessions), aggregated per ward, theme, figure and fiscal year. Pure and
read-only; the HTML around it is casebook.render.dashboard.

    Catalog.load(store) -> Catalog          published cases, ward figures, sessions (read once)
    catalog.search(text, ward=, fiscal_year=, theme=) -> list[Case]
    catalog.values(figure, year) / ranked(...) / city_trend(figure) / ward_table(ward)
    catalog.residents(year) / rates(figure, year)   per 10,000 residents (casebook.analysis.population)

Population figures imported as ward activity (住民基本台帳人口 …, population.yaml's `imported_figures`)
are the denominators of the rates, not activity: they are kept apart (`population_rows`) and never
listed among the figures.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache

from casebook import vocab
from casebook.model import Case, Session, WardActivity

MAX_QUERY = 200          # a search longer than this is cut: nobody types more, a script gains nothing
# Figures counted in these units can be divided by residents (a rate of a percentage would mean nothing).
PER_RESIDENT_UNITS = ("件", "人", "回", "か所", "箇所", "団体", "世帯", "食", "")


def fold(text: str) -> str:
    """The form search compares: NFKC (全角/半角 alike) and case-folded."""
    return unicodedata.normalize("NFKC", text).casefold()


def year_label(year: int) -> str:
    return vocab.format_fiscal_year(year)


@dataclass(frozen=True)
class Figure:
    name: str
    theme: str
    unit: str


@cache
def _vocab_figures() -> tuple[Figure, ...]:
    return tuple(Figure(f["name"], f["theme"], f.get("unit", "")) for f in vocab.figures())


# --- the read model ------------------------------------------------------------------------------

@dataclass
class Catalog:
    """Everything a published page shows, loaded once from a (read-only) store."""
    cases: list[Case]
    activity: list[WardActivity]
    sessions: list[Session] = field(default_factory=list)
    # case id -> its similar published cases [{case_id, reasons}], made when publishing
    # (analysis.similar.published_neighbours); or a function that reads them, called at the first use
    similar: dict[str, list[dict]] | Callable[[], dict] = field(default_factory=dict)

    @classmethod
    def load(cls, store, similar: dict[str, list[dict]] | Callable[[], dict] | None = None) -> "Catalog":
        # Only published cases, even from the snapshot (which holds nothing else): a second lock.
        cases = [r.case for r in store.list_cases(status="published")]
        return cls(cases, store.activity(), store.list_sessions(), similar or {})

    def __post_init__(self) -> None:
        from casebook.analysis.population import population_figures

        names = population_figures()
        self.population_rows = [r for r in self.activity if r.figure in names]
        self.activity = [r for r in self.activity if r.figure not in names]
        self._residents: dict[int | None, dict] = {}
        self._values: dict[tuple[str, int], dict[str, WardActivity]] = {}
        for row in self.activity:
            self._values.setdefault((row.figure, row.fiscal_year), {})[row.ward] = row
        self._haystacks = {c.id: fold("\n".join([c.title, c.ward, *c.keywords, *c.themes,
                                                  *(t for _, t in c.text_fields())])) for c in self.cases}

    # --- figures ---------------------------------------------------------------------------

    def years(self) -> list[int]:
        return sorted({r.fiscal_year for r in self.activity} | {c.fiscal_year for c in self.cases})

    def figure_years(self) -> list[int]:
        return sorted({r.fiscal_year for r in self.activity})

    def figures(self, theme: str | None = None) -> list[Figure]:
        """Figures with data, in the vocabulary's order, then any others a ward reported."""
        present = {(r.figure, r.theme): r.unit for r in self.activity}
        known = [f for f in _vocab_figures() if (f.name, f.theme) in present]
        extra = sorted({Figure(n, t, u) for (n, t), u in present.items()} - set(known),
                       key=lambda f: (_theme_order(f.theme), f.name))
        ordered = sorted(known, key=lambda f: _theme_order(f.theme)) + extra   # stable: vocabulary order within a theme
        return [f for f in ordered if theme is None or f.theme == theme]

    def themes(self) -> list[str]:
        return sorted({f.theme for f in self.figures()}, key=_theme_order)

    def figure(self, name: str) -> Figure | None:
        return next((f for f in self.figures() if f.name == name), None)

    def values(self, figure: str, year: int) -> dict[str, float | None]:
        """ward -> value for every one of the 24 wards (None: not reported), official order."""
        got = self._values.get((figure, year), {})
        return {w: (got[w].value if w in got else None) for w in vocab.ward_names()}

    def ranked(self, figure: str, year: int) -> list[tuple[str, float | None]]:
        """Wards by value, highest first; wards without a figure last, in official order."""
        items = list(self.values(figure, year).items())
        return sorted(items, key=lambda kv: (kv[1] is None, -(kv[1] or 0)))

    def city_total(self, figure: str, year: int) -> float | None:
        vals = [v for v in self.values(figure, year).values() if v is not None]
        return sum(vals) if vals else None

    def city_trend(self, figure: str) -> list[tuple[int, float | None]]:
        return [(y, self.city_total(figure, y)) for y in self.figure_years()]

    def ward_trend(self, ward: str, figure: str) -> list[tuple[int, float | None]]:
        return [(y, self.values(figure, y)[ward]) for y in self.figure_years()]

    def residents(self, year: int | None = None) -> dict:
        """ward -> population.Residents for the fiscal year (imported figures preferred, else shipped)."""
        if year not in self._residents:
            from casebook.analysis.population import residents

            self._residents[year] = residents(year, self.population_rows)
        return self._residents[year]

    def has_rates(self, figure: str) -> bool:
        fig = self.figure(figure)
        return fig is not None and fig.unit in PER_RESIDENT_UNITS

    def rates(self, figure: str, year: int) -> dict[str, float | None]:
        """ward -> value per 10,000 residents of that fiscal year (None: not reported), official order."""
        from casebook.analysis.population import rate

        people = self.residents(year)
        return {w: (None if v is None else rate(v, people[w].count)) for w, v in self.values(figure, year).items()}

    def population_sources(self, year: int | None = None) -> list[str]:
        from casebook.analysis.population import sources

        return sources(self.residents(year))

    def ward_table(self, ward: str) -> list[tuple[Figure, list[float | None]]]:
        """Every figure of the ward, one value per fiscal year (figure_years order)."""
        return [(f, [v for _, v in self.ward_trend(ward, f.name)]) for f in self.figures()
                if any(v is not None for _, v in self.ward_trend(ward, f.name))]

    # --- cases and sessions ----------------------------------------------------------------

    def case(self, case_id: str) -> Case | None:
        return next((c for c in self.cases if c.id == case_id), None)

    def search(self, text: str = "", *, ward: str | None = None, fiscal_year: int | None = None,
               theme: str | None = None) -> list[Case]:
        """Published cases whose text holds every word of `text` (plain substrings, no patterns)."""
        words = fold(str(text)[:MAX_QUERY]).split()
        return [c for c in self.cases
                if (ward is None or c.ward == ward)
                and (fiscal_year is None or c.fiscal_year == fiscal_year)
                and (theme is None or theme in c.themes)
                and all(w in self._haystacks[c.id] for w in words)]

    def similar_to(self, case_id: str) -> list[dict]:
        """The published cases most like this one (best first, each with `reasons`); only cases this
        catalog holds, so a stale or altered list can never name an unpublished case."""
        if callable(self.similar):
            self.similar = self.similar() or {}
        ids = {c.id for c in self.cases}
        found = self.similar.get(case_id, []) if case_id in ids else []
        return [s for s in found if isinstance(s, dict) and s.get("case_id") in ids]

    def ward_cases(self, ward: str) -> list[Case]:
        return sorted((c for c in self.cases if c.ward == ward), key=lambda c: (-c.fiscal_year, c.id))

    def ward_sessions(self, ward: str) -> list[Session]:
        """Sessions a ward's staff attended or that discussed one of its cases, newest first."""
        own = {c.id for c in self.cases if c.ward == ward}
        held: dict[tuple, Session] = {}     # one session held, listed once (a copy under another id is not another)
        for s in sorted(self.sessions, key=lambda s: (s.date, s.id)):
            if any(p.ward == ward for p in s.participants) or own & set(s.case_ids):
                held.setdefault((s.date, s.title), s)
        return sorted(held.values(), key=lambda s: (s.date, s.id), reverse=True)


def _theme_order(theme: str) -> int:
    names = vocab.theme_names()
    return names.index(theme) if theme in names else len(names)


