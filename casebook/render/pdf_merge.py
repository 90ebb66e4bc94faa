"""The printed casebook put together from its parts, and a case's handout copied out of it, as tagged
PDF (pikepdf): the structure tree WeasyPrint writes (`pdf_tags`) goes along with the pages.

    merge(skeleton, parts, target) -> int       the book: each part page shown on its skeleton page
    extract(book, handouts) -> None             one case's pages of the book as a PDF of their own

merge: a part page becomes the page, drawn first (its content and its own resources, its structure
tree under the book's, its parent-tree keys moved past the ones before it), and the skeleton page's
own drawing (the page number) after it, as an artifact in a form of its own. The skeleton's page
objects are replaced in the page tree, the bookmarks and the named destinations (a handful of
references) rather than the many /Pg references of the parts' structure elements.
extract: the handout's pages with a pruned copy of the tree: the elements whose content is on those
pages, with their ancestors; /Lang, /MarkInfo, DisplayDocTitle and the title.
"""

from __future__ import annotations

import re
from pathlib import Path

_NAME = re.compile(rb"/([^\s/\[\]()<>{}%]+)")
# Marked-content operators (`/Span <</MCID 0>> BDC`, `/Artifact BMC`, `EMC`); no hex string matches.
_MARKS = re.compile(rb"/[^\s/\[\]()<>{}%]+\s*(?:<<[^>]*>>|/[^\s/\[\]()<>{}%]+)\s*BDC|/[^\s/\[\]()<>{}%]+\s*BMC|\bEMC\b")
# After the part page's drawing: the skeleton page's own (page number), not part of the text.
_FOLIO = b"\nQ\n/Artifact BMC\nq /WbFolio Do Q\nEMC\n"


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


def _contents(page) -> bytes:
    """A page's (dictionary's) content stream(s), decoded."""
    import pikepdf

    contents = page.get("/Contents")
    if contents is None:
        return b""
    streams = list(contents) if isinstance(contents, pikepdf.Array) else [contents]
    return b"\n".join(s.read_bytes() for s in streams)


def _own_resources(page, data: bytes):
    """The resources `page` draws (`data`, its content), in a dictionary of its own: WeasyPrint gives
    every page of a document one shared dictionary, so a page copied out would carry all of them."""
    import pikepdf

    used = {m.decode("latin-1") for m in _NAME.findall(data)}
    own = pikepdf.Dictionary()
    for kind, entries in page.get("/Resources", pikepdf.Dictionary()).items():
        if isinstance(entries, pikepdf.Dictionary):
            own[kind] = pikepdf.Dictionary({k: v for k, v in entries.items() if k[1:] in used})
        else:
            own[kind] = entries
    return own


def _kids(k) -> list:
    import pikepdf

    return list(k) if isinstance(k, pikepdf.Array) else [] if k is None else [k]


def _nums(tree) -> list[tuple[int, object]]:
    """A number tree's (key, value) pairs, flattened."""
    if tree is None:
        return []
    nums = tree.get("/Nums")
    pairs = [(int(nums[i]), nums[i + 1]) for i in range(0, len(nums), 2)] if nums is not None else []
    for kid in _kids(tree.get("/Kids")):
        pairs += _nums(kid)
    return pairs


def _flat(pairs):
    import pikepdf

    out = pikepdf.Array()
    for key, value in sorted(pairs, key=lambda p: p[0]):
        out.append(key)
        out.append(value)
    return out


def _page_list(pdf) -> list:
    """The page dictionaries of a flat page tree (WeasyPrint's), without building qpdf's page cache:
    merge swaps pages in /Kids itself so that structure elements keep pointing at what they show."""
    kids = list(pdf.Root.Pages.Kids)
    if any(k.get("/Type") != "/Page" for k in kids):
        raise ValueError("a nested page tree: not a PDF WeasyPrint wrote")
    return kids


