"""The cross-case analysis report's parts as escaped HTML fragments (used by
notebooks/cross_case_analysis.ipynb), rendered from the templates under
`casebook/templates/analysis/` by casebook.render.html. The data is `casebook.analysis.report`'s
AnalysisData, already through the privacy gate; every text is escaped again here.

Charts are our own SVG (casebook.render.charts), so the page opens from disk and prints (PDF).
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from casebook import vocab
from casebook.render import charts, html

if TYPE_CHECKING:
    from casebook.analysis.report import AnalysisData

TREND_LINES = 4     # themes drawn in the trend chart (the table lists all)


def _render(name: str, **context) -> str:
    return html.render(f"analysis/{name}", **context)


def _or_all(values, label: str) -> str:
    return "、".join(str(v) for v in values) if values else f"すべての{label}"


def header_html(data: AnalysisData) -> str:
    p = data.params
    years = _or_all([vocab.format_fiscal_year(y) for y in p.fiscal_years], "年度")
    rows = [("区", _or_all(p.wards, "区")), ("テーマ", _or_all(p.themes, "テーマ")), ("年度", years),
            ("状態", "、".join(vocab.status_label(s) for s in p.statuses)),
            ("対象の事例", f"{len(data.selected)} 件（特徴語の比較対象 {data.reference} 件）"),
            ("作成", f"{data.made_at:%Y年%m月%d日 %H:%M}" + (f"（{data.made_by}）" if data.made_by else ""))]
    return _render("header.html.j2", title=p.title, rows=rows, gate_note=data.gate.note)


def matrix_html(data: AnalysisData) -> str:
    m = data.matrix
    rows = []
    for r in m.ward_rows():
        rows.append({"ward": r.ward, "residents": r.residents.count, "cases": r.cases, "per_10k": r.per_10k,
                     "by_year": [m.count(None, r.ward, y) for y in m.years],
                     "by_theme": r.by_theme, "by_theme_per_10k": r.by_theme_per_10k})
    chart = ""
    if len(rows) > 1:
        chart = charts.bar_chart_svg([r["ward"] for r in rows], [round(r["per_10k"], 2) for r in rows],
                                     title="区ごとの事例数（住民1万人あたり）", width=520)
    years_label = "・".join(f"{y}年度" for y in m.years) or "対象年度"
    return _render("matrix.html.j2", rows=rows, themes=m.themes, years=m.years, sources=data.population_sources,
                   years_label=years_label, chart=html.markup(chart))


def trends_html(data: AnalysisData) -> str:
    m = data.matrix
    trends = m.trends()
    drawn = sorted(trends, key=lambda t: -sum(t.counts))[:TREND_LINES]
    chart_list = []
    if len(m.years) > 1 and drawn:
        chart_list.append(html.markup(charts.trend_svg(
            m.years, [(t.theme, list(t.counts)) for t in drawn], title="テーマごとの事例数の推移", unit="件",
            width=640, height=240)))
    return _render("trends.html.j2", years=m.years, trends=trends, charts=chart_list)


def points_html(data: AnalysisData) -> str:
    t = data.points
    ranked = t.ranked()
    rows = [(c, t.totals[c], t.cases[c], t.row(c)) for c in ranked if t.totals[c]]
    examples = [(c, t.examples[c]) for c in ranked if t.examples.get(c)]
    return _render("points.html.j2", total=t.points, themes=t.themes, rows=rows, examples=examples)


def words_html(data: AnalysisData) -> str:
    return _render("words.html.j2", themes=data.words, reference=data.reference)


def reading_html(data: AnalysisData) -> str:
    return _render("reading.html.j2", themes=data.reading)


def report_html(data: AnalysisData) -> str:
    """Every part in order (a test or a script that wants the whole report without a notebook)."""
    return "\n".join(f(data) for f in (header_html, matrix_html, trends_html, points_html, words_html,
                                       reading_html))
