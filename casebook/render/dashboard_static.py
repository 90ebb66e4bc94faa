"""The 24-ward dashboard as offline HTML files, for councils that cannot run a server.

    render_site(catalog) -> {"index.html": ..., "wards/27116.html": ..., "cases/<id>.html": ...}

Every chart of every (fiscal year, figure) is drawn in advance; a few lines of inline script show
the one the reader picks (without script, all are shown one after another). No external URL:
the stylesheet and the script are inline, the charts are inline SVG. The pages are the templates
under `casebook/templates/dashboard_static/` (page, index, case; dashboard.css, dashboard.js).
"""

from __future__ import annotations

from casebook import vocab
from casebook.render import html
from casebook.catalog import Catalog, year_label
from casebook.render.dashboard import (case_list_html, ranking_svg, trend_svg, ward_grid_html,
                                       ward_page_html)


def _page(template: str, title: str, *, depth: int = 0, **context) -> str:
    return html.render(f"dashboard_static/{template}", title=title, up="../" * depth, **context)


def _ward_href(depth: int):
    return lambda ward: f"{'../' * depth}wards/{vocab.parse_ward(ward).code}.html"


def _index(catalog: Catalog) -> str:
    years = catalog.figure_years()
    figures = catalog.figures()
    latest = years[-1] if years else None
    panels = []
    for fig in figures:
        trend = trend_svg(years, [("24区の合計", [v for _, v in catalog.city_trend(fig.name)])],
                          title=f"{fig.name}の推移（24区の合計）", unit=fig.unit)
        for y in years:
            panels.append({
                "year": y, "figure": fig.name, "theme": fig.theme, "heading": f"{year_label(y)} {fig.name}",
                "grid": html.markup(ward_grid_html(catalog.values(fig.name, y), title=f"24区の{fig.name}",
                                                   unit=fig.unit, link=_ward_href(0))),
                "ranking": html.markup(ranking_svg(catalog.ranked(fig.name, y), title=f"{fig.name}の多い順",
                                                   unit=fig.unit)),
                "trend": html.markup(trend)})
    return _page("index.html.j2", "活動状況",
                 years=[{"value": y, "label": year_label(y), "selected": y == latest} for y in years],
                 themes=catalog.themes(), figures=figures, panels=panels, wards=vocab.wards(),
                 cases=html.markup(case_list_html(catalog.cases, link=lambda c: f"cases/{c.id}.html")))


def _case_page(catalog: Catalog, case) -> str:
    from casebook.render.pages import case_page_html, ward_figures_from

    figures = ward_figures_from(catalog.activity, case)   # the same charts as the casebook's page
    return _page("case.html.j2", case.title, depth=1, ward=case.ward, ward_code=vocab.parse_ward(case.ward).code,
                 case_html=html.markup(case_page_html(case, figures)))


def render_site(catalog: Catalog) -> dict[str, str]:
    first = catalog.figures()[0].name if catalog.figures() else None
    files = {"index.html": _index(catalog)}
    for w in vocab.wards():
        body = ward_page_html(catalog, w.name, figure=first, case_link=lambda c: f"../cases/{c.id}.html")
        files[f"wards/{w.code}.html"] = _page("page.html.j2", w.name, depth=1, body=html.markup(body))
    for case in catalog.cases:
        files[f"cases/{case.id}.html"] = _case_page(catalog, case)
    return files
