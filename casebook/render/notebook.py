"""Turn executed notebooks and case lists into the casebook's HTML: the only module that calls nbconvert.

- `render_case_page(nb, site)`: an executed case_page notebook → one HTML page, through our own
  nbconvert template folder `templates/nbconvert/casebook_page` (extends the stock `lab` one):
  input hidden, prompts hidden, cells tagged `remove_cell` dropped, one linked stylesheet, and no
  script, MathJax, require.js, widget renderer or font from anywhere.
- `render_report_page(nb, title=…, breadcrumb=…)`: an executed notebook → one standalone offline
  page (a session report, …) through `templates/nbconvert/report_page`: the same cell markup and
  stylesheet, no casebook navigation, the caller's own breadcrumb or none; the stylesheet inlined
  (default) or linked beside the page (`copy_stylesheet(folder)` puts it there).
- `render_site(...)`: the index pages (home with the search box, by ward — all 24 with counts —,
  by theme, by fiscal year) from Jinja templates under `templates/site/`, rendered by `casebook.render.html`.
- `template_files()`: every file that decides how a page looks, for the build's cache key.
"""

from __future__ import annotations

from casebook.settings import PACKAGE_DIR

import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from casebook import vocab

TEMPLATES = PACKAGE_DIR / "templates"   # casebook/templates: every reader-facing page
PAGE_TEMPLATE = "casebook_page"   # templates/nbconvert/casebook_page (extends the stock "lab")
REPORT_TEMPLATE = "report_page"   # templates/nbconvert/report_page (extends the stock "lab")
STYLESHEET = TEMPLATES / "casebook.css"

_local = threading.local()


def template_files(templates: Path = TEMPLATES) -> list[Path]:
    """The template folder's files (page template, site templates, stylesheet, search script)."""
    return sorted(p for p in Path(templates).rglob("*") if p.is_file() and "__pycache__" not in p.parts)


def _exporter_class():
    from nbconvert import HTMLExporter
    from nbconvert.exporters.templateexporter import TemplateExporter
    from nbconvert.filters.highlight import Highlight2HTML
    from nbconvert.filters.widgetsdatatypefilter import WidgetsDataTypeFilter

    class CasebookPageExporter(HTMLExporter):
        """HTMLExporter without its final BeautifulSoup pass (about half the render time).

        That pass adds alt text to <img> and tabindex under `.jp-Notebook`; our pages have neither
        (the ecomap and charts are inline SVG with a <title>, and the template has no .jp-Notebook).
        """

        def from_notebook_node(self, nb, resources=None, **kw):
            langinfo = nb.metadata.get("language_info", {})
            lexer = langinfo.get("pygments_lexer", langinfo.get("name", None))
            self.register_filter("highlight_code", self.filters.get(
                "highlight_code", Highlight2HTML(pygments_lexer=lexer, parent=self)))
            resources = self._init_resources(resources)
            self.register_filter("filter_data_type", WidgetsDataTypeFilter(
                notebook_metadata=self._nb_metadata, parent=self, resources=resources))
            return TemplateExporter.from_notebook_node(self, nb, resources, **kw)

    return CasebookPageExporter


_spares: dict[tuple[str, str], list] = {}
_spares_lock = threading.Lock()


def _exporter(templates: Path = TEMPLATES, template_name: str = PAGE_TEMPLATE):
    """One exporter per thread, template folder and template: building one compiles the templates (~0.2 s).
    A thread without one takes a spare made ready by another thread (`warm_renderer(spare=True)`)."""
    exporters = _local.__dict__.setdefault("exporters", {})
    key = (str(templates), template_name)
    exporter = exporters.get(key)
    if exporter is None:
        with _spares_lock:
            spares = _spares.get(key)
            exporter = spares.pop() if spares else None
        if exporter is None:
            exporter = _new_exporter(templates, template_name)
        exporters[key] = exporter
    return exporter


def _new_exporter(templates: Path, template_name: str):
    from traitlets.config import Config

    config = Config()
    config.TagRemovePreprocessor.remove_cell_tags = {"remove_cell"}
    config.TagRemovePreprocessor.enabled = True
    exporter = _exporter_class()(
        config=config,
        template_name=template_name,
        extra_template_basedirs=[str(Path(templates) / "nbconvert")],
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        embed_images=False,
        # Check the notebook once after the preprocessors, not after each of them (a dozen
        # full-schema validations of every page otherwise).
        optimistic_validation=True,
        # None of these is used by our template; set to '' so a stray include cannot fetch.
        require_js_url="", mathjax_url="", widget_renderer_url="", jupyter_widgets_base_url="",
    )
    return exporter


def render_case_page(nb, site: dict, templates: Path | str = TEMPLATES) -> str:
    """HTML of one executed case page. `site` carries title, root ('../'), ward, ward_code,
    case_id, case_title and footer for the page's header and breadcrumb. `templates`: a template
    folder laid out like casebook/templates (the default)."""
    body, _resources = _exporter(Path(templates)).from_notebook_node(nb, resources={"casebook": dict(site)})
    return body


def warm_renderer(templates: Path | str = TEMPLATES, *, spare: bool = False) -> None:
    """Make a page exporter and compile its templates now (a worker does it while its kernel boots;
    the first page would otherwise pay ~0.3 s more). `spare`: for the next thread that renders
    without an exporter of its own (exporters are not shared by threads at once, but can be handed over)."""
    import nbformat

    if not spare:
        render_case_page(nbformat.v4.new_notebook(), {}, templates)
        return
    exporter = _new_exporter(Path(templates), PAGE_TEMPLATE)
    exporter.from_notebook_node(nbformat.v4.new_notebook(), resources={"casebook": {}})
    with _spares_lock:
        _spares.setdefault((str(Path(templates)), PAGE_TEMPLATE), []).append(exporter)


