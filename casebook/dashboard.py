"""The 24-ward dashboard as pure functions: what the published store holds, aggregated per ward,
theme, figure and fiscal year, and shown as fragments with Japanese labels: HTML from the templates
under `casebook/templates/dashboard/` (rendered by casebook.html), charts as SVG from casebook.charts.

The Voila dashboard (widgets/dashboard.py), the casebook browser (widgets/browser.py) and the
static export (casebook.publish.export_static) all show the same fragments, so what a reader sees
online and offline is one thing. No matplotlib: the charts are SVG text (casebook.charts style),
which keeps a page's kernel light and its first paint fast.

    Catalog.load(store) -> Catalog          published cases, ward figures, sessions (read once)
    catalog.search(text, ward=, fiscal_year=, theme=) -> list[Case]
    catalog.values(figure, year) / ranked(...) / city_trend(figure) / ward_table(ward)
    ward_grid_html / ranking_svg / trend_svg / ward_page_html / case_list_html / session_list_html
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from functools import cache
from typing import Iterable, Sequence

from casebook import html, vocab
from casebook.charts import bar_chart_svg, format_value, trend_svg  # trend_svg: re-exported
from casebook.model import SESSION_KINDS, Case, Session, WardActivity

MAX_QUERY = 200          # a search longer than this is cut: nobody types more, a script gains nothing

# Where each ward sits on a 5 x 6 tile map, roughly as on the city map (north at the top).
TILE_POSITIONS: dict[str, tuple[int, int]] = {
    "西淀川区": (1, 0), "淀川区": (2, 0), "東淀川区": (3, 0),
    "此花区": (0, 1), "福島区": (1, 1), "北区": (2, 1), "都島区": (3, 1), "旭区": (4, 1),
    "港区": (0, 2), "西区": (1, 2), "中央区": (2, 2), "城東区": (3, 2), "鶴見区": (4, 2),
    "大正区": (0, 3), "浪速区": (1, 3), "天王寺区": (2, 3), "東成区": (3, 3),
    "住之江区": (0, 4), "西成区": (1, 4), "阿倍野区": (2, 4), "生野区": (3, 4),
    "住吉区": (1, 5), "東住吉区": (2, 5), "平野区": (3, 5),
}


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

    @classmethod
    def load(cls, store) -> "Catalog":
        # Only published cases, even from the snapshot (which holds nothing else): a second lock.
        cases = [r.case for r in store.list_cases(status="published")]
        return cls(cases, store.activity(), store.list_sessions())

    def __post_init__(self) -> None:
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

    def ward_cases(self, ward: str) -> list[Case]:
        return sorted((c for c in self.cases if c.ward == ward), key=lambda c: (-c.fiscal_year, c.id))

    def ward_sessions(self, ward: str) -> list[Session]:
        """Sessions a ward's staff attended or that discussed one of its cases, newest first."""
        own = {c.id for c in self.cases if c.ward == ward}
        return sorted((s for s in self.sessions
                       if any(p.ward == ward for p in s.participants) or own & set(s.case_ids)),
                      key=lambda s: (s.date, s.id), reverse=True)


def _theme_order(theme: str) -> int:
    names = vocab.theme_names()
    return names.index(theme) if theme in names else len(names)


# --- charts --------------------------------------------------------------------------------------

def _shade(value: float | None, vmax: float) -> tuple[str, str]:
    """Tile colour (light to dark blue by value) and a text colour that stays readable on it."""
    if value is None:
        return "#edf2f7", "#718096"
    t = (value / vmax) if vmax > 0 else 0.0
    lo, hi = (235, 244, 255), (26, 54, 93)
    rgb = tuple(round(a + (b - a) * t) for a, b in zip(lo, hi))
    return "#%02x%02x%02x" % rgb, ("#ffffff" if t > 0.55 else "#1a202c")


