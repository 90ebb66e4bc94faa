"""The 24-ward dashboard as pure functions: what the published store holds, aggregated per ward,
theme, figure and fiscal year, and drawn as escaped HTML/SVG fragments with Japanese labels.

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
from html import escape
from typing import Iterable, Sequence

from casebook import vocab
from casebook.charts import BAR, BAR_HIGHLIGHT, SVG_FONT, bar_chart_svg, format_value
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


def _e(text: object) -> str:
    return escape(str(text), quote=True)


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
        shown = format_value(value, unit) if value is not None else "未報告"
        name = _e(ward)
        label = (f'<span class="wb-tile-name" style="display:block;font-weight:bold">{name}</span>'
                 f'<span class="wb-tile-value" style="display:block">{_e(shown)}</span>')
        href = link(ward) if link else None
        inner = f'<a href="{_e(href)}" style="color:inherit;text-decoration:none">{label}</a>' if href else label
        outline = "outline:3px solid #dd6b20;" if ward == selected else ""
        tiles.append(
            f'<div class="wb-tile" data-ward="{name}" title="{name}: {_e(shown)}" '
            f'style="grid-column:{col + 1};grid-row:{row + 1};background:{bg};color:{ink};{outline}'
            f'border-radius:4px;padding:4px 6px;font-size:12px;line-height:1.35;min-height:44px;'
            f'display:flex;flex-direction:column;justify-content:center">{inner}</div>')
    return (f'<figure class="wb-ward-grid" role="img" aria-label="{_e(title)}" style="margin:0">'
            f'<figcaption style="font-weight:bold;margin-bottom:6px">{_e(title)}</figcaption>'
            f'<div style="display:grid;grid-template-columns:repeat(5,minmax(72px,1fr));gap:4px;max-width:520px">'
            + "".join(tiles) + "</div>"
            '<div style="font-size:11px;color:#4a5568;margin-top:4px">色が濃いほど値が大きい区（地図上のおおよその位置）</div>'
            "</figure>")


def ranking_svg(ranked: Sequence[tuple[str, float | None]], *, title: str, unit: str = "",
                selected: str | None = None) -> str:
    """The wards that reported, ranked: a horizontal bar chart with Japanese labels."""
    shown = [(w, v) for w, v in ranked if v is not None]
    labels = [f"{i}. {w}" for i, (w, _) in enumerate(shown, start=1)]
    highlight = next((i for i, (w, _) in enumerate(shown) if w == selected), None)
    if not shown:
        return f'<p class="wb-empty">{_e(title)}: 報告された値がありません</p>'
    return bar_chart_svg(labels, [v for _, v in shown], title=title, unit=unit, highlight=highlight,
                         width=460, bar_height=14)


def trend_svg(years: Sequence[int], series: Sequence[tuple[str, Sequence[float | None]]], *,
              title: str, unit: str = "", width: int = 460, height: int = 220) -> str:
    """A line chart over fiscal years: one line per (label, values); missing values leave a gap."""
    colours = [BAR, BAR_HIGHLIGHT, "#38a169", "#805ad5", "#718096"]
    left, right, top, bottom = 56, 16, 30, 48
    plot_w, plot_h = width - left - right, height - top - bottom
    values = [v for _, vs in series for v in vs if v is not None]
    vmax = max(values + [0.0]) or 1.0
    n = len(years)

    def x(i: int) -> float:
        return left + (plot_w * (i + 0.5) / n if n else 0)

    def y(v: float) -> float:
        return top + plot_h * (1 - v / vmax)

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="chart wb-trend" viewBox="0 0 {width} {height}" '
             f'width="{width}" height="{height}" role="img" aria-label="{_e(title)}" '
             f'font-family="{_e(SVG_FONT)}" font-size="11" fill="#1a202c">',
             f"<title>{_e(title)}</title>",
             f'<text x="0" y="14" font-size="13" font-weight="bold">{_e(title)}</text>',
             f'<line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" y2="{top + plot_h}" stroke="#a0aec0"/>',
             f'<text x="{left - 6}" y="{top + 4}" text-anchor="end">{_e(format_value(vmax, unit))}</text>',
             f'<text x="{left - 6}" y="{top + plot_h}" text-anchor="end">0</text>']
    for i, year in enumerate(years):
        parts.append(f'<text x="{x(i):.1f}" y="{top + plot_h + 16}" text-anchor="middle">{_e(f"{year}年度")}</text>')
        parts.append(f'<text x="{x(i):.1f}" y="{top + plot_h + 29}" text-anchor="middle" fill="#4a5568">'
                     f'{_e(vocab.era_name(year).removesuffix("年度"))}</text>')
    for k, (label, vals) in enumerate(series):
        colour = colours[k % len(colours)]
        points = [(x(i), y(v), v) for i, v in enumerate(vals) if v is not None]
        if len(points) > 1:
            path = " ".join(f"{px:.1f},{py:.1f}" for px, py, _ in points)
            parts.append(f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2"/>')
        for px, py, v in points:
            parts.append(f'<circle cx="{px:.1f}" cy="{py:.1f}" r="3" fill="{colour}"/>')
            parts.append(f'<text x="{px:.1f}" y="{py - 6:.1f}" text-anchor="middle">{_e(format_value(v, unit))}</text>')
        lx = left + k * 150
        parts.append(f'<rect x="{lx}" y="{height - 12}" width="10" height="10" fill="{colour}"/>')
        parts.append(f'<text x="{lx + 14}" y="{height - 3}">{_e(label)}</text>')
    parts.append("</svg>")
    return "".join(parts)


# --- pages ---------------------------------------------------------------------------------------

def case_list_html(cases: Iterable[Case], *, link=None, empty: str = "公開中の事例はありません") -> str:
    """Titles with ward, year and themes; `link(case)` -> href or None."""
    items = []
    for c in cases:
        href = link(c) if link else None
        title = f'<a href="{_e(href)}">{_e(c.title)}</a>' if href else _e(c.title)
        tags = "".join(f'<span class="cb-tag">{_e(t)}</span>' for t in c.themes)
        items.append(f'<li class="wb-case-item" data-case="{_e(c.id)}"><strong>{title}</strong>'
                     f'<div style="font-size:12px;color:#4a5568">{_e(c.ward)}・{_e(year_label(c.fiscal_year))}'
                     f'・事例番号 {_e(c.id)}</div><div>{tags}</div></li>')
    if not items:
        return f'<p class="wb-empty">{_e(empty)}</p>'
    return '<ul class="wb-case-list" style="padding-left:1.2em">' + "".join(items) + "</ul>"


def session_list_html(sessions: Iterable[Session], *, ward: str | None = None) -> str:
    """Training sessions: title, date, kind, attendance (counts only) and the advisor's summary."""
    items = []
    for s in sessions:
        total = len(s.participants)
        own = sum(p.ward == ward for p in s.participants) if ward else None
        attend = f"参加 {total} 人" + (f"（うち{_e(ward)} {own} 人）" if ward else "")
        summary = (f'<div class="cb-text" style="white-space:pre-wrap"><strong>総括:</strong> {_e(s.summary)}</div>'
                   if s.summary else "")
        items.append(f'<li class="wb-session-item"><strong>{_e(s.title)}</strong>'
                     f'<div style="font-size:12px;color:#4a5568">{_e(f"{s.date:%Y年%m月%d日}")}・'
                     f'{_e(SESSION_KINDS.get(s.kind, s.kind))}・{attend}</div>{summary}</li>')
    if not items:
        return '<p class="wb-empty">この区が参加した研修会の記録はありません</p>'
    return '<ul class="wb-session-list" style="padding-left:1.2em">' + "".join(items) + "</ul>"


