"""The printed 事例集: before a training day the editor runs `workbench build --pdf` and hands trainees an
A4 booklet (cover, はじめに, 目次, one chapter per theme, 奥付); each case's own pages of it are the
handout for that case's conference, linked from its page. Checked as a reader would, with poppler-utils:
the page size, the fonts, the contents against the pages, the line starts, the bookmarks."""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import zlib
from pathlib import Path

import pytest

from casebook.model import Case
from casebook.settings import Settings

REPO = Path(__file__).resolve().parent.parent
WORKBENCH = str(Path(sys.executable).with_name("workbench"))
LEAKY_ID = "2024-27116-05"
LEAKY_TITLE = "公開してはいけない事例（電話番号入り）"
PARAMS = """\
title: 令和7年度 地域福祉実践事例集
pdf:
  subtitle: 区社協の実践から学ぶ
  fiscal_year: 2025
  publisher: 社会福祉法人 大阪市社会福祉協議会
  edition: 第1版
  date: 2026-03-31
  preface: |
    この事例集は研修のための教材です。
    事例はすべて匿名化しています。
  chapters: theme
  contact: 大阪市社会福祉協議会 地域福祉課（電話は代表へ）
"""
LINE_START_FORBIDDEN = tuple("。、」）』】")

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not shutil.which("pdftotext"), reason="needs poppler-utils (.ci/setup.sh)")]


def _gen():
    spec = importlib.util.spec_from_file_location("gen_cases", REPO / "benchmarks" / "gen_cases.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _run(*args: str) -> str:
    return subprocess.run(args, capture_output=True, text=True, check=True, timeout=120).stdout


def pdf_pages(path: Path, *, layout: bool = False) -> list[str]:
    """The text of every page (pdftotext), page 1 first."""
    text = _run("pdftotext", *(["-layout"] if layout else []), str(path), "-")
    return text.split("\f")[:-1]


def squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


def outline(path: Path) -> list[tuple[str, int]]:
    """The PDF's bookmarks (title, page) in order; poppler has no lister, its XML export shows them."""
    xml = _run("pdftohtml", "-xml", "-stdout", "-i", "-q", str(path))
    return [(title, int(page)) for page, title in re.findall(r'<item page="(\d+)">([^<]*)</item>', xml)]


@pytest.fixture(scope="module")
def printed(tmp_path_factory):
    """The sample casebook built with --pdf, plus one approved case the privacy gate must keep out."""
    from casebook.exchange import load_sample
    from casebook.store import Store

    root = tmp_path_factory.mktemp("printed")
    settings = Settings(data_dir=root / "data", build_dir=root / "build")
    settings.data_dir.mkdir(parents=True)
    env = {**os.environ, **settings.environ()}
    env.pop("WORKBENCH_DB_URL", None)
    leaky = _gen().make_cases(6)[5].model_dump()
    leaky.update(id=LEAKY_ID, title=LEAKY_TITLE)
    leaky["person"]["life_history"] = "山田太郎さんは電話番号 06-6771-1234 で連絡がつく。"
    with pytest.MonkeyPatch.context() as mp:
        for k, v in settings.environ().items():
            mp.setenv(k, v)
        mp.delenv("WORKBENCH_DB_URL", raising=False)
        with Store.open(settings) as store:
            load_sample(store)
            store.import_all(cases=[Case.model_validate(leaky)], author="test")
    params = root / "printed.yaml"
    params.write_text(PARAMS, encoding="utf-8")
    proc = subprocess.run([WORKBENCH, "build", str(params), "--pdf", "--jobs", "2"], capture_output=True,
                          text=True, timeout=900, env=env)
    assert proc.returncode == 1, "the blocked case makes the build say so: " + proc.stdout + proc.stderr
    report = json.loads((settings.casebook_dir / "report.json").read_text(encoding="utf-8"))
    titles = {}
    for row in report["built"]:
        page = (settings.casebook_dir / "cases" / f"{row['case_id']}.html").read_text(encoding="utf-8")
        titles[row["case_id"]] = re.search(r'<h1 class="cb-case-title">([^<]+)</h1>', page).group(1)
    book = settings.casebook_dir / "事例集.pdf"
    return {"settings": settings, "env": env, "params": params, "report": report, "stdout": proc.stdout,
            "book": book, "pages": pdf_pages(book), "titles": titles}


def contents(pages: list[str]) -> dict[str, int]:
    """{squeezed title: page} from the 目次 pages: each entry is its title, a dotted leader and a number."""
    toc = [p for p in pages if p.lstrip().startswith("目次")]
    entries, pending = {}, ""
    for line in "\n".join(toc).splitlines():
        if line.strip() in ("", "目次") or (not pending and line.strip().isdigit()):
            continue   # the running head, the heading, a page's number; an entry may span lines
        pending += line.strip()
        m = re.fullmatch(r"(.+?)[.\s]*?(\d+)", pending)
        if m and "." in pending:
            entries[squeeze(m.group(1)).rstrip(".")] = int(m.group(2))
            pending = ""
    return entries


def test_the_booklet_is_a4_with_its_fonts_embedded_and_its_title_and_language_set(printed):
    info = _run("pdfinfo", str(printed["book"]))
    pages = int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))
    assert pages == printed["report"]["pdf"]["pages"] == len(printed["pages"])
    assert re.search(r"^Page size:\s+595\.2\d* x 841\.8\d* pts \(A4\)", info, re.M), info
    assert re.search(r"^Title:\s+令和7年度 地域福祉実践事例集$", info, re.M)
    fonts = _run("pdffonts", str(printed["book"])).splitlines()[2:]
    assert fonts, "the booklet has text"
    for row in fonts:
        assert re.search(r"\byes\s+yes\s+yes\s+\d+\s+\d+$", row), f"embedded, subsetted, with a ToUnicode map: {row}"
        assert "Noto-Sans-CJK-JP" in row
    raw = printed["book"].read_bytes()
    streams = (zlib.decompress(m.group(1)) for m in re.finditer(rb"stream\r?\n(.*?)endstream", raw, re.S))
    assert any(b"/Catalog" in s and b"/Lang (ja)" in s for s in streams), "the document language is Japanese"
    per_case = printed["report"]["pdf"]["kb_per_case"]
    assert 0 < per_case <= 150, f"{per_case} KB per case"


