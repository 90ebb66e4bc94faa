"""The published casebook browser (casebook_browser.ipynb): search published cases by words, filter
by ward, fiscal year and theme, and read a case's page (casebook.render.pages, escaped HTML) with
「似ている事例」: the published cases most like it and why (made when publishing, Catalog.similar_to).

It reads a `casebook.render.dashboard.Catalog` loaded from the read-only snapshot and never writes. The
search box takes any text (plain words, no patterns, cut at 200 characters); every other control
accepts only the index of an option that exists (widgets.common guards).

    CaseBrowser(catalog).widget
    browser.apply_query({"case": "2024-27116-01", "q": "見守り"})
"""

from __future__ import annotations

from typing import Mapping

import ipywidgets as w

from casebook import vocab
from casebook.catalog import MAX_QUERY, Catalog, year_label
from widgets.common import GDropdown, GText, _IndexGuard, notice, tag
from widgets.dashboard import Display, case_href


class GSelect(_IndexGuard, w.Select):
    """A list box that accepts only the index of an existing option from the front end."""


ALL = ""   # the 「すべての…」 option of a filter


def _chosen(value):
    return None if value in (ALL, None) else value


def _case_label(case) -> str:
    return f"{case.title}（{case.ward}・{case.fiscal_year}年度）"


class CaseBrowser:
    def __init__(self, catalog: Catalog):
        from casebook.render.pages import stylesheet

        self.catalog = catalog
        self.query = tag(GText(placeholder="キーワード（例: 見守り 認知症）", description="検索",
                               continuous_update=False), "wb-br-query")
        self.query.max_chars = MAX_QUERY
        # ALL, not None: ipywidgets 8 takes a None value for "nothing selected" and shows a blank box.
        self.ward = tag(GDropdown(options=[("すべての区", ALL)] + [(n, n) for n in vocab.ward_names()],
                                  value=ALL, description="区"), "wb-br-ward")
        years = sorted({c.fiscal_year for c in catalog.cases})
        self.year = tag(GDropdown(options=[("すべての年度", ALL)] + [(year_label(y), y) for y in years],
                                  value=ALL, description="年度"), "wb-br-year")
        self.theme = tag(GDropdown(options=[("すべてのテーマ", ALL)] + [(t, t) for t in vocab.theme_names()],
                                   value=ALL, description="テーマ"), "wb-br-theme")
        self.results = tag(GSelect(options=[], rows=8, description="事例", layout=w.Layout(width="95%")),
                           "wb-br-results")
        self.count = tag(Display(""), "wb-br-count")
        self.message = tag(Display(""), "wb-br-message")
        self.page = tag(Display(""), "wb-br-page")
        for control in (self.query, self.ward, self.year, self.theme, self.results):
            control.style.description_width = "3em"
            control.on_refused(lambda _w, msg: self._say(msg, "error"))
        style = Display(f"<style>{stylesheet()}</style>", layout=w.Layout(display="none"))
        filters = w.HBox([self.ward, self.year, self.theme], layout=w.Layout(flex_flow="row wrap"))
        self.widget = tag(w.VBox([style, self.query, filters, self.count, self.results, self.message, self.page]),
                          "wb-browser")
        for control in (self.query, self.ward, self.year, self.theme):
            control.observe(lambda _c: self.search(), "value")
        self.results.observe(lambda _c: self.show(self.results.value), "value")
        self.search()

    def _say(self, text: str, kind: str = "info") -> None:
        self.message.value = notice(text, kind) if text else ""

    def search(self) -> None:
        found = self.catalog.search(self.query.value, ward=_chosen(self.ward.value),
                                    fiscal_year=_chosen(self.year.value), theme=_chosen(self.theme.value))
        self._say("")
        self.count.value = (f'<div class="wb-count">{len(found)} 件の事例</div>' if found else
                            notice("該当する事例はありません（公開中の事例だけを検索します）", "info"))
        current = self.results.value
        with self.results.hold_trait_notifications():
            self.results.options = [(_case_label(c), c.id) for c in found]
            self.results.value = current if current in {c.id for c in found} else None
        if self.results.value is None:
            self.page.value = ""

    def show(self, case_id: str | None) -> None:
        from casebook.render.dashboard import similar_list_html
        from casebook.render.pages import case_page_html

        case = self.catalog.case(case_id) if case_id else None
        if case is None:
            self.page.value = ""
            return
        figures = sorted((r for r in self.catalog.activity if r.ward == case.ward and r.theme in case.themes),
                         key=lambda r: (case.themes.index(r.theme), r.figure, r.fiscal_year))
        similar = similar_list_html(self.catalog, case.id, link=lambda i: case_href(self.catalog.case(i)))
        self.page.value = f'<article class="wb-case-page">{case_page_html(case, figures)}{similar}</article>'

    def apply_query(self, query: Mapping[str, str]) -> None:
        """?case=<id> opens that case when it is published; ?q=words searches; anything else is ignored."""
        if query.get("q"):
            self.query.value = str(query["q"])[:MAX_QUERY]
        case_id = query.get("case")
        if case_id:
            case = self.catalog.case(case_id)
            if case is None:
                self._say("指定された事例は公開されていません", "warn")
                return
            self.ward.value = case.ward
            self.results.value = case.id
