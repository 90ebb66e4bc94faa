"""The 24-ward dashboard's fragments with Japanese labels: HTML from the templates under
`casebook/templates/dashboard/` (rendered by casebook.render.html), charts as SVG from
casebook.render.charts. The Voila dashboard (widgets/dashboard.py), the casebook browser
(widgets/browser.py) and the static export (casebook.render.dashboard_static) all show the same
fragments, so what a reader sees online and offline is one thing. No matplotlib: the charts are
SVG text, which keeps a page's kernel light and its first paint fast.

    ward_grid_html / ranking_html / trend_html / ward_page_html / case_list_html / session_list_html
    rates_table_html / ward_rates_html    counts beside rates per 10,000 residents, with the residents' source

Every chart comes with its text alternative (render.charts: the SVG has role="img" and a name, a
table of the same figures sits beside it); the tile map writes each ward's value on its tile.
"""
from __future__ import annotations

from typing import Iterable, Sequence

from casebook import vocab
from casebook.catalog import Catalog, year_label
from casebook.model import SESSION_KINDS, Case, Session
from casebook.render import html
from casebook.render.charts import bar_chart_svg, chart_with_table, format_value
from casebook.render.charts import trend_html, trend_svg  # noqa: F401 (re-exported: the dashboard's charts)

# Where each ward sits on a 5 x 6 tile map, roughly as on the city map (north at the top).
TILE_POSITIONS: dict[str, tuple[int, int]] = {
    "西淀川区": (1, 0), "淀川区": (2, 0), "東淀川区": (3, 0),
    "此花区": (0, 1), "福島区": (1, 1), "北区": (2, 1), "都島区": (3, 1), "旭区": (4, 1),
    "港区": (0, 2), "西区": (1, 2), "中央区": (2, 2), "城東区": (3, 2), "鶴見区": (4, 2),
    "大正区": (0, 3), "浪速区": (1, 3), "天王寺区": (2, 3), "東成区": (3, 3),
    "住之江区": (0, 4), "西成区": (1, 4), "阿倍野区": (2, 4), "生野区": (3, 4),
    "住吉区": (1, 5), "東住吉区": (2, 5), "平野区": (3, 5),
}


# --- charts --------------------------------------------------------------------------------------

def _luminance(rgb: tuple[int, ...]) -> float:
    def channel(v: int) -> float:
        v /= 255
        return v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4
    r, g, b = (channel(v) for v in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: tuple[int, ...], b: tuple[int, ...]) -> float:
    """WCAG contrast ratio of two sRGB colours (1 to 21; level AA asks 4.5 for small text)."""
    hi, lo = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


INK_DARK, INK_LIGHT = (0x1A, 0x20, 0x2C), (0xFF, 0xFF, 0xFF)


def _shade(value: float | None, vmax: float) -> tuple[str, str]:
    """Tile colour (light to dark blue by value) and the text colour that reads best on it.

    The ramp skips the middle blues, on which neither dark nor white text reaches 4.5:1 (WCAG AA):
    the lighter half runs up to a blue that still carries dark text, the darker half starts at one
    that carries white text. The value is written on every tile too: colour is never the only cue.
    """
    if value is None:
        return "#edf2f7", "#4a5568"
    t = min(max((value / vmax) if vmax > 0 else 0.0, 0.0), 1.0)
    lo, light_end, dark_start, hi = (235, 244, 255), (135, 154, 178), (96, 118, 148), (26, 54, 93)
    a, b, u = (lo, light_end, t / 0.5) if t <= 0.5 else (dark_start, hi, (t - 0.5) / 0.5)
    rgb = tuple(round(x + (y - x) * u) for x, y in zip(a, b))
    ink = max((INK_DARK, INK_LIGHT), key=lambda c: contrast(rgb, c))
    return "#{:02x}{:02x}{:02x}".format(*rgb), "#{:02x}{:02x}{:02x}".format(*ink)


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


def ranking_html(ranked: Sequence[tuple[str, float | None]], *, title: str, unit: str = "",
                 selected: str | None = None) -> str:
    """`ranking_svg` with the ranking as a table beside it (順位, 区, 値; wards that did not report last)."""
    svg = ranking_svg(ranked, title=title, unit=unit, selected=selected)
    if not any(v is not None for _, v in ranked):
        return svg
    shown = [(w, v) for w, v in ranked if v is not None]
    rows = [(f"{i}位", w, format_value(v, unit)) for i, (w, v) in enumerate(shown, start=1)]
    rows += [("—", w, "未報告") for w, v in ranked if v is None]
    return chart_with_table(svg, caption=title, head=("順位", "区", "値"), rows=rows)


# --- pages ---------------------------------------------------------------------------------------