def test_the_cover_preface_and_colophon_print_what_the_parameter_set_says(printed):
    pages = printed["pages"]
    cover = squeeze(pages[0])
    for text in ("令和7年度", "令和7年度地域福祉実践事例集", "区社協の実践から学ぶ", "社会福祉法人大阪市社会福祉協議会", "第1版"):
        assert squeeze(text) in cover
    assert "はじめに" in pages[1] and "この事例集は研修のための教材です。" in pages[1]
    colophon = squeeze(pages[-1])
    assert colophon.startswith("奥付") or "奥付" in colophon[:40]
    for text in ("令和8年3月31日", "第1版", "地域福祉課（電話は代表へ）", f"{len(printed['titles'])}事例"):
        assert text in colophon


def test_the_contents_say_on_which_page_every_case_begins(printed):
    pages, titles = printed["pages"], printed["titles"]
    toc = contents(pages)
    assert len(titles) == 26, "the sample's approved and published cases, the blocked one aside"
    for case_id, title in titles.items():
        page = toc.get(squeeze(title))
        assert page is not None, f"{title} is not in the contents: {sorted(toc)[:5]}…"
        assert squeeze(title) in squeeze(pages[page - 1]), f"{title} is not on page {page}"
        assert case_id in pages[page - 1], "the case's first page carries its number"
        assert case_id not in pages[page - 2], f"{case_id} begins on page {page}, not before"
    assert toc["はじめに"] == 2 and toc["奥付"] == len(pages)


def test_a_case_the_privacy_gate_blocks_is_in_no_pdf(printed):
    assert f"公開不可 {LEAKY_ID}" in printed["stdout"]
    text = "".join(printed["pages"])
    assert LEAKY_ID not in text and "06-6771-1234" not in text and squeeze(LEAKY_TITLE) not in squeeze(text)
    assert not (printed["settings"].casebook_dir / "pdf" / f"{LEAKY_ID}.pdf").exists()


