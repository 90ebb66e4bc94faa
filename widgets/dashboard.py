"""The published 24-ward dashboard (ward_dashboard.ipynb): filters for fiscal year, theme and
figure; a tile map and a ranking of the 24 wards; the trend over the years; each ward's page with
its figures, its published cases and its sessions.

It reads a `casebook.render.dashboard.Catalog` (loaded from the read-only snapshot) and never writes.
Every control is a guarded widget (widgets.common): a script on the kernel socket can send only
the index of an option that exists; display widgets accept nothing from the front end.

    Dashboard(catalog).widget          the page
    dashboard.apply_query({"ward": "生野区", "year": "2024", "figure": "…"})
"""

from __future__ import annotations

from typing import Mapping

import ipywidgets as w

from casebook import vocab
from casebook.catalog import Catalog, year_label
from casebook.render.dashboard import rates_table_html, ranking_html, trend_html, ward_grid_html, ward_page_html
from widgets.common import GDropdown, Guarded, GToggleButtons, notice, tag

VIEWS = (("24区の比較", "compare"), ("推移", "trend"), ("区のページ", "ward"))
BROWSER_NOTEBOOK = "casebook_browser.ipynb"


class Display(Guarded, w.HTML):
    """An HTML widget the front end cannot change (a script's 'value' update is refused)."""

    _frontend_keys = ()


def case_href(case) -> str:
    """A case's page in the casebook browser, relative to the dashboard's own URL."""
    from urllib.parse import quote

    return f"{BROWSER_NOTEBOOK}?case={quote(case.id)}"