def case_list_html(cases: Iterable[Case], *, link=None, empty: str = "公開中の事例はありません") -> str:
    """Titles with ward, year and themes; `link(case)` -> href or None."""
    items = [(c, link(c) if link else None, year_label(c.fiscal_year)) for c in cases]
    return html.render("dashboard/case_list.html.j2", items=items, empty=empty)


def similar_list_html(catalog: Catalog, case_id: str, *, link) -> str:
    """「似ている事例」: the published cases most like this one, with why; `link(case_id)` -> href."""
    items = []
    for s in catalog.similar_to(case_id):
        case = catalog.case(s["case_id"])
        items.append({"case_id": case.id, "title": case.title, "ward": case.ward, "year": year_label(case.fiscal_year),
                      "href": link(case.id), "reasons": [str(r) for r in s.get("reasons", [])]})
    return html.render("dashboard/similar_list.html.j2", case_id=case_id, items=items)


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


def format_rate(value: float, unit: str = "") -> str:
    """Per 10,000 residents, two decimals (small figures such as か所 stay readable): 96.82件."""
    return f"{value:,.2f}{unit}"


def rates_table_html(catalog: Catalog, figure: str, year: int, *, title: str, selected: str | None = None) -> str:
    """The 24 wards: the count, the residents and the count per 10,000 residents, ranked by the rate."""
    fig = catalog.figure(figure)
    if fig is None or not catalog.has_rates(figure):
        return ""
    values, rates, people = catalog.values(figure, year), catalog.rates(figure, year), catalog.residents(year)
    order = sorted(vocab.ward_names(), key=lambda w: (rates[w] is None, -(rates[w] or 0)))
    rows, rank = [], 0
    for w in order:
        rank += rates[w] is not None
        rows.append({"ward": w, "rank": rank if rates[w] is not None else "—",
                     "value": "未報告" if values[w] is None else format_value(values[w], fig.unit),
                     "residents": format_value(people[w].count, "人"),
                     "rate": "—" if rates[w] is None else format_rate(rates[w], fig.unit),
                     "source": people[w].label})
    sources = catalog.population_sources(year)
    return html.render("dashboard/rates_table.html.j2", title=title, figure=fig.name, year=year, rows=rows,
                       selected=selected, sources=sources, several=len(sources) > 1)


def ward_rates_html(catalog: Catalog, ward: str, years: Sequence[int] | None = None) -> str:
    """A ward's figures per 10,000 residents over the fiscal years (all, or `years`), residents first."""
    years = list(catalog.figure_years() if years is None else years)
    rows = [{"theme": fig.theme, "name": fig.name,
             "cells": [None if v is None else format_rate(v, fig.unit)
                       for v in (catalog.rates(fig.name, y)[ward] for y in years)]}
            for fig, _vals in catalog.ward_table(ward) if catalog.has_rates(fig.name)]
    sources = list(dict.fromkeys(catalog.residents(y)[ward].label for y in years))
    return html.render("dashboard/ward_rates.html.j2", ward=ward, years=years, rows=rows, sources=sources,
                       residents=[format_value(catalog.residents(y)[ward].count, "人") for y in years])


COUNT_UNITS = ("件", "人", "回", "か所", "箇所", "団体", "世帯")


def _average(value: float, unit: str) -> float:
    """An average of counts reads as a count (6,341件, not 6,340.7件); other figures keep one decimal."""
    return float(round(value)) if unit in COUNT_UNITS else round(value, 1)


def ward_page_html(catalog: Catalog, ward: str, *, figure: str | None = None, case_link=None) -> str:
    """A ward's page: its figures over the years, a trend of one figure, its published cases and sessions."""
    w = vocab.parse_ward(ward)
    fig = catalog.figure(figure) if figure else None
    trend = None
    if fig is not None:
        years = catalog.figure_years()
        n_reporting = [sum(v is not None for v in catalog.values(fig.name, y).values()) for y in years]
        avg = [(_average(t / n, fig.unit) if t is not None and n else None)
               for t, n in zip((catalog.city_total(fig.name, y) for y in years), n_reporting)]
        trend = html.markup(trend_html(years, [(w.name, [v for _, v in catalog.ward_trend(w.name, fig.name)]),
                                              ("24区の平均", avg)],
                                      title=f"{w.name}の{fig.name}の推移", unit=fig.unit))
    return html.render(
        "dashboard/ward_page.html.j2", ward=w.name, trend=trend,
        figures_table=html.markup(figures_table_html(catalog, w.name)),
        rates=html.markup(ward_rates_html(catalog, w.name)),
        cases=html.markup(case_list_html(catalog.ward_cases(w.name), link=case_link)),
        sessions=html.markup(session_list_html(catalog.ward_sessions(w.name), ward=w.name)))