def test_no_line_of_the_booklet_starts_with_a_closing_mark(printed):
    lines = [line.strip() for page in printed["pages"] for line in page.splitlines() if line.strip()]
    assert sum("。" in line for line in lines) > 500, "the check reads the cases' prose"
    bad = [line for line in lines if line.startswith(LINE_START_FORBIDDEN)]
    assert not bad, bad[:5]


def test_the_bookmarks_are_the_contents(printed):
    marks = outline(printed["book"])
    toc = contents(printed["pages"])
    chapters = printed["report"]["pdf"]["chapters"]
    assert len(marks) == len(printed["titles"]) + chapters + 3, "cases, chapters, はじめに, 目次, 奥付"
    assert [m[0] for m in marks[:2]] == ["はじめに", "目次"] and marks[-1][0] == "奥付"
    for title, page in marks:
        if title != "目次":
            assert toc[squeeze(title)] == page, f"bookmark {title} → {page}, contents say {toc[squeeze(title)]}"


def test_a_book_laid_out_in_parts_numbers_its_pages_straight_on_across_the_parts(printed):
    """The book is laid out in parts at once (one process each) and merged: the page numbers in the
    foot run on without a gap or a repeat across the parts, and the contents and the bookmarks send
    the reader to the right page for the first case of the second part (where a wrong offset would
    show first)."""
    parts = printed["report"]["pdf"]["parts"]
    assert len(parts) >= 2 and all(p["cases"] for p in parts), parts
    assert sum(p["cases"] for p in parts) == len(printed["titles"])
    feet = [[line.strip() for line in page.splitlines() if line.strip()][-1]
            for page in pdf_pages(printed["book"], layout=True)]
    assert feet[1:] == [str(n) for n in range(2, len(feet) + 1)], "every page but the cover shows its number"
    toc, marks = contents(printed["pages"]), outline(printed["book"])
    in_book = [title for title, _ in marks if title in set(printed["titles"].values())]
    first_of_part_2, last_of_part_1 = in_book[parts[0]["cases"]], in_book[parts[0]["cases"] - 1]
    page = toc[squeeze(first_of_part_2)]
    assert page == dict(marks)[first_of_part_2] == toc[squeeze(in_book[0])] + parts[0]["pages"], \
        "part 2 begins where part 1 (from the first case's page) ends"
    assert squeeze(first_of_part_2) in squeeze(printed["pages"][page - 1])
    assert squeeze(last_of_part_1) in squeeze(printed["pages"][page - 2]), "part 1 ends on the page before"


def test_each_case_has_a_handout_of_its_own_pages_linked_from_its_page(printed):
    out = printed["settings"].casebook_dir
    toc = contents(printed["pages"])
    for case_id, title in printed["titles"].items():
        handout = out / "pdf" / f"{case_id}.pdf"
        first = toc[squeeze(title)]
        pages = pdf_pages(handout)
        assert 2 <= len(pages) <= 6, f"{case_id}: {len(pages)} pages"
        assert pages == printed["pages"][first - 1:first - 1 + len(pages)], "the handout is the booklet's pages"
        assert re.search(rf"^Title:\s+{re.escape(title)} \|", _run("pdfinfo", str(handout)), re.M)
        html = (out / "cases" / f"{case_id}.html").read_text(encoding="utf-8")
        assert f'<a href="../pdf/{case_id}.pdf" type="application/pdf">印刷用 PDF</a>' in html


def test_the_same_casebook_prints_to_the_same_bytes(printed):
    from casebook.pipeline.build import build_casebook

    before = hashlib.sha256(printed["book"].read_bytes()).hexdigest()
    handout = next(iter(printed["titles"]))
    handout_before = (printed["settings"].casebook_dir / "pdf" / f"{handout}.pdf").read_bytes()
    shutil.rmtree(printed["settings"].cache_dir / "casebook" / "pdf")   # nothing cached: laid out again
    with pytest.MonkeyPatch.context() as mp:
        for k, v in printed["settings"].environ().items():
            mp.setenv(k, v)
        mp.delenv("WORKBENCH_DB_URL", raising=False)
        from casebook.pipeline.params import load_casebook_params

        params = load_casebook_params(printed["params"])
        params.pdf.enabled = True
        report = build_casebook(printed["settings"], params, jobs=2, progress=False, force=True)
    assert len(report.built) == 26 and not report.pdf["book_cached"]
    assert hashlib.sha256(printed["book"].read_bytes()).hexdigest() == before
    assert (printed["settings"].casebook_dir / "pdf" / f"{handout}.pdf").read_bytes() == handout_before



