"""The printed casebook (冊子) and the one-case handout as A4 PDF, through WeasyPrint.

The PDF shows the same executed pages the HTML casebook shows: `case_body(page_html)` takes the case
fragments out of a rendered case page (what `casebook.render.pages` made inside the notebook), and
the print templates under `templates/print/` put them in a book with a print stylesheet (CSS Paged
Media: page numbers, running heads, a contents by `target-counter`, bookmarks). Nothing is fetched:
fonts are the system's (Noto Sans / Serif CJK JP), embedded and subsetted by WeasyPrint.

    case_body(page_html) -> Markup              the case's fragments out of an executed page
    book_html(book, templates) -> str           the casebook (cover, はじめに, 目次, chapters, 奥付), or a
                                                part of its chapters, or its skeleton (book["mode"])
    layout(html, templates) -> Document         laid out by WeasyPrint
    starts(doc) -> {anchor: page index}         where each chapter and case begins
    write_pdf(doc, target) -> int               a laid-out document as PDF
    merge(skeleton, parts, target) -> int       the book: the parts' pages shown on the skeleton's
    extract(book, handouts) -> None             one case's pages of the book as a PDF of their own
                                                (both in casebook.render.pdf_merge, tagged PDF kept)

Laying out is most of the time (HTML parsing, the cascade, line breaking), single-threaded in
WeasyPrint; so a big book is laid out in parts, one process each (`casebook.pipeline.printed`). The
parts carry no page numbers: a part does not know on which page it begins until the parts before it
are laid out. The skeleton is the whole book with a blank page for each page of the parts, holding
only the page number and anchors for what begins there; its contents use target-counter as the
whole book does, its bookmarks are the book's. `merge` puts each part page in place of its skeleton
page, the skeleton's page number drawn over it as an artifact (pikepdf), so numbers, contents,
bookmarks, title and language come from one document, and the parts' structure trees (the tagged PDF)
are grafted under the skeleton's.

A case's handout (for a case conference) is its own pages of the merged book, copied out with
pikepdf: the same layout, running heads and page numbers as the printed copy the trainees hold, and
no second layout, tagged with its pages' part of the structure tree. (It embeds the fonts of its part, which WeasyPrint subsets keeping glyph ids: a
handout is bigger than one WeasyPrint would write for the case alone, see the README.)

`book` is a plain dict the pipeline fills (`casebook.pipeline.printed`); every text in it is escaped
by the templates. Same input, same bytes: the creation date comes from `book["created"]`.
"""

from __future__ import annotations

import threading
from pathlib import Path

from casebook.render import html
from casebook.render.pdf_merge import extract, merge  # noqa: F401  (the pipeline's names for them)

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


def starts(doc) -> dict[str, int]:
    """{anchor: index of the first page it is on} for a laid-out document."""
    first: dict[str, int] = {}
    for n, page in enumerate(doc.pages):
        for name in page.anchors:
            first.setdefault(name, n)
    return first


def write_pdf(doc, target: Path | str) -> int:
    """Write a laid-out document as PDF to `target`; returns its number of pages. Fonts are embedded
    and subsetted."""
    doc.write_pdf(str(target), **PDF_OPTIONS)
    return len(doc.pages)
