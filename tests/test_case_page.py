"""A case as a reader sees it: the ecomap drawing, the page fragments, the charts, the parameter sets,
the search index, and the warm kernels that execute case_page.ipynb (outputs equal a fresh kernel's)."""

from __future__ import annotations

import copy
import os
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from casebook.render import pages
from casebook.pipeline import site as search
from casebook.render.charts import bar_chart_svg
from casebook.render.ecomap_svg import ecomap_svg
from casebook.model import Case, Ecomap, WardActivity
from casebook.pipeline.params import CasebookParams, ParamsError, load_params

REPO = Path(__file__).resolve().parent.parent
SVG = "{http://www.w3.org/2000/svg}"
XSS = ["<script>alert(1)</script>", "<img src=x onerror=alert(2)>", "</textarea><b>x</b>", "{{ 7*7 }}",
       "{% raw %}"]


def _case(**changes) -> Case:
    data = {
        "id": "2024-27116-01", "title": "一人暮らしの高齢者と見守り活動", "ward": "生野区", "fiscal_year": 2024,
        "provider": "生野区社協 CSW", "provider_role": "CSW（コミュニティソーシャルワーカー）",
        "keywords": ["見守り活動", "孤立"], "themes": ["見守り・訪問"], "status": "approved",
        "reason": "近隣の見守り活動を広げたい。", "questions": "本人の思いと地域の動きをどうつなぐか。",
        "summary": {"referral": "民生委員", "main_complaint": "外出が減り、食事も不規則になっている。"},
        "person": {"age_band": "80代", "wishes": "家で暮らし続けたい。\n畑も続けたい。"},
        "ecomap": {"nodes": [{"id": "p", "label": "Aさん", "kind": "person"},
                             {"id": "d", "label": "長女", "kind": "household"},
                             {"id": "m", "label": "民生委員", "kind": "informal"},
                             {"id": "c", "label": "地域包括支援センター", "kind": "formal"},
                             {"id": "n", "label": "近隣住民", "kind": "informal"}],
                   "ties": [{"source": "p", "target": "d", "strength": "stressful", "direction": "both"},
                            {"source": "m", "target": "p", "strength": "strong", "direction": "forward"},
                            {"source": "c", "target": "p", "strength": "normal", "direction": "backward"},
                            {"source": "n", "target": "p", "strength": "weak"}]},
        "timeline": [{"period": "2024年5月", "support": "民生委員と訪問した。", "actors": "民生委員", "change": "笑顔が増えた"}],
        "comments": [{"kind": "advice", "advisor": "A大学 教授", "text": "個別支援と地域支援の連動が鍵です。"}],
        "ethics": {"consent": True, "anonymised": True},
    }
    data.update(changes)
    return Case.model_validate(data)


# --- the ecomap drawing -------------------------------------------------------------------------

def test_a_resource_with_a_long_name_at_the_side_of_the_ecomap_is_drawn_whole():
    # Four resources: one sits at the right of the ring, one at the left; nine characters are shown.
    nodes = [{"id": "me", "label": "Aさん", "kind": "person"}] + [
        {"id": f"r{i}", "label": f"D商店街の青果店{i}", "kind": kind} for i, kind in enumerate(["informal", "formal"] * 2)]
    root = ET.fromstring(ecomap_svg(Ecomap.model_validate({"nodes": nodes, "ties": []}), size=480))
    for shape in root.iter(f"{SVG}ellipse"):
        cx, rx = float(shape.get("cx")), float(shape.get("rx"))
        assert 0 <= cx - rx and cx + rx <= 480, "an ellipse sticks out of the drawing and is cut off"
    for shape in root.iter(f"{SVG}rect"):
        if shape.get("class") is None and shape.get("width") and shape.get("rx") == "5":
            x, w = float(shape.get("x")), float(shape.get("width"))
            assert 0 <= x and x + w <= 480, "a box sticks out of the drawing and is cut off"