def structure(path: Path) -> dict:
    """A tagged PDF read as a screen reader walks it: the structure tree from its root (pikepdf), each
    element with the pages its content is on, checked on the way (every kid's /P is its element,
    every /Pg a page of the document, every page's marked content owned through the parent tree by an
    element of that page that reaches the root), and each heading's text and pages, its text read from
    the marked content its elements point to. (poppler's `pdfinfo -struct-text` reads the same, but
    takes minutes on a book of this size.)"""
    import pikepdf

    def kids_of(element):
        kids = element.get("/K")
        return list(kids) if isinstance(kids, pikepdf.Array) else [] if kids is None else [kids]

    with pikepdf.open(path) as pdf:
        page_no = {page.obj.objgen: n for n, page in enumerate(pdf.pages)}
        root = pdf.Root.StructTreeRoot
        info = {"lang": str(pdf.Root.get("/Lang", "")), "marked": bool(pdf.Root.MarkInfo.Marked),
                "display_title": bool(pdf.Root.ViewerPreferences.DisplayDocTitle)}
        elements, records, todo = [], {}, [(root, None)]
        while todo:
            element, parent = todo.pop()
            record = {"s": str(element.get("/S", "")), "pages": set(), "kids": [], "alt": str(element.get("/Alt", "")),
                      "headers": len(element.A.get("/Headers", [])) if isinstance(element.get("/A"), pikepdf.Dictionary) else 0}
            if parent is not None:
                assert element.P.objgen == parent.objgen, "an element's /P is the element that holds it"
                records[parent.objgen]["kids"].append(record)
            records[element.objgen] = record
            elements.append(record)
            record["marked"] = []   # (page, MCID) of its own content, in order
            for holder in [element] + [k for k in kids_of(element) if isinstance(k, pikepdf.Dictionary)
                                       and k.get("/Type") == "/MCR"]:
                if "/Pg" in holder:
                    assert holder.Pg.objgen in page_no, "a /Pg is a page of this document"
                    record["pages"].add(page_no[holder.Pg.objgen])
            for kid in kids_of(element):
                if isinstance(kid, int) and "/Pg" in element:
                    record["marked"].append((page_no[element.Pg.objgen], kid))
                elif isinstance(kid, pikepdf.Dictionary) and kid.get("/Type") == "/MCR":
                    record["marked"].append((page_no[kid.get("/Pg", element.get("/Pg")).objgen], int(kid.MCID)))
            for kid in reversed(kids_of(element)):
                if isinstance(kid, pikepdf.Dictionary) and kid.get("/Type") not in ("/MCR", "/OBJR"):
                    todo.append((kid, element))
        for record in reversed(elements):   # kids come after their element: its pages are theirs too
            for kid in record["kids"]:
                record["pages"] |= kid["pages"]
        nums = root.ParentTree.Nums
        parents = {int(nums[i]): nums[i + 1] for i in range(0, len(nums), 2)}
        for n, page in enumerate(pdf.pages):
            streams = page.obj.Contents if isinstance(page.obj.Contents, pikepdf.Array) else [page.obj.Contents]
            mcids = {int(m) for m in re.findall(rb"/MCID (\d+)", b"".join(s.read_bytes() for s in streams))}
            for mcid in mcids:
                owner = parents[int(page.obj.StructParents)][mcid]
                assert owner.Pg.objgen == page.obj.objgen and mcid in list(owner.K), \
                    f"page {n + 1}: its marked content {mcid} belongs to an element of that page"
                for _ in range(200):   # up to the root (WeasyPrint's running heads are not their parent's kids)
                    if owner.objgen in records:
                        break
                    owner = owner.P
                assert owner.objgen in records, f"page {n + 1}: marked content {mcid} is in the tree"
        info["elements"] = elements[1:]
        texts: dict[int, dict[int, str]] = {}

        def text_of(record) -> str:
            for n, _ in record["marked"]:
                if n not in texts:
                    texts[n] = marked_text(pdf.pages[n])
            own = "".join(texts[n].get(mcid, "") for n, mcid in record["marked"])
            return own + "".join(text_of(kid) for kid in record["kids"])

        info["headings"] = [(squeeze(text_of(r)), r["pages"]) for r in elements if re.fullmatch(r"/H\d?", r["s"])]
    return info