def _prepare(part, offset: int):
    """Ready a part for copying into the book: each page draws its content then the folio (the
    skeleton's, added in the book), owns its resources, keeps its web links; parent-tree keys moved by
    `offset`. Returns (an indirect holder of pages, structure kids, parent tree; keys used)."""
    import pikepdf

    pages = _page_list(part)
    for page in pages:
        data = _contents(page)
        page.Resources = _own_resources(page, data)
        page.Contents = part.make_stream(b"q\n" + data + _FOLIO)
        if "/StructParents" in page:
            page.StructParents = int(page.StructParents) + offset
        # a web address in a case; links inside a part have no page to go to
        links = [a for a in page.get("/Annots", []) if a.get("/A", {}).get("/S") == "/URI"]
        for link in links:
            if "/StructParent" in link:
                link.StructParent = int(link.StructParent) + offset
        if links:
            page.Annots = pikepdf.Array(links)
        elif "/Annots" in page:
            del page["/Annots"]
        if "/Parent" in page:
            del page["/Parent"]
    holder = pikepdf.Dictionary(Pages=pikepdf.Array(pages))
    tree = part.Root.get("/StructTreeRoot")
    if tree is None:
        return part.make_indirect(holder), 0
    pairs = _nums(tree.get("/ParentTree"))
    kids = []
    for top in _kids(tree.get("/K")):
        if top.get("/S") != "/Document":
            kids.append(top)
            continue
        kids += _kids(top.get("/K"))
        # WeasyPrint's running heads are elements whose parent is the Document but that are not its
        # kids: leave them a bare element of their own (under the book's Document), not the part's tree.
        for key in list(top.keys()):
            if key not in ("/Type", "/S"):
                del top[key]
        top.S = pikepdf.Name.NonStruct
        holder.Heads = top
    for kid in kids:
        if isinstance(kid, pikepdf.Dictionary) and "/P" in kid:
            del kid["/P"]   # set to the book's element; the copy need not bring the part's root along
    holder.K = pikepdf.Array(kids)
    holder.Nums = _flat((key + offset, value) for key, value in pairs)
    for key in ("/RoleMap", "/ClassMap"):
        if key in tree:
            holder[key] = tree[key]
    return part.make_indirect(holder), (max(k for k, _ in pairs) + 1 if pairs else 0)


def _pages_of(element, stop: int = 100_000) -> set:
    """The pages (objgen) an element's content is on."""
    import pikepdf

    seen, todo = set(), [element]
    while todo and stop:
        stop -= 1
        e = todo.pop()
        if isinstance(e, pikepdf.Dictionary):
            if "/Pg" in e:
                seen.add(e.Pg.objgen)
            todo += _kids(e.get("/K"))
    return seen


def _graft(book, tree, holders: list, placeholders: set, next_key: int) -> None:
    """The parts' structure kids in place of the skeleton's elements for the placeholder pages (their
    page numbers), the parent trees merged."""
    import pikepdf

    tops = _kids(tree.get("/K"))
    doc = next((t for t in tops if t.get("/S") == "/Document"), None)
    parent = doc if doc is not None else tree
    keep, at = [], None
    for kid in _kids(parent.get("/K")):
        on = _pages_of(kid) if isinstance(kid, pikepdf.Dictionary) else set()
        if on and on <= placeholders:
            at = len(keep) if at is None else at
            continue
        keep.append(kid)
    at = len(keep) if at is None else at
    grafted = []
    for holder in holders:
        if "/Heads" in holder:
            holder.Heads.P = parent
        for kid in _kids(holder.get("/K")):
            if isinstance(kid, pikepdf.Dictionary):
                kid.P = parent
            grafted.append(kid)
        for key in ("/RoleMap", "/ClassMap"):
            if key in holder:
                merged = tree.get(key, pikepdf.Dictionary())
                for name, value in holder[key].items():
                    merged[name] = value
                tree[key] = merged
    parent.K = pikepdf.Array(keep[:at] + grafted + keep[at:])
    gone = {int(p.StructParents) for p in book.Root.Pages.Kids if p.objgen in placeholders and "/StructParents" in p}
    pairs = [(k, v) for k, v in _nums(tree.get("/ParentTree")) if k not in gone]
    for holder in holders:
        pairs += _nums(holder)
    tree.ParentTree = book.make_indirect(pikepdf.Dictionary(Nums=_flat(pairs)))
    tree.ParentTreeNextKey = next_key