def test_ecomap_draws_person_household_resources_and_tie_styles():
    svg = ecomap_svg(_case().ecomap)
    root = ET.fromstring(svg)  # well-formed XML
    texts = [t.text for t in root.iter(f"{SVG}text")]
    for label in ("Aさん", "長女", "民生委員", "近隣住民"):
        assert label in texts
    assert root.find(f"{SVG}circle[@class='household']") is not None, "the household circle"
    ties = {g.get("class"): g.find(f"{SVG}path") for g in root.iter(f"{SVG}g") if "tie" in (g.get("class") or "")}
    strong, normal = ties["tie tie-strong"], ties["tie tie-normal"]
    assert float(strong.get("stroke-width")) > float(normal.get("stroke-width"))
    assert ties["tie tie-weak"].get("stroke-dasharray"), "weak ties are dashed"
    assert len(ties["tie tie-stressful"].get("d").split("L")) > 4, "stressful ties zigzag"
    assert ties["tie tie-stressful"].get("stroke") != normal.get("stroke")
    assert strong.get("marker-end") and not strong.get("marker-start"), "forward: one arrow"
    assert normal.get("marker-start") and not normal.get("marker-end"), "backward: the other way"
    assert ties["tie tie-stressful"].get("marker-start") and ties["tie tie-stressful"].get("marker-end")
    assert "Noto Sans CJK JP" in root.get("font-family")
    assert "<script" not in svg and "href" not in svg


def test_ecomap_labels_are_escaped_and_an_empty_map_says_so():
    case = _case()
    nodes = [n.model_dump() for n in case.ecomap.nodes]
    nodes[2]["label"] = "<script>alert(1)</script>"
    nodes[3]["note"] = '"><img src=x onerror=alert(2)>'
    svg = ecomap_svg(Ecomap.model_validate({"nodes": nodes, "ties": [t.model_dump() for t in case.ecomap.ties]}))
    ET.fromstring(svg)
    assert "<script" not in svg and "<img" not in svg
    assert "&lt;script&gt;" in svg or "&lt;scri" in svg
    empty = ecomap_svg(Ecomap())
    ET.fromstring(empty)
    assert "未記入" in empty


# --- page fragments ---------------------------------------------------------------------------------

def test_case_page_shows_every_section_and_the_fiscal_year_with_the_era():
    html = pages.case_page_html(_case())
    for text in ("一人暮らしの高齢者と見守り活動", "2024年度（令和6年度）", "事例提出理由", "検討したいこと",
                 "事例の概要", "主訴", "本人・世帯の状況", "本人の思い・意向", "エコマップ", "支援の経過",
                 "2024年5月", "助言者コメント", "A大学 教授", "個別支援と地域支援の連動が鍵です。", "<svg"):
        assert text in html, text
    assert "家で暮らし続けたい。\n畑も続けたい。" in html  # line breaks kept (shown with pre-wrap)


def test_text_typed_into_a_case_is_shown_as_text_never_as_markup():
    payload = " ".join(XSS)
    case = _case(title=XSS[0], reason=payload, keywords=[XSS[1]],
                 timeline=[{"period": XSS[3], "support": payload}],
                 comments=[{"kind": "advice", "advisor": XSS[2], "text": payload}])
    html = pages.case_page_html(case)
    assert "<script>" not in html and "<img src=x" not in html and "</textarea>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "{{ 7*7 }}" in html and "{% raw %}" in html
    assert "&lt;/textarea&gt;&lt;b&gt;x&lt;/b&gt; {{ 7*7 }} {% raw %}" in html, "template syntax stays text"


def test_a_case_without_consent_or_anonymisation_is_refused_by_name():
    with pytest.raises(pages.PageError, match="本人同意"):
        pages.check_publishable(_case(ethics={"consent": False, "anonymised": True}))
    with pytest.raises(pages.PageError, match="匿名化確認"):
        pages.check_publishable(_case(ethics={"consent": True, "anonymised": False}))
    pages.check_publishable(_case())


