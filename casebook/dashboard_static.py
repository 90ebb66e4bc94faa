"""The 24-ward dashboard as offline HTML files, for councils that cannot run a server.

    render_site(catalog) -> {"index.html": ..., "wards/27116.html": ..., "cases/<id>.html": ...}

Every chart of every (fiscal year, figure) is drawn in advance; a few lines of inline script show
the one the reader picks (without script, all are shown one after another). No external URL:
the stylesheet and the script are inline, the charts are inline SVG.
"""

from __future__ import annotations

from html import escape

from casebook import vocab
from casebook.dashboard import (Catalog, case_list_html, ranking_svg, trend_svg, ward_grid_html,
                                ward_page_html, year_label)

EXTRA_CSS = """
[hidden] { display:none !important; }
.wb-controls { display:flex; flex-wrap:wrap; gap:.6rem 1.2rem; margin:.4rem 0 1rem; }
.wb-controls label { font-weight:bold; }
.wb-panel { display:grid; grid-template-columns:repeat(auto-fit,minmax(20rem,1fr)); gap:1rem; margin-bottom:1.5rem; }
.wb-panel h2 { grid-column:1/-1; }
.wb-figures th, .wb-figures td { border-bottom:1px solid #d8dee6; padding:.2rem .5rem; }
.wb-ward-links { columns:4 8rem; padding-left:1.2em; }
"""

SCRIPT = """
(function(){
  var y=document.getElementById('f-year'), t=document.getElementById('f-theme'), f=document.getElementById('f-figure');
  function figures(){
    var first=null, keep=false;
    for (var i=0;i<f.options.length;i++){ var o=f.options[i]; o.hidden = o.getAttribute('data-theme')!==t.value; o.disabled=o.hidden;
      if(!o.hidden && first===null) first=o.value; if(!o.hidden && o.value===f.value) keep=true; }
    if(!keep && first!==null) f.value=first;
  }
  function show(){
    var ps=document.querySelectorAll('.wb-panel');
    for (var i=0;i<ps.length;i++){ ps[i].hidden = !(ps[i].getAttribute('data-year')===y.value && ps[i].getAttribute('data-figure')===f.value); }
  }
  y.addEventListener('change',show); f.addEventListener('change',show);
  t.addEventListener('change',function(){figures();show();});
  document.getElementById('wb-controls').hidden=false; figures(); show();
})();
"""


def _e(text: object) -> str:
    return escape(str(text), quote=True)


def _page(title: str, body: str, *, depth: int = 0, script: str = "") -> str:
    from casebook.pages import stylesheet

    up = "../" * depth
    return (
        "<!DOCTYPE html>\n<html lang=\"ja\"><head><meta charset=\"utf-8\">"
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{_e(title)}｜大阪市 24区の地域福祉活動</title>"
        f"<style>{stylesheet()}{EXTRA_CSS}</style></head><body>"
        f'<header class="cb-site-header"><nav class="cb-nav"><a class="cb-site-title" href="{up}index.html">'
        "大阪市 24区の地域福祉活動（活動状況ダッシュボード）</a>"
        f'<a href="{up}index.html#wards">各区のページ</a></nav></header>'
        f'<main class="cb-main">{body}</main>'
        '<footer class="cb-footer">大阪市社会福祉協議会・各区社会福祉協議会。掲載の事例は本人の同意を得て匿名化したものです。</footer>'
        + (f"<script>{script}</script>" if script else "") + "</body></html>\n")


def _ward_href(depth: int):
    return lambda ward: f"{'../' * depth}wards/{vocab.parse_ward(ward).code}.html"


def _index(catalog: Catalog) -> str:
    years = catalog.figure_years()
    figures = catalog.figures()
    themes = catalog.themes()
    latest = years[-1] if years else None
    opt = lambda v, label, sel, extra="": (f'<option value="{_e(v)}"{" selected" if sel else ""}{extra}>'
                                           f"{_e(label)}</option>")
    controls = (
        '<div id="wb-controls" class="wb-controls" hidden>'
        '<label>年度 <select id="f-year">' + "".join(opt(y, year_label(y), y == latest) for y in years) + "</select></label>"
        '<label>テーマ <select id="f-theme">' + "".join(opt(t, t, i == 0) for i, t in enumerate(themes)) + "</select></label>"
        '<label>指標 <select id="f-figure">'
        + "".join(opt(f.name, f.name, i == 0, f' data-theme="{_e(f.theme)}"') for i, f in enumerate(figures))
        + "</select></label></div>")
    panels = []
    for fig in figures:
        trend = trend_svg(years, [("24区の合計", [v for _, v in catalog.city_trend(fig.name)])],
                          title=f"{fig.name}の推移（24区の合計）", unit=fig.unit)
        for y in years:
            title = f"{year_label(y)} {fig.name}"
            panels.append(
                f'<section class="wb-panel" data-year="{y}" data-figure="{_e(fig.name)}">'
                f"<h2>{_e(title)}（{_e(fig.theme)}）</h2>"
                + ward_grid_html(catalog.values(fig.name, y), title=f"24区の{fig.name}", unit=fig.unit,
                                 link=_ward_href(0))
                + ranking_svg(catalog.ranked(fig.name, y), title=f"{fig.name}の多い順", unit=fig.unit)
                + trend + "</section>")
    wards = "".join(f'<li><a href="wards/{w.code}.html">{_e(w.name)}</a></li>' for w in vocab.wards())
    body = ("<h1>大阪市 24区の地域福祉活動</h1>"
            "<p>各区社会福祉協議会が報告した活動状況を、年度・テーマ・指標ごとに比べられます。</p>"
            + controls + "".join(panels)
            + f'<h2 id="wards">各区のページ</h2><ul class="wb-ward-links">{wards}</ul>'
            + "<h2>公開中の事例</h2>" + case_list_html(catalog.cases, link=lambda c: f"cases/{c.id}.html"))
    return _page("活動状況", body, script=SCRIPT)


def _case_page(catalog: Catalog, case) -> str:
    from casebook.pages import case_page_html, ward_figures_from

    figures = ward_figures_from(catalog.activity, case)   # the same charts as the casebook's page
    back = f'<p><a href="../wards/{vocab.parse_ward(case.ward).code}.html">{_e(case.ward)}のページへ</a></p>'
    return _page(case.title, back + case_page_html(case, figures), depth=1)


def render_site(catalog: Catalog) -> dict[str, str]:
    first = catalog.figures()[0].name if catalog.figures() else None
    files = {"index.html": _index(catalog)}
    for w in vocab.wards():
        body = ward_page_html(catalog, w.name, figure=first, case_link=lambda c: f"../cases/{c.id}.html")
        files[f"wards/{w.code}.html"] = _page(f"{w.name}", body, depth=1)
    for case in catalog.cases:
        files[f"cases/{case.id}.html"] = _case_page(catalog, case)
    return files