def _redirect(book, swap: dict) -> None:
    """Bookmarks, named destinations and link annotations that go to a skeleton page go to the page
    that replaces it."""
    import pikepdf

    def dest(d):
        if isinstance(d, pikepdf.Dictionary):
            d = d.get("/D")
        if isinstance(d, pikepdf.Array) and len(d) and isinstance(d[0], pikepdf.Dictionary) and d[0].objgen in swap:
            d[0] = swap[d[0].objgen]

    todo = [book.Root.get("/Outlines")]
    while todo:
        item = todo.pop()
        if item is None:
            continue
        dest(item.get("/Dest"))
        dest(item.get("/A"))
        todo += [item.get("/First"), item.get("/Next")]
    names = [book.Root.get("/Names", {}).get("/Dests")]
    while names:
        node = names.pop()
        if node is None:
            continue
        entries = node.get("/Names")
        for i in range(1, len(entries) if entries is not None else 0, 2):
            dest(entries[i])
        names += _kids(node.get("/Kids"))
    for value in book.Root.get("/Dests", {}).values():
        dest(value)
    for page in book.Root.Pages.Kids:
        for annot in page.get("/Annots", []):
            dest(annot.get("/Dest"))
            dest(annot.get("/A"))


def merge(skeleton: Path | str, parts: list[tuple[Path | str, int]], target: Path | str) -> int:
    """The book: `skeleton`'s PDF with the pages of each part (its PDF, the skeleton page index of its
    first page) in place of its placeholder pages, each still showing the skeleton page's number,
    the parts' structure trees and web links kept. Every page has resources of its own (a handout
    copies only what its pages draw). Returns the pages."""
    import pikepdf

    with pikepdf.open(str(skeleton)) as book:
        pages = _page_list(book)
        for page in pages:
            page.Resources = _own_resources(page, _contents(page))
        tree = book.Root.get("/StructTreeRoot")
        next_key = max((k for k, _ in _nums(tree.get("/ParentTree"))), default=-1) + 1 if tree is not None else 0
        placed, holders = {}, []
        for n, (path, first) in enumerate(parts, start=1):
            with pikepdf.open(str(path)) as part:
                _retag(part, f"part{n}")
                holder, used = _prepare(part, next_key)
                for page in holder.Pages:   # pages first: qpdf copies a page only when asked to
                    book.copy_foreign(page)
                copied = book.copy_foreign(holder)
            next_key += used
            holders.append(copied)
            for i, page in enumerate(copied.Pages):
                under = pages[first + i]
                folio = book.make_stream(_MARKS.sub(b"", _contents(under)), Type=pikepdf.Name.XObject,
                                         Subtype=pikepdf.Name.Form, BBox=under.MediaBox, Resources=under.Resources)
                xobjects = page.Resources.get("/XObject", pikepdf.Dictionary())
                xobjects["/WbFolio"] = folio
                page.Resources.XObject = xobjects
                page.Parent = under.Parent
                placed[first + i] = page
        if tree is not None:
            _graft(book, tree, holders, {pages[i].objgen for i in placed}, next_key)
        _redirect(book, {pages[i].objgen: page for i, page in placed.items()})
        kids = book.Root.Pages.Kids
        for i, page in placed.items():
            kids[i] = page
        _save(book, target)
        return len(pages)


