"""The dashboards in rates: each ward's count beside its residents and the count per 10,000 residents,
with where the residents come from; imported population figures are the denominators, not activity.
And 「似ている事例」 on the readers' pages names only published cases.

Expected numbers are worked out by hand from population.yaml (大阪府の住民基本台帳人口, 2020-01-01):
大正区 64,937 人, 平野区 196,357 人, 生野区 127,452 人; 生野区 2025 imported as 126,000 人.
    大正区 2024: 1,300 件 × 10,000 / 64,937  = 200.194…  -> 200.19件
    平野区 2024: 1,300 件 × 10,000 / 196,357 =  66.205…  ->  66.21件
    生野区 2025:   630 件 × 10,000 / 126,000 =  50.000    ->  50.00件
    生野区 2024:   630 件 × 10,000 / 127,452 =  49.430…  ->  49.43件   (the import is for 2025 only)
"""
from __future__ import annotations

import re

from casebook.catalog import Catalog
from casebook.model import Case, Ethics, WardActivity
from casebook.render.dashboard import (
    rates_table_html,
    similar_list_html,
    ward_page_html,
)

FIG, THEME = "見守り訪問件数", "見守り・訪問"
POP = "住民基本台帳人口"


def rows() -> list[WardActivity]:
    def row(ward, year, value, figure=FIG, unit="件"):
        return WardActivity(ward=ward, fiscal_year=year, theme=THEME, figure=figure, value=value, unit=unit)

    return [row("大正区", 2024, 1300), row("平野区", 2024, 1300), row("生野区", 2024, 630),
            row("生野区", 2025, 630), row("生野区", 2025, 126000, POP, "人")]


def cells(html: str, ward: str) -> list[str]:
    """The text of one ward's row in a rates table: rank, ward, count, residents, rate (, source)."""
    row = re.search(rf'<tr class="wb-rate-row" data-ward="{ward}"[^>]*>(.*?)</tr>', html, re.DOTALL).group(1)
    return [re.sub(r"<[^>]+>", "", c) for c in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", row, re.DOTALL)]


def test_rates_equal_a_hand_computation_for_two_wards():
    catalog = Catalog(cases=[], activity=rows())
    html = rates_table_html(catalog, FIG, 2024, title="2024年度 見守り訪問件数")
    assert cells(html, "大正区") == ["1", "大正区", "1,300件", "64,937人", "200.19件"]
    assert cells(html, "平野区") == ["2", "平野区", "1,300件", "196,357人", "66.21件"]   # same count, a third of the rate
    assert cells(html, "生野区") == ["3", "生野区", "630件", "127,452人", "49.43件"]
    assert cells(html, "北区") == ["—", "北区", "未報告", "130,303人", "—"]
    assert "住民数の出典: 大阪府の住民基本台帳人口（2020-01-01）" in html
    assert '<th scope="col">住民1万人あたり</th>' in html and "<caption" in html


def test_an_imported_population_is_the_denominator_and_is_named_never_an_activity_figure():
    catalog = Catalog(cases=[], activity=rows())
    assert [f.name for f in catalog.figures()] == [FIG]
    assert catalog.figure_years() == [2024, 2025]
    assert all(r.figure != POP for r in catalog.activity)
    html = rates_table_html(catalog, FIG, 2025, title="2025年度 見守り訪問件数")
    assert cells(html, "生野区") == ["1", "生野区", "630件", "126,000人", "50.00件", "住民基本台帳人口（令和7年度）"]
    assert cells(html, "大正区")[-1] == "大阪府の住民基本台帳人口（2020-01-01）"
    assert "住民数の出典: 大阪府の住民基本台帳人口（2020-01-01）、住民基本台帳人口（令和7年度）" in html
    page = ward_page_html(catalog, "生野区", figure=FIG)
    assert "生野区の住民1万人あたり（年度ごと）" in page and "49.43件" in page and "50.00件" in page
    assert "126,000人" in page and POP + "</td>" not in page.split("wb-ward-rates")[0]   # not a figure row


def test_the_similar_list_names_only_cases_the_published_catalog_holds():
    def case(i: int, status: str = "published") -> Case:
        return Case(id=f"2024-27116-0{i}", title=f"見守りの事例{i}", ward="生野区", fiscal_year=2024, status=status,
                    themes=[THEME], ethics=Ethics(consent=True, anonymised=True))

    # A list naming a case the catalog does not hold (stale, or altered on disk) shows only the published one.
    similar = {case(1).id: [{"case_id": case(2).id, "reasons": ["同じテーマ: 見守り・訪問", "共通する言葉: <b>"]},
                            {"case_id": "2024-27116-09", "reasons": ["同じテーマ: 見守り・訪問"]}]}
    catalog = Catalog(cases=[case(1), case(2)], activity=[], similar=lambda: similar)
    html = similar_list_html(catalog, case(1).id, link=lambda i: f"{i}.html")
    assert 'href="2024-27116-02.html"' in html and "見守りの事例2" in html and "同じテーマ: 見守り・訪問" in html
    assert "2024-27116-09" not in html and "&lt;b&gt;" in html and "<b>" not in html
    assert similar_list_html(catalog, "2024-27116-09", link=str).count("wb-similar-item") == 0


def test_published_neighbours_never_offer_an_unpublished_case():
    from casebook.analysis.similar import published_neighbours

    text = "一人暮らしの高齢男性の見守り訪問で、民生委員と見守り相談室が新聞のたまりに気づいた。"
    def case(i: int, status: str) -> Case:
        return Case(id=f"2024-27116-0{i}", title=f"見守りの事例{i}", ward="生野区", fiscal_year=2024, status=status,
                    themes=[THEME], summary={"main_complaint": text}, ethics=Ethics(consent=True, anonymised=True))

    found = published_neighbours([case(1, "published"), case(2, "draft"), case(3, "approved"), case(4, "published")])
    assert set(found) == {"2024-27116-01", "2024-27116-04"}
    assert [s["case_id"] for s in found["2024-27116-01"]] == ["2024-27116-04"]
    assert "同じテーマ: 見守り・訪問" in found["2024-27116-01"][0]["reasons"]


def test_a_case_page_never_charts_an_imported_population():
    from casebook.render.pages import ward_figures_from

    case = Case(id="2025-27116-01", title="見守り", ward="生野区", fiscal_year=2025, status="published", themes=[THEME],
                ethics=Ethics(consent=True, anonymised=True))
    assert [(r.figure, r.fiscal_year) for r in ward_figures_from(rows(), case)] == [(FIG, 2024), (FIG, 2025)]


def test_the_offline_pages_of_a_ward_show_its_rates_and_their_source():
    from casebook.render.dashboard_static import render_site

    files = render_site(Catalog(cases=[], activity=rows()))
    year_page = files["wards/27116/2025.html"]        # 生野区, 2025
    assert "630件" in year_page and "126,000人" in year_page and "50.00件" in year_page
    assert "住民数の出典: 住民基本台帳人口（令和7年度）" in year_page
    taisho = files["wards/27108.html"]                # 大正区: every year, its own residents
    assert "64,937人" in taisho and "200.19件" in taisho
    assert "住民数の出典: 大阪府の住民基本台帳人口（2020-01-01）" in taisho
    assert "<option value=\"住民基本台帳人口\"" not in files["index.html"]