def figures_table_html(catalog: Catalog, ward: str) -> str:
    """All of a ward's figures, one column per fiscal year, grouped by theme."""
    years = catalog.figure_years()
    rows = catalog.ward_table(ward)
    if not rows:
        return '<p class="wb-empty">活動状況の報告はありません</p>'
    head = "".join(f"<th>{_e(f'{y}年度')}</th>" for y in years)
    body = []
    for fig, vals in rows:
        cells = "".join(f'<td style="text-align:right">{_e(format_value(v, fig.unit)) if v is not None else "—"}</td>'
                        for v in vals)
        body.append(f"<tr><td>{_e(fig.theme)}</td><td>{_e(fig.name)}</td>{cells}</tr>")
    return ('<table class="wb-figures" style="border-collapse:collapse;font-size:13px">'
            f"<thead><tr><th>テーマ</th><th>指標</th>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>")


def ward_page_html(catalog: Catalog, ward: str, *, figure: str | None = None, case_link=None) -> str:
    """A ward's page: its figures over the years, a trend of one figure, its published cases and sessions."""
    w = vocab.parse_ward(ward)
    parts = [f'<section class="wb-ward-page" data-ward="{_e(w.name)}">',
             f'<h2 style="margin-top:0">{_e(w.name)}社会福祉協議会</h2>',
             "<h3>活動状況（年度ごとの値）</h3>", figures_table_html(catalog, w.name)]
    fig = catalog.figure(figure) if figure else None
    if fig is not None:
        years = catalog.figure_years()
        n_reporting = [sum(v is not None for v in catalog.values(fig.name, y).values()) for y in years]
        avg = [(t / n if t is not None and n else None)
               for t, n in zip((catalog.city_total(fig.name, y) for y in years), n_reporting)]
        parts.append(trend_svg(years, [(w.name, [v for _, v in catalog.ward_trend(w.name, fig.name)]),
                                       ("24区の平均", avg)],
                               title=f"{w.name}の{fig.name}の推移", unit=fig.unit))
    parts += ["<h3>公開中の事例</h3>", case_list_html(catalog.ward_cases(w.name), link=case_link),
              "<h3>研修会</h3>", session_list_html(catalog.ward_sessions(w.name), ward=w.name), "</section>"]
    return "".join(parts)
