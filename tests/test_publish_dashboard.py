"""The dashboard's figures and fragments, as a reader would read them: every ward present, the
ranking right, a ward that did not report shown as such, and typed text always escaped."""

from __future__ import annotations

from casebook import vocab
from casebook.catalog import Catalog
from casebook.render.dashboard import ranking_svg, trend_svg, ward_grid_html, ward_page_html
from casebook.model import Case, Ethics, WardActivity

FIG, THEME = "見守り訪問件数", "見守り・訪問"


def _rows(values: dict[str, float], year: int = 2024) -> list[WardActivity]:
    return [WardActivity(ward=w, fiscal_year=year, theme=THEME, figure=FIG, value=v, unit="件")
            for w, v in values.items()]


def test_grid_has_all_24_wards_and_marks_the_ones_that_did_not_report():
    catalog = Catalog(cases=[], activity=_rows({"生野区": 120, "北区": 30}))
    html = ward_grid_html(catalog.values(FIG, 2024), title="24区の見守り訪問件数", unit="件")
    assert all(f'data-ward="{w}"' in html for w in vocab.ward_names())
    assert "120件" in html and html.count(">未報告<") == 22


def test_ranking_puts_the_largest_first_and_totals_add_up():
    catalog = Catalog(cases=[], activity=_rows({"生野区": 120, "北区": 30, "西成区": 75})
                      + _rows({"生野区": 100, "北区": 20}, year=2023))
    ranked = [w for w, v in catalog.ranked(FIG, 2024) if v is not None]
    assert ranked == ["生野区", "西成区", "北区"]
    assert catalog.city_trend(FIG) == [(2023, 120.0), (2024, 225.0)]
    svg = ranking_svg(catalog.ranked(FIG, 2024), title="多い順", unit="件")
    assert svg.index("1. 生野区") < svg.index("2. 西成区") < svg.index("3. 北区")
    assert "2023年度" in trend_svg([2023, 2024], [("24区の合計", [120, 225])], title="推移", unit="件")


def test_text_typed_by_a_person_reaches_the_reader_escaped():
    hostile = '<script>alert("x")</script>'
    case = Case(id="2024-27116-01", title=f"題{hostile}", ward="生野区", fiscal_year=2024, status="published",
                themes=[THEME], ethics=Ethics(consent=True, anonymised=True))
    rows = [WardActivity(ward="生野区", fiscal_year=2024, theme=THEME, figure=f"指標{hostile}", value=3)]
    catalog = Catalog(cases=[case], activity=rows)
    html = ward_page_html(catalog, "生野区", figure=f"指標{hostile}", case_link=lambda c: f"x?case={c.id}")
    html += ward_grid_html(catalog.values(f"指標{hostile}", 2024), title=hostile)
    assert "<script>" not in html and "&lt;script&gt;" in html


def test_a_catalog_loaded_from_a_store_holds_only_published_cases(settings):
    from casebook.store import Store

    def case(number: int, status: str) -> Case:
        return Case(id=f"2024-27116-0{number}", title=f"見守りの事例（{status}）", ward="生野区", fiscal_year=2024,
                    status=status, ethics=Ethics(consent=True, anonymised=True))

    with Store.open(settings) as store:
        store.import_all(cases=[case(1, "published"), case(2, "draft"), case(3, "approved")], author="テスト")
        catalog = Catalog.load(store)     # the second lock, even if a snapshot ever held more
    assert [c.id for c in catalog.search("見守り")] == ["2024-27116-01"]
    assert [c.id for c in catalog.search("")] == ["2024-27116-01"]
    assert catalog.case("2024-27116-02") is None and catalog.case("2024-27116-03") is None