def _pruned(src, tree, pages: list, parents: dict):
    """A copy (new objects in `src`) of the structure tree keeping the elements with content on
    `pages` and their ancestors: (the new root, the parent tree's pairs for those pages)."""
    import pikepdf

    on = {p.objgen for p in pages}
    keep: dict = {}
    roots = []
    for page in pages:
        refs = []
        if "/StructParents" in page:
            refs.append(parents.get(int(page.StructParents)))
        refs += [parents.get(int(a.StructParent)) for a in page.get("/Annots", []) if "/StructParent" in a]
        for ref in refs:
            for e in _kids(ref):
                while isinstance(e, pikepdf.Dictionary) and e.is_indirect and e.objgen != tree.objgen \
                        and e.objgen not in keep:
                    keep[e.objgen] = e
                    e = e.get("/P")
    root = src.make_indirect(pikepdf.Dictionary(Type=pikepdf.Name.StructTreeRoot))
    for key in ("/Namespaces", "/RoleMap", "/ClassMap"):
        if key in tree:
            root[key] = tree[key]
    new = {}
    for og, e in keep.items():
        d = pikepdf.Dictionary({k: v for k, v in e.items() if k not in ("/K", "/P", "/Pg")})
        if "/Pg" in e and e.Pg.objgen in on:
            d.Pg = e.Pg
        new[og] = src.make_indirect(d)
    for og, e in keep.items():
        d, up = new[og], e.get("/P")
        d.P = new.get(up.objgen, root) if up is not None else root
        if d.P.objgen == root.objgen:
            roots.append(d)
        kids = pikepdf.Array()
        for kid in _kids(e.get("/K")):
            if isinstance(kid, pikepdf.Dictionary):
                if kid.is_indirect and kid.objgen in new:
                    kids.append(new[kid.objgen])
                elif kid.get("/Type") in ("/MCR", "/OBJR"):
                    pg = kid.get("/Pg", e.get("/Pg"))
                    if pg is not None and pg.objgen in on:
                        kids.append(kid)
            elif isinstance(kid, int) and "/Pg" in d:
                kids.append(kid)
        d.K = kids
    root.K = pikepdf.Array(roots)
    pairs = []
    for page in pages:
        keys = [int(page.StructParents)] if "/StructParents" in page else []
        keys += [int(a.StructParent) for a in page.get("/Annots", []) if "/StructParent" in a]
        for key in keys:
            ref = parents.get(key)
            if isinstance(ref, pikepdf.Array):
                pairs.append((key, pikepdf.Array([new.get(e.objgen) if isinstance(e, pikepdf.Dictionary) else e
                                                  for e in ref])))
            elif isinstance(ref, pikepdf.Dictionary) and ref.objgen in new:
                pairs.append((key, new[ref.objgen]))
    return root, pairs


def extract(book: Path | str, handouts: list[tuple[Path | str, tuple[int, int], str]]) -> None:
    """Each (target, (first, last) page index, title) of `handouts`: those pages of the `book` PDF as
    a PDF of their own, titled `title`, with the book's language and dates, tagged with the elements
    of those pages."""
    import pikepdf

    with pikepdf.open(str(book)) as src:
        tree = src.Root.get("/StructTreeRoot")
        parents = dict(_nums(tree.get("/ParentTree"))) if tree is not None else {}
        every = _page_list(src)
        for target, (first, last), title in handouts:
            with pikepdf.new() as out:
                pages = every[first:last + 1]
                holder = pikepdf.Dictionary(Pages=pikepdf.Array(pages))
                if tree is not None:
                    holder.Root, pairs = _pruned(src, tree, pages, parents)
                    holder.Nums = _flat(pairs)
                for page in pages:   # pages first: qpdf copies a page only when asked to
                    out.copy_foreign(page)
                copied = out.copy_foreign(src.make_indirect(holder))
                kids = out.Root.Pages
                for page in copied.Pages:
                    page.Parent = kids
                kids.Kids = copied.Pages
                kids.Count = len(pages)
                if tree is not None:
                    root = copied.Root
                    root.ParentTree = out.make_indirect(pikepdf.Dictionary(Nums=copied.Nums))
                    root.ParentTreeNextKey = max((int(k) for k in list(copied.Nums)[::2]), default=-1) + 1
                    out.Root.StructTreeRoot = root
                for key in ("/Lang", "/MarkInfo", "/ViewerPreferences"):
                    value = src.Root.get(key)
                    if isinstance(value, pikepdf.Dictionary):   # direct, of names and booleans
                        out.Root[key] = pikepdf.Dictionary(dict(value.items()))
                    elif value is not None:
                        out.Root[key] = value
                info = out.copy_foreign(src.docinfo)
                info.Title = pikepdf.String(title)
                out.trailer.Info = out.make_indirect(info)
                _save(out, target)