def render_report_page(nb, *, title: str, site_title: str = "",
                       breadcrumb: Sequence[tuple[str, str | None]] = (), footer: str = "",
                       stylesheet: str | None = None, lang: str = "ja", templates: Path | str = TEMPLATES) -> str:
    """HTML of one standalone page for an executed notebook that is not a case page (a session
    report, …). Input and prompts hidden, cells tagged `remove_cell` dropped, no casebook navigation.

    `site_title`: a plain header band ('' for none). `breadcrumb`: (label, href) pairs, href None for
    a plain label (the last one is the current page); () for none. `stylesheet`: None inlines the
    shared stylesheet (the page then stands alone), or a relative href where `copy_stylesheet` put it.
    Every value is HTML-escaped."""
    templates = Path(templates)
    css = ""
    if stylesheet is None:
        css = (templates / "casebook.css").read_text(encoding="utf-8")
        if "</style" in css.lower():  # our own file; this would end the <style> element early
            raise ValueError("casebook.css must not contain '</style'")
    context = {"title": title, "site_title": site_title, "footer": footer, "lang": lang, "stylesheet": css,
               "stylesheet_href": stylesheet or "", "breadcrumb": [(str(label), href) for label, href in breadcrumb]}
    body, _resources = _exporter(templates, REPORT_TEMPLATE).from_notebook_node(nb, resources={"report_page": context})
    return body


def copy_stylesheet(folder: Path | str, templates: Path | str = TEMPLATES, name: str = "casebook.css") -> str:
    """Copy the shared stylesheet into `folder`; returns its file name, the href to give render_report_page."""
    import shutil

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(Path(templates) / "casebook.css", folder / name)
    return name


# --- index pages ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Entry:
    """One case as the index pages list it."""
    id: str
    title: str
    ward: str
    ward_code: str
    fiscal_year: int
    themes: tuple[str, ...]
    keywords: tuple[str, ...]
    provider_role: str

    @property
    def year_label(self) -> str:
        return vocab.format_fiscal_year(self.fiscal_year)

    @classmethod
    def of(cls, case) -> "Entry":
        return cls(case.id, case.title, case.ward, vocab.parse_ward(case.ward).code, case.fiscal_year,
                   tuple(case.themes), tuple(case.keywords), case.provider_role)


def search_examples(entries: Sequence[Entry], n: int = 3) -> list[str]:
    """The search box's examples: the keywords most cases of this casebook share (so each finds something)."""
    from collections import Counter

    counts = Counter(k for e in entries for k in dict.fromkeys(e.keywords))
    return [k for k, _ in counts.most_common(n)]


def render_site(entries: Sequence[Entry], *, title: str, footer: str, book_pdf: str = "",
                templates: Path | str = TEMPLATES) -> dict[str, str]:
    """Every index page as {relative path: html}: home, wards (all 24, zero counts too), themes,
    fiscal years, and one listing page per ward / theme / year. `book_pdf`: the printed casebook's
    file name beside index.html, which the home page links ('' when there is none)."""
    from casebook.render import html

    env = html.environment(Path(templates))
    pages: dict[str, str] = {}
    common = {"site_title": title, "footer": footer}

    def put(path: str, template: str, **context) -> None:
        root = "../" * path.count("/")
        pages[path] = env.get_template(f"site/{template}").render(root=root, **common, **context)

    wards = []
    for w in vocab.wards():
        cases = [e for e in entries if e.ward == w.name]
        wards.append({"name": w.name, "code": w.code, "count": len(cases)})
        put(f"wards/{w.code}.html", "listing.html.j2", heading=f"{w.name}の事例", crumb=("区から探す", "wards/index.html"),
            entries=cases)
    themes = []
    for t in vocab.themes():
        cases = [e for e in entries if t["name"] in e.themes]
        themes.append({"name": t["name"], "slug": t["id"], "count": len(cases)})
        put(f"themes/{t['id']}.html", "listing.html.j2", heading=f"テーマ「{t['name']}」の事例",
            crumb=("テーマから探す", "themes/index.html"), entries=cases)
    years = []
    for y in sorted({e.fiscal_year for e in entries}, reverse=True):
        cases = [e for e in entries if e.fiscal_year == y]
        years.append({"label": vocab.format_fiscal_year(y), "year": y, "count": len(cases)})
        put(f"years/{y}.html", "listing.html.j2", heading=f"{vocab.format_fiscal_year(y)}の事例",
            crumb=("年度から探す", "years/index.html"), entries=cases)
    put("wards/index.html", "groups.html.j2", heading="区から探す", groups=wards, kind="wards",
        lead="大阪市の24区すべてを公式の順に並べています。括弧内は事例の数です。")
    put("themes/index.html", "groups.html.j2", heading="テーマから探す", groups=themes, kind="themes",
        lead="1つの事例が複数のテーマに入ることがあります。")
    put("years/index.html", "groups.html.j2", heading="年度から探す", groups=years, kind="years",
        lead="年度は4月から翌年3月までです。")
    put("index.html", "home.html.j2", entries=entries, wards=wards, themes=themes, years=years,
        examples=search_examples(entries), book_pdf=book_pdf)
    return pages