def test_ward_figures_become_bar_charts_with_the_case_year_highlighted():
    case = _case()
    rows = [WardActivity(ward="生野区", fiscal_year=y, theme="見守り・訪問", figure="見守り訪問件数", value=v, unit="件")
            for y, v in ((2023, 1200), (2024, 1350), (2025, 1400))]
    rows.append(WardActivity(ward="西成区", fiscal_year=2024, theme="見守り・訪問", figure="見守り訪問件数", value=9, unit="件"))
    figures = pages.ward_figures_from(rows, case)
    assert [r.ward for r in figures] == ["生野区"] * 3
    html = pages.figures_html(case, figures)
    assert "生野区の活動状況" in html and "見守り訪問件数" in html and "1,350件" in html and "令和6" in html
    assert html.count("#dd6b20") == 1, "one bar, the case's own year, is highlighted"


def test_bar_chart_svg_is_well_formed_and_escaped():
    svg = bar_chart_svg(["令和5", "<b>"], [3, 4.5], title="件数 & 人数", unit="件")
    ET.fromstring(svg)
    assert "&lt;b&gt;" in svg and "4.5件" in svg and "件数 &amp; 人数" in svg


def test_matplotlib_charts_use_a_japanese_font_without_missing_glyphs():
    import warnings

    from casebook.render.charts import matplotlib_bar_chart, setup_matplotlib

    assert setup_matplotlib() == "Noto Sans CJK JP"
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # matplotlib warns "Glyph … missing from font(s)"
        svg = matplotlib_bar_chart(["見守り訪問", "ふれあい喫茶"], [3, 5], title="生野区の活動")
        png = matplotlib_bar_chart(["見守り訪問"], [3], fmt="png")
    assert "<svg" in svg and "見守り訪問" in svg and "http://purl.org" not in svg and "<!DOCTYPE" not in svg
    assert png.startswith("data:image/png;base64,")


# --- parameter sets ---------------------------------------------------------------------------------

def test_default_parameter_set_is_approved_and_published_cases_titled_jirei_shu():
    p = load_params(REPO / "parameters/casebook/default.yaml", CasebookParams)
    assert p.title == "事例集" and p.statuses == ["approved", "published"] and not p.wards


@pytest.mark.parametrize("text, field, reason", [
    ("wards: [生野区, 堺市北区]\n", "wards[1]", "大阪市の区ではありません"),
    ("fiscal_years: [令和99年度]\n", "fiscal_years[0]", "範囲外"),
    ("fiscal_years: [twenty]\n", "fiscal_years[0]", "年度として読めません"),
    ("colour: red\n", "colour", "この項目は使えません"),
    ("options: {charts: maybe}\n", "options.charts", "はい／いいえ"),
    ("options: {jobs: many}\n", "options.jobs", "整数"),
    ("statuses: [done]\n", "statuses[0]", "状態はありません"),
    ("themes: [宇宙開発]\n", "themes[0]", "テーマの一覧にありません"),
    ("title: [a, b]\n", "title", "文字列"),
    ("- just\n- a list\n", "", "マッピング"),
    ("title: [unclosed\n", "", "YAML として読めません"),
])
def test_a_bad_parameter_set_is_refused_naming_the_key(tmp_path, text, field, reason):
    path = tmp_path / "bad.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ParamsError) as err:
        load_params(path, CasebookParams)
    message = str(err.value)
    assert reason in message
    if field:
        assert any(line.startswith(field) for line in err.value.lines), err.value.lines


# --- the search index ---------------------------------------------------------------------------------

def test_search_finds_a_word_inside_a_compound_and_only_matching_cases():
    a = _case()                                                   # 見守り活動 in its keywords and text
    b = _case(id="2024-27122-01", ward="西成区", title="こども食堂の立ち上げ", keywords=["居場所"],
              reason="地域の有志が集まった。", questions="", summary={}, person={}, ecomap={}, timeline=[], comments=[],
              themes=["こども食堂"], provider="", provider_role="ボランティアセンター担当")
    index = search.build_index([((c.id,), search.bigrams(search.case_text(c))) for c in (a, b)])
    assert search.search(index, "見守り") == [0]
    assert search.search(index, "ミマモリ") == []
    assert search.search(index, "ＣＳＷ") == [0]                 # full-width matches too (NFKC)
    assert search.search(index, "食堂") == [1]
    assert search.search(index, "食堂 見守り") == []             # every term must match
    js = search.index_js(search.build_index([(("<script>",), {"ab"})]))
    assert js.startswith("window.CASEBOOK_SEARCH=") and "<script>" not in js and "\\u003cscript\\u003e" in js


