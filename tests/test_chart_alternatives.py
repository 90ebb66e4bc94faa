"""Text alternatives for the charts and the tile map, read from the HTML a reader gets (no browser): every
chart is an SVG with role="img" and a name plus a table of the same figures; the tile map writes each
ward's value and its text is readable on its colour (WCAG AA 4.5:1); the ecomap's name says what it
shows. The browser tests (test_accessibility_readers.py) check the same pages with axe-core."""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser

from casebook import vocab
from casebook.catalog import Catalog
from casebook.model import Ecomap, EcomapNode, EcomapTie, WardActivity
from casebook.render.charts import bar_chart_html, trend_html
from casebook.render.dashboard import _shade, contrast, ranking_html, ward_grid_html
from casebook.render.ecomap_svg import ecomap_svg

FIG, THEME = "見守り訪問件数", "見守り・訪問"
HOSTILE = '<script>alert("x")</script>'


class Cells(HTMLParser):
    """The text of each table row (th and td cells), and the attributes of every svg."""

    def __init__(self, text: str):
        super().__init__()
        self.rows, self.svgs, self._cell = [], [], None
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        if tag == "tr":
            self.rows.append([])
        elif tag in ("th", "td"):
            self._cell = ""
        elif tag == "svg":
            self.svgs.append(dict(attrs))

    def handle_endtag(self, tag):
        if tag in ("th", "td") and self._cell is not None:
            self.rows[-1].append(self._cell.strip())
            self._cell = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell += data


def _hex(colour: str) -> tuple[int, int, int]:
    return tuple(int(colour[i:i + 2], 16) for i in (1, 3, 5))


def test_every_tile_colour_carries_its_text_at_level_aa():
    for i in range(0, 1001):
        bg, ink = _shade(i / 1000 * 7262, 7262.0)
        assert contrast(_hex(bg), _hex(ink)) >= 4.5, (i, bg, ink)
    bg, ink = _shade(None, 10.0)
    assert contrast(_hex(bg), _hex(ink)) >= 4.5
    darkest, lightest = _shade(1.0, 1.0)[0], _shade(0.0, 1.0)[0]
    assert sum(_hex(darkest)) < sum(_hex(lightest))            # still darker for larger values


def test_the_tile_map_writes_every_wards_value_and_hides_no_link_in_a_picture():
    values = {w: float(i * 10) for i, w in enumerate(vocab.ward_names())}
    values["北区"] = None
    html = ward_grid_html(values, title="24区の見守り訪問件数", unit="件", selected="生野区",
                          link=lambda w: f"wards/{vocab.parse_ward(w).code}.html")
    assert 'role="img"' not in html
    tiles = re.findall(r'<li class="wb-tile" data-ward="([^"]+)"[^>]*>(.*?)</li>', html, re.S)
    assert len(tiles) == 24
    for ward, body in tiles:
        text = re.sub(r"<[^>]+>", "", body)
        shown = "未報告" if values[ward] is None else f"{values[ward]:,.0f}件"
        assert ward in text and shown in text, (ward, text)
    selected = re.search(r'<li class="wb-tile" data-ward="生野区"[^>]*>', html).group(0)
    assert 'aria-current="true"' in selected and "（選択中）" in dict(tiles)["生野区"]


def test_the_ranking_has_its_table_in_the_same_order_with_the_wards_that_did_not_report():
    rows = [WardActivity(ward=w, fiscal_year=2024, theme=THEME, figure=FIG, value=v, unit="件")
            for w, v in {"生野区": 120, "北区": 30, "西成区": 75.5}.items()]
    catalog = Catalog(cases=[], activity=rows)
    html = ranking_html(catalog.ranked(FIG, 2024), title="多い順", unit="件")
    parsed = Cells(html)
    assert parsed.svgs[0]["role"] == "img" and parsed.svgs[0]["aria-label"] == "多い順"
    assert parsed.rows[0] == ["順位", "区", "値"]
    assert parsed.rows[1:4] == [["1位", "生野区", "120件"], ["2位", "西成区", "75.5件"], ["3位", "北区", "30件"]]
    assert len(parsed.rows) == 1 + 24 and all(r[2] == "未報告" for r in parsed.rows[4:])


def test_a_trend_and_a_bar_chart_have_their_figures_beside_them_escaped():
    html = trend_html([2023, 2024, 2025], [("生野区", [3, None, 5.5]), (f"平均{HOSTILE}", [1, 2, 3])],
                      title=f"推移{HOSTILE}", unit="件")
    assert "<script>" not in html and "&lt;script&gt;" in html
    parsed = Cells(html)
    assert parsed.svgs[0]["role"] == "img" and parsed.svgs[0]["aria-label"].startswith("推移<script>")
    assert parsed.rows == [["年度", "生野区", f"平均{HOSTILE}"], ["2023年度（令和5年度）", "3件", "1件"],
                           ["2024年度（令和6年度）", "—", "2件"], ["2025年度（令和7年度）", "5.5件", "3件"]]
    bars = Cells(bar_chart_html(["令和5", "令和6"], [1350, 1420], title="見守り訪問件数", unit="件",
                                label_head="年度", value_head="見守り訪問件数"))
    assert bars.rows == [["年度", "見守り訪問件数"], ["令和5", "1,350件"], ["令和6", "1,420件"]]


def test_the_ecomaps_name_says_what_it_shows_and_is_its_title():
    ecomap = Ecomap(nodes=[EcomapNode(id="p", label="本人", kind="person"),
                           EcomapNode(id="a", label="民生委員", kind="informal"),
                           EcomapNode(id="b", label="地域包括支援センター", kind="formal")],
                    ties=[EcomapTie(source="p", target="a"), EcomapTie(source="p", target="b", strength="strong")])
    svg = ecomap_svg(ecomap)
    root = ET.fromstring(svg)
    name = root.get("aria-label")
    assert root.get("role") == "img" and name == root.find("{http://www.w3.org/2000/svg}title").text
    assert "2の人・機関・地域資源" in name and "2本の関係線" in name
    empty = ET.fromstring(ecomap_svg(Ecomap()))
    assert empty.get("aria-label") == "エコマップ（未記入）"
