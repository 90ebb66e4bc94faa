"""The 24-ward dashboard as offline HTML files, for councils that cannot run a server.

    render_site(catalog) -> {"index.html": ..., "wards/27116.html": ..., "wards/27116/2024.html": ...,
                             "cases/<id>.html": ..., "search.html": ...}

Every published view has its page: the front page (every year and figure), each ward, each ward in
each fiscal year, each case, and the search (its index, assets/search-index.js, is written beside by
casebook.apps.publish). The public server returns these at once; each page also names its live Voila
view (`live`), which its script offers only when served (not from disk) and the server has room.
Every chart of every (fiscal year, figure) is drawn in advance; a few lines of inline script show
the one the reader picks (without script, all are shown one after another). No external URL:
the stylesheet and the script are inline, the charts are inline SVG. The pages are the templates
under `casebook/templates/dashboard_static/` (page, index, case; dashboard.css, dashboard.js).
"""

from __future__ import annotations

from casebook import vocab
from casebook.render import html
from casebook.catalog import Catalog, year_label
from casebook.render.dashboard import (case_list_html, ranking_html, rates_table_html, similar_list_html,
                                       trend_html, ward_grid_html, ward_page_html, ward_rates_html)


DASHBOARD_LIVE = "/voila/render/ward_dashboard.ipynb"
BROWSER_LIVE = "/voila/render/casebook_browser.ipynb"


def _live(base: str, **query) -> str:
    from urllib.parse import urlencode

    return base + (("?" + urlencode(query)) if query else "")


def _page(template: str, title: str, *, depth: int = 0, live: str = "", **context) -> str:
    return html.render(f"dashboard_static/{template}", title=title, up="../" * depth, live=live, **context)


def _years(catalog: Catalog) -> list[dict]:
    return [{"value": y, "label": year_label(y)} for y in catalog.figure_years()]


def _rank(catalog: Catalog, figure: str, year: int, ward: str) -> str:
    ranked = [w for w, v in catalog.ranked(figure, year) if v is not None]
    return f"{ranked.index(ward) + 1}位／{len(ranked)}区" if ward in ranked else "—"


def _ward_year(catalog: Catalog, ward, year: int) -> str:
    from casebook.render.charts import format_value

    rows = []
    for fig in catalog.figures():
        value = catalog.values(fig.name, year)[ward.name]
        if value is None:
            continue
        total = catalog.city_total(fig.name, year)
        rows.append({"theme": fig.theme, "name": fig.name, "value": format_value(value, fig.unit),
                     "rank": _rank(catalog, fig.name, year, ward.name),
                     "total": "—" if total is None else format_value(total, fig.unit)})
    cases = [c for c in catalog.ward_cases(ward.name) if c.fiscal_year == year]
    return _page("ward_year.html.j2", f"{ward.name} {year_label(year)}", depth=2,
                 live=_live(DASHBOARD_LIVE, ward=ward.name, year=str(year)),
                 ward=ward.name, ward_code=ward.code, year=year, year_label=year_label(year),
                 years=_years(catalog), rows=rows, rates=html.markup(ward_rates_html(catalog, ward.name, [year])),
                 cases=html.markup(case_list_html(cases, link=lambda c: f"../../cases/{c.id}.html",
                                                  empty="この年度の公開中の事例はありません")))


def _ward_href(depth: int):
    return lambda ward: f"{'../' * depth}wards/{vocab.parse_ward(ward).code}.html"


def _index(catalog: Catalog) -> str:
    years = catalog.figure_years()
    figures = catalog.figures()
    latest = years[-1] if years else None
    panels = []
    for fig in figures:
        trend = trend_html(years, [("24区の合計", [v for _, v in catalog.city_trend(fig.name)])],
                          title=f"{fig.name}の推移（24区の合計）", unit=fig.unit)
        for y in years:
            panels.append({
                "year": y, "figure": fig.name, "theme": fig.theme, "heading": f"{year_label(y)} {fig.name}",
                "grid": html.markup(ward_grid_html(catalog.values(fig.name, y), title=f"24区の{fig.name}",
                                                   unit=fig.unit, link=_ward_href(0))),
                "ranking": html.markup(ranking_html(catalog.ranked(fig.name, y), title=f"{fig.name}の多い順",
                                                   unit=fig.unit)),
                "rates": html.markup(rates_table_html(catalog, fig.name, y, title=f"{year_label(y)} {fig.name}")),
                "trend": html.markup(trend)})
    return _page("index.html.j2", "活動状況", live=DASHBOARD_LIVE,
                 years=[{"value": y, "label": year_label(y), "selected": y == latest} for y in years],
                 themes=catalog.themes(), figures=figures, panels=panels, wards=vocab.wards(),
                 cases=html.markup(case_list_html(catalog.cases, link=lambda c: f"cases/{c.id}.html")))


def _case_page(catalog: Catalog, case) -> str:
    from casebook.render.pages import case_page_html, ward_figures_from

    figures = ward_figures_from(catalog.activity, case)   # the same charts as the casebook's page
    return _page("case.html.j2", case.title, depth=1, live=_live(BROWSER_LIVE, case=case.id), ward=case.ward, ward_code=vocab.parse_ward(case.ward).code,
                 case_html=html.markup(case_page_html(case, figures)),
                 similar=html.markup(similar_list_html(catalog, case.id, link=lambda i: f"{i}.html")))


def render_site(catalog: Catalog) -> dict[str, str]:
    first = catalog.figures()[0].name if catalog.figures() else None
    files = {"index.html": _index(catalog)}
    for w in vocab.wards():
        body = ward_page_html(catalog, w.name, figure=first, case_link=lambda c: f"../cases/{c.id}.html")
        files[f"wards/{w.code}.html"] = _page("ward.html.j2", w.name, depth=1, live=_live(DASHBOARD_LIVE, ward=w.name),
                                              code=w.code, years=_years(catalog), body=html.markup(body))
        for y in catalog.figure_years():
            files[f"wards/{w.code}/{y}.html"] = _ward_year(catalog, w, y)
    for case in catalog.cases:
        files[f"cases/{case.id}.html"] = _case_page(catalog, case)
    files["search.html"] = _page("search.html.j2", "事例を探す", live=BROWSER_LIVE,
                                 cases=html.markup(case_list_html(catalog.cases, link=lambda c: f"cases/{c.id}.html")))
    return files