# --- warm kernels: what %reset -f leaves behind, and what our reset clears ----------------------------------

PROBE = r'''
import json, os, sys, warnings
state = {
    "leftover": "leftover" in globals(),
    "font_size": sys.modules["matplotlib"].rcParams["font.size"] if "matplotlib" in sys.modules else 10.0,
    "widgets": len(sys.modules["ipywidgets.widgets.widget"]._instances) if "ipywidgets" in sys.modules else 0,
    "env": os.environ.get("CASEBOOK_DIRTY"),
    "cwd": os.path.basename(os.getcwd()),
    "path": "/nowhere" in sys.path,
    "filters": sum(1 for f in warnings.filters if f[0] == "error"),
    "formatter": getattr(get_ipython().display_formatter.formatters["text/plain"].type_printers.get(int),
                         "__name__", ""),
}
print(json.dumps(state, sort_keys=True))
'''
DIRTY = r'''
import os, sys, warnings
import matplotlib
import ipywidgets
leftover = 1
matplotlib.rcParams["font.size"] = 31
w = [ipywidgets.IntSlider() for _ in range(3)]
os.environ["CASEBOOK_DIRTY"] = "1"
os.chdir("/")
sys.path.append("/nowhere")
warnings.simplefilter("error")
get_ipython().display_formatter.formatters["text/plain"].for_type(int, lambda o, p, c: p.text("int!"))
'''


def _notebook(*sources: str):
    import nbformat

    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(s) for s in sources])
    nb.metadata["kernelspec"] = {"name": "python3", "language": "python", "display_name": "Python 3"}
    return nb


def _stdout(nb) -> str:
    return "".join(o.get("text", "") for c in nb.cells for o in c.get("outputs", []) if o.get("name") == "stdout")


def _executed_notebook(html: str):
    """A notebook as papermill leaves it: a code cell whose input must stay hidden, its HTML output."""
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("説明（載せない）", metadata={"tags": ["remove_cell"]}),
                nbformat.v4.new_code_cell("secret_variable = 1\ndisplay(HTML(report))", outputs=[
                    nbformat.v4.new_output("display_data", data={"text/html": html})])]
    return nb


def test_a_report_page_stands_alone_with_its_own_breadcrumb_and_the_shared_stylesheet(tmp_path):
    from casebook import render

    nb = _executed_notebook('<h1 class="cb-title">研修会 実施報告</h1><p>参加者 40 人</p>')
    html = render.render_report_page(nb, title="<script>alert(1)</script>研修会 実施報告",
                                     site_title="大阪市社協 研修会の記録",
                                     breadcrumb=[("研修会", None), ("2024-kiso2", None)], footer="{{ 7*7 }} 報告")
    assert "参加者 40 人" in html and "研修会 実施報告</h1>" in html
    assert "secret_variable" not in html and "説明（載せない）" not in html, "input and remove_cell are hidden"
    assert "<title>&lt;script&gt;alert(1)&lt;/script&gt;研修会 実施報告 | 大阪市社協 研修会の記録</title>" in html
    assert '<li>研修会</li>' in html and '<li aria-current="page">2024-kiso2</li>' in html
    assert "{{ 7*7 }} 報告" in html
    # No casebook navigation, no link out of the page: the shared stylesheet is inside it.
    assert "区から探す" not in html and "<a " not in html and "<link" not in html
    assert pages.stylesheet().strip()[:200] in html
    assert re.search(r"https?://(?!www\.w3\.org/)", html) is None

    bare = render.render_report_page(nb, title="報告", stylesheet=render.copy_stylesheet(tmp_path))
    assert '<link rel="stylesheet" href="casebook.css">' in bare and "<style>" not in bare
    assert (tmp_path / "casebook.css").read_text(encoding="utf-8") == pages.stylesheet()
    assert "cb-breadcrumb" not in bare and "cb-site-header" not in bare and "cb-footer" not in bare