def marked_text(page) -> dict[int, str]:
    """{MCID: its text} on a page: the text shown inside each marked-content sequence, read through the
    fonts' ToUnicode maps (WeasyPrint's: two-byte codes, Identity-H)."""
    import pikepdf

    fonts = {}
    for name, font in page.obj.Resources.get("/Font", {}).items():
        data = font.ToUnicode.read_bytes().decode("latin-1") if "/ToUnicode" in font else ""
        cmap = {}
        for block in re.findall(r"beginbfchar(.*?)endbfchar", data, re.S):
            for src, dst in re.findall(r"<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>", block):
                cmap[int(src, 16)] = bytes.fromhex(dst).decode("utf-16-be")
        for block in re.findall(r"beginbfrange(.*?)endbfrange", data, re.S):
            for lo, hi, dst in re.findall(r"<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>", block):
                for code in range(int(lo, 16), int(hi, 16) + 1):
                    cmap[code] = chr(int(dst, 16) + code - int(lo, 16))
        fonts[name] = cmap
    texts: dict[int, str] = {}
    marks: list = []
    cmap: dict = {}
    for operands, operator in pikepdf.parse_content_stream(page):
        op = str(operator)
        if op == "BDC":
            props = operands[1]
            marks.append(int(props.MCID) if isinstance(props, pikepdf.Dictionary) and "/MCID" in props else None)
        elif op == "BMC":
            marks.append(None)
        elif op == "EMC" and marks:
            marks.pop()
        elif op == "Tf":
            cmap = fonts.get(str(operands[0]), {})
        elif op in ("Tj", "TJ"):
            mcid = next((m for m in reversed(marks) if m is not None), None)
            strings = operands[0] if op == "TJ" else [operands[0]]
            for string in strings:
                if isinstance(string, pikepdf.String) and mcid is not None:
                    raw = bytes(string)
                    texts[mcid] = texts.get(mcid, "") + "".join(
                        cmap.get(int.from_bytes(raw[i:i + 2], "big"), "") for i in range(0, len(raw) - 1, 2))
    return texts


def test_the_booklet_and_every_handout_are_tagged_across_the_parts(printed):
    """The book is laid out in parts and merged, each handout copied out of it: both stay tagged PDF
    as a book laid out at once is (structure tree, /Lang ja, figures' alternative text, table cells
    naming their headers), and the tree reaches the case pages of every part: each case's title is a
    heading on the page where the contents say it begins."""
    parts = printed["report"]["pdf"]["parts"]
    assert len(parts) >= 2
    assert re.search(r"^Tagged:\s+yes", _run("pdfinfo", str(printed["book"])), re.M)
    book = structure(printed["book"])
    assert book["lang"] == "ja" and book["marked"] and book["display_title"]
    kinds = {r["s"] for r in book["elements"]}
    for wanted in ("/H1", "/H2", "/P", "/Table", "/TH", "/TD", "/L", "/LI", "/Figure", "/Link"):
        assert wanted in kinds, f"no {wanted} in the book's structure tree"
    assert all(r["headers"] for r in book["elements"] if r["s"] == "/TD"), "every data cell names its headers"
    ecomaps = [r for r in book["elements"] if r["s"] == "/Figure" and r["alt"].startswith("エコマップ")]
    assert len(ecomaps) == len(printed["titles"]) and all("関係線" in r["alt"] for r in ecomaps)
    headings = book["headings"]
    toc = contents(printed["pages"])
    for title in printed["titles"].values():
        page = toc[squeeze(title)] - 1
        found = [pages for text, pages in headings if text == squeeze(title)]
        assert any(page in pages for pages in found), f"{title}: no heading on page {page + 1} ({found})"
    covered = set().union(*(r["pages"] for r in book["elements"]))
    assert covered == set(range(len(printed["pages"]))), "every page has tagged content, in both parts too"

    out = printed["settings"].casebook_dir / "pdf"
    for case_id, title in printed["titles"].items():
        handout = out / f"{case_id}.pdf"
        assert re.search(r"^Tagged:\s+yes", _run("pdfinfo", str(handout)), re.M)
        tagged = structure(handout)
        assert tagged["lang"] == "ja" and tagged["marked"] and tagged["display_title"]
        texts = [text for text, _ in tagged["headings"]]
        assert squeeze(title) in texts, f"{case_id}: {texts}"
        others = [squeeze(t) for other_id, t in printed["titles"].items() if other_id != case_id]
        strays = [t for t in texts if t in others]
        assert not strays, f"{case_id}: only its own case's elements, not {strays}"
        figures = [r for r in tagged["elements"] if r["s"] == "/Figure" and r["alt"].startswith("エコマップ")]
        assert len(figures) == 1, f"{case_id}: its own ecomap"
        assert all(r["headers"] for r in tagged["elements"] if r["s"] == "/TD")


