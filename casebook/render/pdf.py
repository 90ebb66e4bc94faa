"""The printed casebook (冊子) and the one-case handout as A4 PDF, through WeasyPrint.

The PDF shows the same executed pages the HTML casebook shows: `case_body(page_html)` takes the case
fragments out of a rendered case page (what `casebook.render.pages` made inside the notebook), and
the print templates under `templates/print/` put them in a book with a print stylesheet (CSS Paged
Media: page numbers, running heads, a contents by `target-counter`, bookmarks). Nothing is fetched:
fonts are the system's (Noto Sans / Serif CJK JP), embedded and subsetted by WeasyPrint.

    case_body(page_html) -> Markup              the case's fragments out of an executed page
    book_html(book, templates) -> str           the casebook (cover, はじめに, 目次, chapters, 奥付)
    handout_html(book, case, templates) -> str  one case for a case conference
    write_pdf(html, target, templates) -> int   the PDF written to `target`; its page count

`book` is a plain dict the pipeline fills (`casebook.pipeline.printed`); every text in it is escaped
by the templates. Same input, same bytes: the creation date comes from `book["created"]`.
"""

from __future__ import annotations

import re
import threading
from pathlib import Path

from casebook.render import html

TEMPLATES = html.TEMPLATES
PRINT_FILES = ("print/book.html.j2", "print/case.html.j2", "print/_case.html.j2", "print/print.css")

_MAIN = re.compile(r'<main class="cb-main" id="case">(.*)</main>', re.S)
# nbconvert's wrappers of cells without output: nothing to print, and many of them per case.
_EMPTY_CELL = re.compile(r'<div id="cell-id=[^"]*" class="[^"]*jp-mod-noOutputs[^"]*">\s*</div>')
_local = threading.local()


class PrintError(ValueError):
    """A page that is not an executed case page of this casebook (no <main id="case">)."""


def case_body(page_html: str):
    """The case's fragments, exactly as the executed case page shows them (our own rendered HTML)."""
    m = _MAIN.search(page_html)
    if m is None:
        raise PrintError("not a casebook case page: no <main id=\"case\">")
    return html.markup(_EMPTY_CELL.sub("", m.group(1)))


def book_html(book: dict, templates: Path | str = TEMPLATES) -> str:
    return html.render("print/book.html.j2", Path(templates), book=book)


def handout_html(book: dict, case: dict, templates: Path | str = TEMPLATES) -> str:
    return html.render("print/case.html.j2", Path(templates), book=book, case=case)


def _fonts():
    """One font configuration per thread: WeasyPrint caches the fonts it has loaded in it."""
    fonts = getattr(_local, "fonts", None)
    if fonts is None:
        from weasyprint.text.fonts import FontConfiguration

        fonts = _local.fonts = FontConfiguration()
    return fonts


def _offline(url: str, *args, **kwargs):
    """WeasyPrint's fetcher for local files only: a PDF built here never reaches the network."""
    if not url.startswith("file:"):
        raise PrintError(f"refused to fetch {url}: the printed casebook is built offline")
    from weasyprint.urls import default_url_fetcher

    return default_url_fetcher(url, *args, **kwargs)


def write_pdf(document_html: str, target: Path | str, templates: Path | str = TEMPLATES) -> int:
    """Lay out `document_html` and write it as PDF to `target`; returns the number of pages.

    Offline: the base URL is the template folder and nothing in our templates points elsewhere."""
    from weasyprint import HTML

    doc = HTML(string=document_html, base_url=str(Path(templates) / "print") + "/",
               url_fetcher=_offline).render(font_config=_fonts())
    doc.write_pdf(str(target))
    return len(doc.pages)