@pytest.mark.slow
def test_percent_reset_leaves_state_behind_and_the_warm_engine_clears_it(tmp_path):
    import papermill

    from casebook.pipeline.execute import ENGINE_NAME, POOL

    fresh = _stdout(papermill.execute_notebook(_notebook(PROBE), None, progress_bar=False, cwd=str(tmp_path)))
    # Measured: after a dirty notebook, %reset -f alone keeps rcParams, widgets, the environment,
    # the working directory, sys.path, warnings filters and display formatters.
    plain = _stdout(papermill.execute_notebook(_notebook(DIRTY, "%reset -f", PROBE), None, progress_bar=False,
                                               cwd=str(tmp_path)))
    import json

    before, after = json.loads(fresh), json.loads(plain)
    leaked = {k for k in before if before[k] != after[k]}
    assert leaked == {"font_size", "widgets", "env", "cwd", "path", "filters", "formatter"}, (before, after)
    assert not after["leftover"], "%reset -f does clear the user's variables"
    try:
        kw = dict(engine_name=ENGINE_NAME, progress_bar=False, kernel_cwd=str(tmp_path))
        papermill.execute_notebook(_notebook(DIRTY), None, **kw)
        warm = papermill.execute_notebook(_notebook(PROBE), None, **kw)
        assert len(POOL) == 1, "the same kernel served both notebooks"
        assert _stdout(warm) == fresh
        assert [c.execution_count for c in warm.cells] == [1], "counting restarts at 1 like a fresh kernel"
    finally:
        POOL.shutdown()


@pytest.mark.slow
def test_case_page_outputs_on_a_warm_kernel_equal_a_fresh_kernel_run(settings):
    """The same case executed with stock papermill (new kernel) and with the warm engine after
    other cases and a dirty notebook: identical outputs, the chart and ecomap SVG included."""
    import papermill

    from casebook.pipeline.execute import ENGINE_NAME, POOL
    from casebook.store import Store

    with Store.open(settings) as store:
        store.import_all(cases=[_case(), _case(id="2024-27116-02", title="別の事例")],
                         activity=[WardActivity(ward="生野区", fiscal_year=2024, theme="見守り・訪問",
                                                figure="見守り訪問件数", value=5, unit="件")])
    notebook = str(REPO / "notebooks" / "case_page.ipynb")
    params = {"case_id": "2024-27116-01", "version": 1}
    cwd = str(REPO / "notebooks")

    def outputs(nb):
        return [copy.deepcopy(c.get("outputs")) for c in nb.cells if c.cell_type == "code"]

    fresh = papermill.execute_notebook(notebook, None, parameters=params, progress_bar=False, cwd=cwd)
    try:
        kw = dict(engine_name=ENGINE_NAME, progress_bar=False, kernel_cwd=cwd, kernel_env=dict(os.environ))
        papermill.execute_notebook(notebook, None, parameters={"case_id": "2024-27116-02", "version": 1}, **kw)
        papermill.execute_notebook(_notebook(DIRTY), None, **kw)
        warm = papermill.execute_notebook(notebook, None, parameters=params, **kw)
    finally:
        POOL.shutdown()
    assert outputs(warm) == outputs(fresh)
    html = "".join(o["data"]["text/html"] for c in warm.cells for o in c.get("outputs", []) if "data" in o)
    assert "一人暮らしの高齢者と見守り活動" in html and "見守り訪問件数" in html and "ecomap" in html
    assert [c.execution_count for c in warm.cells if c.cell_type == "code"] == \
        [c.execution_count for c in fresh.cells if c.cell_type == "code"]
    assert re.search(r"papermill", str(warm.metadata)), "papermill's own metadata is recorded"