class Dashboard:
    def __init__(self, catalog: Catalog):
        self.catalog = catalog
        years = catalog.figure_years()
        themes = catalog.themes()
        self.year = tag(GDropdown(options=[(year_label(y), y) for y in years] or [("（データなし）", None)],
                                  value=years[-1] if years else None, description="年度"), "wb-dash-year")
        self.theme = tag(GDropdown(options=[(t, t) for t in themes] or [("（データなし）", None)],
                                   description="テーマ"), "wb-dash-theme")
        self.figure = tag(GDropdown(options=self._figure_options(self.theme.value), description="指標"),
                          "wb-dash-figure")
        self.ward = tag(GDropdown(options=[("（区を選んでください）", None)] + [(n, n) for n in vocab.ward_names()],
                                  description="区"), "wb-dash-ward")
        self.view = tag(GToggleButtons(options=VIEWS, value="compare"), "wb-dash-view")
        for control in (self.year, self.theme, self.figure, self.ward, self.view):
            control.style.description_width = "3em"
            control.on_refused(lambda _w, msg: self._say(msg, "error"))
        self.message = tag(Display(""), "wb-dash-message")
        self.grid = tag(Display(""), "wb-dash-grid")
        self.ranking = tag(Display(""), "wb-dash-ranking")
        self.rates = tag(Display(""), "wb-dash-rates")      # counts beside rates per 10,000 residents
        self.trend = tag(Display(""), "wb-dash-trend")
        self.ward_page = tag(Display(""), "wb-dash-ward-page")
        self.boxes = {
            "compare": tag(w.HBox([self.grid, self.ranking, self.rates],
                                  layout=w.Layout(flex_flow="row wrap", gap="16px")), "wb-dash-compare"),
            "trend": tag(w.VBox([self.trend]), "wb-dash-trends"),
            "ward": tag(w.VBox([self.ward_page]), "wb-dash-ward-box"),
        }
        header = Display(
            '<div class="wb-dash-intro">各区社会福祉協議会が報告した活動状況（年度・テーマ・指標別）と、'
            "公開中の事例・研修会の記録です。区を選ぶとその区のページを表示します。</div>")
        filters = w.HBox([self.year, self.theme, self.figure, self.ward], layout=w.Layout(flex_flow="row wrap"))
        self.widget = tag(w.VBox([header, filters, self.view, self.message, *self.boxes.values()]), "wb-dashboard")
        self.theme.observe(self._on_theme, "value")
        for control in (self.year, self.figure):
            control.observe(lambda _c: self.render(), "value")
        self.ward.observe(self._on_ward, "value")
        self.view.observe(lambda _c: self._show_view(), "value")
        self._show_view()
        self.render()

    # --- state --------------------------------------------------------------------------------

    def _figure_options(self, theme: str | None) -> list[tuple[str, str | None]]:
        figures = self.catalog.figures(theme) if theme else []
        return [(f.name, f.name) for f in figures] or [("（データなし）", None)]

    def _on_theme(self, _change) -> None:
        with self.figure.hold_trait_notifications():
            self.figure.options = self._figure_options(self.theme.value)
        self.render()

    def _on_ward(self, _change) -> None:
        if self.ward.value:
            self.view.value = "ward"
        self.render()

    def _show_view(self) -> None:
        for name, box in self.boxes.items():
            box.layout.display = "" if name == self.view.value else "none"

    def _say(self, text: str, kind: str = "info") -> None:
        self.message.value = notice(text, kind) if text else ""

    # --- drawing ------------------------------------------------------------------------------

    def render(self) -> None:
        fig = self.catalog.figure(self.figure.value) if self.figure.value else None
        year = self.year.value
        if fig is None or year is None:
            self.grid.value = self.ranking.value = self.rates.value = self.trend.value = ""
            self._say("活動状況のデータがありません", "warn")
        else:
            self._say("")
            title = f"{year_label(year)} {fig.name}"
            self.grid.value = ward_grid_html(self.catalog.values(fig.name, year), title=f"24区の{title}",
                                             unit=fig.unit, selected=self.ward.value)
            self.ranking.value = ranking_html(self.catalog.ranked(fig.name, year), title=f"{title}（多い順）",
                                             unit=fig.unit, selected=self.ward.value)
            self.rates.value = rates_table_html(self.catalog, fig.name, year, title=title, selected=self.ward.value)
            years = self.catalog.figure_years()
            city = [v for _, v in self.catalog.city_trend(fig.name)]
            top = [w_ for w_, v in self.catalog.ranked(fig.name, year)[:3] if v is not None]
            self.trend.value = (
                trend_html(years, [("24区の合計", city)], title=f"{fig.name}の推移（24区の合計）", unit=fig.unit)
                + trend_html(years, [(w_, [v for _, v in self.catalog.ward_trend(w_, fig.name)]) for w_ in top],
                            title=f"{fig.name}の推移（{year_label(year)}の上位3区）", unit=fig.unit))
        self.ward_page.value = (ward_page_html(self.catalog, self.ward.value, figure=fig.name if fig else None,
                                               case_link=case_href) if self.ward.value else
                                notice("区を選ぶと、その区の活動状況・公開中の事例・研修会を表示します", "info"))

    # --- page parameters ----------------------------------------------------------------------

    def apply_query(self, query: Mapping[str, str]) -> None:
        """Open the page a link asked for (?ward=生野区&year=2024&theme=…&figure=…); ignore what is not valid."""
        try:
            if query.get("year"):
                year = vocab.parse_fiscal_year(query["year"])
                if year in self.catalog.figure_years():
                    self.year.value = year
            if query.get("theme"):
                theme = vocab.parse_theme(query["theme"])
                if theme in self.catalog.themes():
                    self.theme.value = theme
            if query.get("figure") and self.catalog.figure(query["figure"]) in self.catalog.figures(self.theme.value):
                self.figure.value = query["figure"]
            if query.get("ward"):
                self.ward.value = vocab.parse_ward(query["ward"]).name
                self.view.value = "ward"
        except (vocab.VocabError, ValueError):
            self._say("ページの指定（URL）が読めなかったため、最初の画面を表示しています", "warn")
