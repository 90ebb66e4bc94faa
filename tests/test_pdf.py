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
