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
    merge(skeleton, parts, target) -> int       the book: the parts' pages drawn under the skeleton's
    extract(book, handouts) -> None             one case's pages of the book as a PDF of their own

Laying out is most of the time (HTML parsing, the cascade, line breaking), single-threaded in
WeasyPrint; so a big book is laid out in parts, one process each (`casebook.pipeline.printed`). The
parts carry no page numbers: a part does not know on which page it begins until the parts before it
are laid out. The skeleton is the whole book with a blank page for each page of the parts, holding
only the page number and anchors for what begins there; its contents use target-counter as the
whole book does, its bookmarks are the book's. `merge` draws each part page under its skeleton page
(pikepdf), so numbers, contents, bookmarks, title and language come from one document.

A case's handout (for a case conference) is its own pages of the merged book, copied out with
pikepdf: the same layout, running heads and page numbers as the printed copy the trainees hold, and
no second layout. (It embeds the fonts of its part, which WeasyPrint subsets keeping glyph ids: a
handout is bigger than one WeasyPrint would write for the case alone, see the README.)

`book` is a plain dict the pipeline fills (`casebook.pipeline.printed`); every text in it is escaped
by the templates. Same input, same bytes: the creation date comes from `book["created"]`.
"""

from __future__ import annotations

import re
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


def _save(pdf, target: Path | str) -> None:
    """Same pages, same bytes: the file id is a hash of the content, objects packed into streams."""
    import pikepdf

    pdf.save(str(target), deterministic_id=True, compress_streams=True,
             object_stream_mode=pikepdf.ObjectStreamMode.generate)


def _retag(pdf, salt: str) -> None:
    """Give the font subsets of a part their own six-letter tags: WeasyPrint names a subset after the
    font, and two different subsets of one name in a book confuse some readers."""
    import hashlib

    import pikepdf

    for obj in pdf.objects:
        if not isinstance(obj, pikepdf.Dictionary):
            continue
        key = "/FontName" if obj.get("/Type") == "/FontDescriptor" else "/BaseFont" if obj.get("/Type") == "/Font" else None
        name = str(obj.get(key, "")) if key else ""
        if len(name) > 8 and name[7] == "+":
            digest = hashlib.sha256(f"{salt}{name}".encode()).digest()
            tag = "".join(chr(65 + b % 26) for b in digest[:6])
            obj[key] = pikepdf.Name(f"/{tag}{name[7:]}")


_NAME = re.compile(rb"/([^\s/\[\]()<>{}%]+)")


def _contents(page) -> bytes:
    """A page's content stream(s), decoded."""
    import pikepdf

    contents = page.obj.get("/Contents")
    if contents is None:
        return b""
    streams = list(contents) if isinstance(contents, pikepdf.Array) else [contents]
    return b"\n".join(s.read_bytes() for s in streams)


def _own_resources(pdf, page, data: bytes):
    """The resources `page` draws (`data`, its content), in a dictionary of its own: WeasyPrint gives
    every page of a document one shared dictionary, so a page copied out would carry all of them."""
    import pikepdf

    used = {m.decode("latin-1") for m in _NAME.findall(data)}
    own = pikepdf.Dictionary()
    for kind, entries in page.obj.get("/Resources", pikepdf.Dictionary()).items():
        if isinstance(entries, pikepdf.Dictionary):
            own[kind] = pikepdf.Dictionary({k: v for k, v in entries.items() if k[1:] in used})
        else:
            own[kind] = entries
    return own


def merge(skeleton: Path | str, parts: list[tuple[Path | str, int]], target: Path | str) -> int:
    """The book: `skeleton`'s PDF with the pages of each part (its PDF, the skeleton page index of
    its first page) drawn under the skeleton's pages, with the parts' web links. Every page gets
    resources of its own (a handout copies only what its pages draw). Returns the pages."""
    import pikepdf

    with pikepdf.open(str(skeleton)) as book:
        for page in book.pages:
            page.obj.Resources = _own_resources(book, page, _contents(page))
        for n, (path, first) in enumerate(parts, start=1):
            with pikepdf.open(str(path)) as part:
                _retag(part, f"part{n}")
                for i, page in enumerate(part.pages):
                    data = _contents(page)
                    form = part.make_stream(data, Type=pikepdf.Name.XObject, Subtype=pikepdf.Name.Form,
                                            BBox=page.obj.MediaBox, Resources=_own_resources(part, page, data))
                    under = book.pages[first + i]
                    xobjects = under.obj.Resources.get("/XObject", pikepdf.Dictionary())
                    xobjects["/WbPart"] = book.copy_foreign(part.make_indirect(form))
                    under.obj.Resources.XObject = xobjects
                    under.contents_add(book.make_stream(b"q /WbPart Do Q\n"), prepend=True)
                    links = [a for a in page.obj.get("/Annots", []) if a.get("/A", {}).get("/S") == "/URI"]
                    if links:   # a web address in a case; links inside a part have no page to go to
                        annots = under.obj.get("/Annots", pikepdf.Array())
                        for link in links:
                            annots.append(book.copy_foreign(link))
                        under.obj.Annots = annots
        _save(book, target)
        return len(book.pages)


def extract(book: Path | str, handouts: list[tuple[Path | str, tuple[int, int], str]]) -> None:
    """Each (target, (first, last) page index, title) of `handouts`: those pages of the `book` PDF as
    a PDF of their own, titled `title`, with the book's language and dates."""
    import pikepdf

    with pikepdf.open(str(book)) as src:
        for target, (first, last), title in handouts:
            with pikepdf.new() as out:
                out.pages.extend(src.pages[first:last + 1])
                if "/Lang" in src.Root:
                    out.Root.Lang = src.Root.Lang
                info = out.copy_foreign(src.docinfo)
                info.Title = pikepdf.String(title)
                out.trailer.Info = out.make_indirect(info)
                _save(out, target)