def _pages_of_each(doc, tag: str, css_class: str = "") -> dict[int, set[int]]:
    """{element: pages it has a box on} for every element `tag` (with `css_class`) of a laid-out document."""
    seen: dict[int, set[int]] = {}
    for n, page in enumerate(doc.pages):
        for box in page._page_box.descendants():
            el = getattr(box, "element", None)
            name = str(getattr(box, "element_tag", "")).rsplit("}", 1)[-1]   # svg boxes carry the SVG namespace
            if name == tag and el is not None and css_class in el.get("class", "").split() + [""]:
                seen.setdefault(id(el), set()).add(n)
    return seen


def test_a_long_timeline_continues_with_its_header_row_and_no_row_or_drawing_is_cut():
    """A case whose support ran for years: its timeline needs more than a page. Each row stays whole on
    one page, the header row is printed again on the next page, the ecomap and each chart stay whole,
    and the list of ecomap relations is written out."""
    import datetime as dt

    from casebook import render
    from casebook.pipeline.params import CasebookParams
    from casebook.pipeline.printed import book_info, chapters
    from casebook.render import html, pages, pdf

    gen = _gen()
    case = gen.make_cases(3)[2]
    case = case.model_copy(update={"timeline": list(case.timeline) * 12})
    figures = [r for r in gen.make_activity() if r.ward == case.ward and r.theme in case.themes]
    entry = render.Entry.of(case)
    book = book_info(CasebookParams(), [entry], dt.date(2026, 3, 31))
    body = html.markup(pages.case_page_html(case, pages.ward_figures_from(figures, case)))
    book["chapters"] = [{**c, "cases": [{"id": case.id, "title": case.title, "body": body}]}
                        for c in chapters([entry], "theme")]
    doc = pdf.layout(pdf.book_html(book))

    # The timeline's own rows (each chart has a small table of its figures too).
    timeline = next(box.element for page in doc.pages for box in page._page_box.descendants()
                    if getattr(box, "element_tag", "") == "table" and "cb-timeline" in box.element.get("class", ""))
    inside = {id(el) for el in timeline.iter()}
    rows = {k: v for k, v in _pages_of_each(doc, "tr").items() if k in inside}
    assert len(rows) == len(case.timeline) + 1
    header, *body_rows = rows.values()
    assert all(len(p) == 1 for p in body_rows), "a row is never cut across pages"
    [table_pages] = _pages_of_each(doc, "table", "cb-timeline").values()
    assert len(table_pages) >= 2, "the long timeline continues on the next page"
    [thead_pages] = [v for k, v in _pages_of_each(doc, "thead").items() if k in inside]
    assert thead_pages == header == table_pages, "the header row is repeated on every page of the table"
    for tag, cls in (("figure", "cb-ecomap"), ("svg", ""), ("figure", "cb-chart")):
        drawn = _pages_of_each(doc, tag, cls)
        assert drawn and all(len(p) == 1 for p in drawn.values()), f"a {tag}.{cls} is never cut"
    names = {n.id: n.label for n in case.ecomap.nodes}
    printed_text = squeeze(" ".join(getattr(b, "text", "") for p in doc.pages for b in p._page_box.descendants()))
    assert f"関係線の一覧（{len(case.ecomap.ties)}本）" in printed_text
    for tie in case.ecomap.ties:
        assert squeeze(f"{names[tie.source]} ― {names[tie.target]}") in printed_text, "every relation is written out"