def ward_grid_html(values: dict[str, float | None], *, title: str, unit: str = "",
                   selected: str | None = None, link=None) -> str:
    """The 24 wards as a tile map, each tile shaded by its value; `link(ward)` -> href or None."""
    vmax = max([v for v in values.values() if v is not None] + [0.0])
    tiles = []
    for ward, (col, row) in TILE_POSITIONS.items():
        value = values.get(ward)
        bg, ink = _shade(value, vmax)
        tiles.append({"name": ward, "shown": format_value(value, unit) if value is not None else "未報告",
                      "col": col + 1, "row": row + 1, "bg": bg, "ink": ink, "selected": ward == selected,
                      "href": link(ward) if link else None})
    return html.render("dashboard/ward_grid.html.j2", title=title, tiles=tiles)


def ranking_svg(ranked: Sequence[tuple[str, float | None]], *, title: str, unit: str = "",
                selected: str | None = None) -> str:
    """The wards that reported, ranked: a horizontal bar chart with Japanese labels."""
    shown = [(w, v) for w, v in ranked if v is not None]
    labels = [f"{i}. {w}" for i, (w, _) in enumerate(shown, start=1)]
    highlight = next((i for i, (w, _) in enumerate(shown) if w == selected), None)
    if not shown:
        return html.render("dashboard/empty.html.j2", text=f"{title}: 報告された値がありません")
    return bar_chart_svg(labels, [v for _, v in shown], title=title, unit=unit, highlight=highlight,
                         width=460, bar_height=14)


# --- pages ---------------------------------------------------------------------------------------

def case_list_html(cases: Iterable[Case], *, link=None, empty: str = "公開中の事例はありません") -> str:
    """Titles with ward, year and themes; `link(case)` -> href or None."""
    items = [(c, link(c) if link else None, year_label(c.fiscal_year)) for c in cases]
    return html.render("dashboard/case_list.html.j2", items=items, empty=empty)


def session_list_html(sessions: Iterable[Session], *, ward: str | None = None) -> str:
    """Training sessions: title, date, kind, attendance (counts only) and the advisor's summary."""
    items = [{"title": s.title, "date": f"{s.date:%Y年%m月%d日}", "kind": SESSION_KINDS.get(s.kind, s.kind),
              "total": len(s.participants), "own": sum(p.ward == ward for p in s.participants) if ward else None,
              "summary": s.summary} for s in sessions]
    return html.render("dashboard/session_list.html.j2", items=items, ward=ward)


def figures_table_html(catalog: Catalog, ward: str) -> str:
    """All of a ward's figures, one column per fiscal year, grouped by theme."""
    rows = [{"theme": fig.theme, "name": fig.name,
             "cells": [None if v is None else format_value(v, fig.unit) for v in vals]}
            for fig, vals in catalog.ward_table(ward)]
    return html.render("dashboard/figures_table.html.j2", years=catalog.figure_years(), rows=rows)


def ward_page_html(catalog: Catalog, ward: str, *, figure: str | None = None, case_link=None) -> str:
    """A ward's page: its figures over the years, a trend of one figure, its published cases and sessions."""
    w = vocab.parse_ward(ward)
    fig = catalog.figure(figure) if figure else None
    trend = None
    if fig is not None:
        years = catalog.figure_years()
        n_reporting = [sum(v is not None for v in catalog.values(fig.name, y).values()) for y in years]
        avg = [(t / n if t is not None and n else None)
               for t, n in zip((catalog.city_total(fig.name, y) for y in years), n_reporting)]
        trend = html.markup(trend_svg(years, [(w.name, [v for _, v in catalog.ward_trend(w.name, fig.name)]),
                                              ("24区の平均", avg)],
                                      title=f"{w.name}の{fig.name}の推移", unit=fig.unit))
    return html.render(
        "dashboard/ward_page.html.j2", ward=w.name, trend=trend,
        figures_table=html.markup(figures_table_html(catalog, w.name)),
        cases=html.markup(case_list_html(catalog.ward_cases(w.name), link=case_link)),
        sessions=html.markup(session_list_html(catalog.ward_sessions(w.name), ward=w.name)))
