"""The printed casebook (冊子) and the one-case handout as A4 PDF, through WeasyPrint.

The PDF shows the same executed pages the HTML casebook shows: `case_body(page_html)` takes the case
fragments out of a rendered case page (what `casebook.render.pages` made inside the notebook), and
the print templates under `templates/print/` put them in a book with a print stylesheet (CSS Paged
Media: page numbers, running heads, a contents by `target-counter`, bookmarks). Nothing is fetched:
fonts are the system's (Noto Sans / Serif CJK JP), embedded and subsetted by WeasyPrint.

    case_body(page_html) -> Markup              the case's fragments out of an executed page
    book_html(book, templates) -> str           the casebook (cover, はじめに, 目次, chapters, 奥付)
    layout(html, templates) -> Document         laid out once by WeasyPrint
    page_ranges(doc, anchors, end) -> {anchor: (first, last)}   where each case's pages are
    write_pdf(doc, target, pages=None, title=None) -> int       the book, or one case's pages of it (tagged)

A case's handout (for a case conference) is its own pages of the book, written as a PDF of their
own: the same layout, running heads and page numbers as the printed copy the trainees hold.

`book` is a plain dict the pipeline fills (`casebook.pipeline.printed`); every text in it is escaped
by the templates. Same input, same bytes: the creation date comes from `book["created"]`.
"""

from __future__ import annotations

import threading
from pathlib import Path

from casebook.render import html

TEMPLATES = html.TEMPLATES
PRINT_FILES = ("print/book.html.j2", "print/print.css")

# The case page template (templates/nbconvert/casebook_page) marks the executed cells' output with these.
BODY_BEGIN = "<!-- case-body: what the printed casebook takes (casebook.render.pdf) -->"
BODY_END = "<!-- /case-body -->"
_local = threading.local()
# A tagged PDF (WeasyPrint's pdf_tags): a structure tree (headings, paragraphs, lists, tables with their
# header cells, links), /Lang from <html lang="ja">, /MarkInfo Marked, the title shown as the window's
# title, and each SVG drawing (the ecomap, the charts) a /Figure whose alternative text is its <title>.
# Not PDF/UA: see README's accessibility section for what WeasyPrint 70 does not tag.
PDF_OPTIONS = {"pdf_tags": True}


class PrintError(ValueError):
    """A page that is not an executed case page of this casebook (no case-body marks)."""


def case_body(page_html: str):
    """The case's fragments, exactly as the executed case page shows them (our own rendered HTML)."""
    start, end = page_html.find(BODY_BEGIN), page_html.rfind(BODY_END)
    if start < 0 or end < start:
        raise PrintError("not a casebook case page: its case-body marks are missing")
    return html.markup(page_html[start + len(BODY_BEGIN):end])


def book_html(book: dict, templates: Path | str = TEMPLATES) -> str:
    return html.render("print/book.html.j2", Path(templates), book=book)


def _fonts():
    """One font configuration per thread: WeasyPrint caches the fonts it has loaded in it."""
    fonts = getattr(_local, "fonts", None)
    if fonts is None:
        from weasyprint.text.fonts import FontConfiguration

        fonts = _local.fonts = FontConfiguration()
    return fonts


def _offline(url: str, *args, **kwargs):
    """WeasyPrint's fetcher for local files only: a PDF built here never reaches the network."""
    if not url.startswith(("file:", "data:")):   # data: an inlined chart
        raise PrintError(f"refused to fetch {url}: the printed casebook is built offline")
    from weasyprint.urls import default_url_fetcher

    return default_url_fetcher(url, *args, **kwargs)


def layout(document_html: str, templates: Path | str = TEMPLATES):
    """The laid-out WeasyPrint document (pages, anchors, bookmarks). Offline: the base URL is the
    template folder and the fetcher refuses anything that is not a local file."""
    from weasyprint import HTML

    return HTML(string=document_html, base_url=str(Path(templates) / "print") + "/",
                url_fetcher=_offline).render(font_config=_fonts())


def page_ranges(doc, anchors: list[str], end: str) -> dict[str, tuple[int, int]]:
    """{anchor: (first, last)} page indexes of each part that starts at an anchor (a case) and runs
    to the page before the next one starts (`end`: the anchor after the last part, e.g. the colophon)."""
    first = {}
    for n, page in enumerate(doc.pages):
        for name in page.anchors:
            first.setdefault(name, n)
    starts = [first[a] for a in anchors] + [first[end]]
    return {a: (starts[i], max(starts[i], starts[i + 1] - 1)) for i, a in enumerate(anchors)}


def write_pdf(doc, target: Path | str, pages: tuple[int, int] | None = None, title: str | None = None) -> int:
    """Write `doc` (or its pages first..last, e.g. one case for a handout, titled `title`) as PDF to
    `target`; returns the number of pages written. Fonts are embedded and subsetted per file."""
    if pages is not None:
        import copy

        part = doc.copy(doc.pages[pages[0]:pages[1] + 1])
        part.metadata = copy.copy(doc.metadata)   # the book keeps its own title
        if title:
            part.metadata.title = title
        doc = part
    doc.write_pdf(str(target), **PDF_OPTIONS)
    return len(doc.pages)