@pytest.mark.slow
def test_an_executed_case_page_keeps_what_papermill_records(settings):
    """The build's page execution (`execute_page`, papermill's steps on a warm kernel) records what
    papermill records: the injected-parameters cell after the parameters cell, the parameters in the
    notebook's metadata, papermill's timing and status on every cell — and, when a case page fails,
    the failing cell marked with its error and papermill's error marker at the top."""
    import nbformat
    from papermill.exceptions import PapermillExecutionError

    from casebook.pipeline.build import WARMUP
    from casebook.pipeline.execute import POOL, PageJob, execute_page
    from casebook.store import Store

    with Store.open(settings) as store:
        store.import_all(cases=[_case()], activity=[])
    notebook = str(REPO / "notebooks" / "case_page.ipynb")

    def job(case_id):
        params = {"case_id": case_id, "version": 1, "charts": False}
        return PageJob(case_id=case_id, key="k", notebook=notebook, parameters=params, site={},
                       env=settings.environ(), warmup=WARMUP)

    try:
        nb = execute_page(job("2024-27116-01"))
        with pytest.raises(PapermillExecutionError) as failed:
            execute_page(job("2024-27116-99"))   # no such case: the page's first code cell fails
    finally:
        POOL.shutdown()

    nbformat.validate(nb)
    tags = [c.metadata.get("tags", []) for c in nb.cells]
    assert tags.index(["injected-parameters"]) == tags.index(["parameters"]) + 1
    injected = nb.cells[tags.index(["injected-parameters"])].source
    assert 'case_id = "2024-27116-01"' in injected and "version = 1" in injected
    assert nb.metadata.papermill.parameters == {"case_id": "2024-27116-01", "version": 1, "charts": False}
    assert nb.metadata.papermill.input_path == notebook
    assert nb.metadata.language_info.name == "python"
    for cell in nb.cells:
        pm = cell.metadata.papermill
        assert pm.status == "completed" and pm.exception is False
        assert pm.start_time and pm.end_time and pm.duration >= 0
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert [c.execution_count for c in code] == [1, 2, 3, 4]
    assert all("shell.execute_reply" in c.metadata.execution for c in code)
    html = "".join(o["data"]["text/html"] for c in code for o in c.outputs if "data" in o)
    assert "一人暮らしの高齢者と見守り活動" in html

    err = failed.value
    bad = err.notebook
    nbformat.validate(bad)
    # papermill's markers: a message at the top, an anchor just before the failing cell (cell_index
    # counts the cells as they were executed, before both went in)
    assert bad.cells[0].metadata.tags == bad.cells[err.cell_index + 1].metadata.tags == ["papermill-error-cell-tag"]
    cell = bad.cells[err.cell_index + 2]
    assert cell.metadata.papermill.status == "failed" and cell.metadata.papermill.exception is True
    assert [o.output_type for o in cell.outputs] == ["error"] and cell.outputs[0].ename == err.ename
    assert "pages.load_case" in cell.source
    assert all(c.metadata.papermill.status == "pending" for c in bad.cells[err.cell_index + 3:])


def test_the_search_index_written_in_ranges_is_the_same_file(tmp_path, monkeypatch):
    """The build writes the search index a range of grams at a time (memory bounded at 10,000 cases);
    the file is byte for byte the index of all cases at once, markup escaped the same way."""
    cases = [_case(), _case(id="2024-27116-02", title="<b>夜間</b>の見守り & 居場所"), _case(id="2024-27116-03")]
    docs = [((c.id, c.title), " ".join(sorted(search.bigrams(search.case_text(c))))) for c in cases]
    docs.append((("2024-27116-04", "空"), ""))
    docs.append((("2024-27116-05", "集合"), search.bigrams(["見守り 居場所"])))
    whole = search.index_js(search.build_index(docs))
    for per_pass in (10**9, 50, 1):   # one pass, a few, one per gram
        monkeypatch.setattr(search, "GRAMS_PER_PASS", per_pass)
        search.write_index_js(tmp_path / "index.js", docs)
        assert (tmp_path / "index.js").read_text(encoding="utf-8") == whole
    assert "<b>" not in whole and "\\u003cb\\u003e" in whole
