"""The casebook build as the editor runs it before a training day: `workbench build` executes the case
page notebook for each case with papermill, renders it with nbconvert, writes index pages and an
offline search, swaps the result into build/casebook/ — and rebuilds only what changed."""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from casebook.model import Case, WardActivity
from casebook.settings import Settings

REPO = Path(__file__).resolve().parent.parent
WORKBENCH = str(Path(sys.executable).with_name("workbench"))
XSS_TITLE = "<script>alert('title')</script>見守りの記録"
XSS_TEXT = "<img src=x onerror=alert('img')> </textarea><b>太字</b> {{ 7*7 }} {% raw %} 見守り"

pytestmark = pytest.mark.slow


def _gen():
    spec = importlib.util.spec_from_file_location("gen_cases", REPO / "benchmarks" / "gen_cases.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def xss_case() -> Case:
    base = _gen().make_cases(7)[6].model_dump()
    base.update(id="2025-27122-09", ward="西成区", fiscal_year=2025, title=XSS_TITLE, reason=XSS_TEXT, keywords=[XSS_TEXT[:40]])
    base["timeline"][0]["support"] = XSS_TEXT
    base["comments"][0]["text"] = XSS_TEXT
    base["ecomap"]["nodes"][1]["label"] = "<script>x</script>"
    return Case.model_validate(base)


def fill(settings: Settings, n: int = 6, extra: list[Case] = ()) -> list[Case]:
    """A store with n generated approved cases (+ extra) and the ward figures."""
    from casebook.store import Store

    gen = _gen()
    cases = gen.make_cases(n) + list(extra)
    with Store.open(settings) as store:
        store.import_all(cases=cases, activity=gen.make_activity(), author="test")
    return cases


def build(settings: Settings, **kw):
    from casebook.pipeline.build import build_casebook

    kw.setdefault("jobs", 2)
    return build_casebook(settings, None, progress=False, **kw)


def build_once(tmp_path_factory, name: str, n: int):
    """A casebook of n generated cases and a case full of markup, in a store and build dir of its own."""
    root = tmp_path_factory.mktemp(name)
    settings = Settings(data_dir=root / "data", build_dir=root / "build")
    with pytest.MonkeyPatch.context() as mp:
        for k, v in settings.environ().items():
            mp.setenv(k, v)
        mp.delenv("WORKBENCH_DB_URL", raising=False)
        cases = fill(settings, n, [xss_case()])
        report = build(settings)
    return settings, cases, report


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """One casebook built once for the read-only tests."""
    return build_once(tmp_path_factory, "casebook", 6)


# --- a finished casebook ------------------------------------------------------------------------

def test_a_build_makes_every_page_the_indexes_and_a_report(built):
    settings, cases, report = built
    out = settings.casebook_dir
    assert report.ok and len(report.built) == len(cases) and not report.cached and not report.failed
    for case in cases:
        page = (out / "cases" / f"{case.id}.html").read_text(encoding="utf-8")
        assert "2023年度（令和5年度）" in page or "2024年度（令和6年度）" in page or "2025年度（令和7年度）" in page
        assert "エコマップ" in page and "支援の経過" in page and "助言者コメント" in page
    saved = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert {c["case_id"] for c in saved["built"]} == {c.id for c in cases}
    assert saved["cached"] == [] and saved["failed"] == [] and saved["blocked"] == []
    assert set(saved["times"]) >= {"select", "gate", "execute", "site", "total"}
    assert report.pages_kb["max"] <= 40, "a case page stays under 40 KB"


def test_ward_index_lists_all_24_wards_with_counts_including_zero(built):
    settings, cases, _ = built
    html = (settings.casebook_dir / "wards" / "index.html").read_text(encoding="utf-8")
    rows = re.findall(r'<li( class="cb-zero")?><a href="(\d{5})\.html">([^<]+)</a><span class="cb-count">（(\d+)件', html)
    assert len(rows) == 24
    counts = {name: int(n) for _z, _code, name, n in rows}
    assert counts["北区"] == sum(c.ward == "北区" for c in cases) == 1
    assert counts["西成区"] == 1 and counts["生野区"] == 0
    assert all(z for z, _c, name, n in rows if n == "0"), "zero-count wards are shown, greyed"
    for code in re.findall(r'href="(\d{5})\.html"', html):
        assert (settings.casebook_dir / "wards" / f"{code}.html").exists()
    themes = (settings.casebook_dir / "themes" / "index.html").read_text(encoding="utf-8")
    assert themes.count('class="cb-count"') == 13
    years = (settings.casebook_dir / "years" / "index.html").read_text(encoding="utf-8")
    assert "2023年度（令和5年度）" in years and "2025年度（令和7年度）" in years


REMOTE = [
    re.compile(r"""(?:src|href|action|poster|data)\s*=\s*["']?\s*(?:https?:)?//""", re.I),
    re.compile(r"""url\(\s*["']?\s*(?:https?:)?//""", re.I),
    re.compile(r"""@import\s+["']?(?:url\()?\s*["']?(?:https?:)?//""", re.I),
    re.compile(r"""(?:fetch|XMLHttpRequest|importScripts|WebSocket|EventSource)\s*\(""", re.I),
    re.compile(r"cdnjs|jsdelivr|unpkg|googleapis|MathJax|require\.js|requirejs|embed-amd", re.I),
]


def test_no_built_file_refers_to_anything_on_the_network(built):
    settings, _, _ = built
    files = [p for p in settings.casebook_dir.rglob("*") if p.is_file()]
    assert len(files) > 40
    for path in files:
        text = path.read_text(encoding="utf-8")
        for pattern in REMOTE:
            m = pattern.search(text)
            assert m is None, f"{path.relative_to(settings.casebook_dir)}: {m.group(0)!r}"
        # The only http(s) URLs allowed are XML namespace names inside inline SVG (never fetched).
        for url in re.findall(r"https?://[^\s\"'<>)]+", text):
            assert url in ("http://www.w3.org/2000/svg", "http://www.w3.org/1999/xlink"), (path.name, url)


def test_markup_typed_into_a_case_is_text_on_its_page_in_the_index_and_in_the_search(built):
    settings, _, _ = built
    out = settings.casebook_dir
    page = (out / "cases" / "2025-27122-09.html").read_text(encoding="utf-8")
    ward = (out / "wards" / "27122.html").read_text(encoding="utf-8")
    home = (out / "index.html").read_text(encoding="utf-8")
    for html in (page, ward):
        assert "<script>alert" not in html and "<img src=x" not in html and "</textarea>" not in html
        assert "&lt;script&gt;alert(&#39;title&#39;)&lt;/script&gt;見守りの記録" in html \
            or "&lt;script&gt;alert('title')&lt;/script&gt;見守りの記録" in html
    assert "<title>&lt;script&gt;" in page, "the page title is escaped too"
    assert "{{ 7*7 }}" in page and "{% raw %}" in page and "&lt;/textarea&gt;&lt;b&gt;太字&lt;/b&gt;" in page
    assert home.count("<script") == 2, "only the two search scripts"
    index = (out / "assets" / "search-index.js").read_text(encoding="utf-8")
    assert "<" not in index and ">" not in index
    assert "\\u003cscript\\u003ealert('title')\\u003c/script\\u003e見守りの記録" in index


# --- rebuilding --------------------------------------------------------------------------------------

def test_editing_one_case_rebuilds_that_page_and_takes_the_rest_from_the_cache(settings, tmp_path):
    from casebook.store import Store

    cases = fill(settings, 6)
    first = build(settings)
    assert len(first.built) == 6

    again = build(settings)
    assert not again.built and len(again.cached) == 6, "nothing changed: nothing executed"

    with Store.open(settings) as store:
        rec = store.get_case(cases[2].id)
        edited = rec.case.model_copy(update={"title": "見直した事例タイトル"})
        store.save_case(edited, author="編集者C", base_version=rec.version)
    after_edit = build(settings)
    assert [b["case_id"] for b in after_edit.built] == [cases[2].id] and len(after_edit.cached) == 5
    assert "見直した事例タイトル" in (settings.casebook_dir / "cases" / f"{cases[2].id}.html").read_text(encoding="utf-8")

    # A ward figure its chart shows is data the page depends on: only that ward's case is rebuilt.
    case = cases[4]
    with Store.open(settings) as store:
        row = store.activity(ward=case.ward, theme=case.themes[0])[0]
        store.put_activity([WardActivity(**{**row.model_dump(), "value": row.value + 1000})])
    after_figures = build(settings)
    assert [b["case_id"] for b in after_figures.built] == [case.id]
    assert f"{row.value + 1000:,.0f}" in (settings.casebook_dir / "cases" / f"{case.id}.html").read_text(encoding="utf-8")

    # A changed notebook or template folder rebuilds every page.
    notebook = tmp_path / "case_page.ipynb"
    nb = json.loads((REPO / "notebooks" / "case_page.ipynb").read_text(encoding="utf-8"))
    nb["cells"][0]["source"].append("\n（説明を1行追加）")
    notebook.write_text(json.dumps(nb, ensure_ascii=False), encoding="utf-8")
    shutil.copy(REPO / "notebooks" / "case_page.ipynb", tmp_path / "unused.ipynb")
    assert len(build(settings, notebook=notebook).built) == 6

    templates = tmp_path / "templates"
    shutil.copytree(REPO / "casebook" / "templates", templates)
    page_tpl = templates / "nbconvert" / "casebook_page" / "index.html.j2"
    page_tpl.write_text(page_tpl.read_text(encoding="utf-8").replace(
        '<main class="cb-main" id="case">', '<main class="cb-main cb-new-look" id="case">'), encoding="utf-8")
    new_look = build(settings, notebook=notebook, templates=templates)
    assert len(new_look.built) == 6
    assert "cb-new-look" in (settings.casebook_dir / "cases" / f"{cases[0].id}.html").read_text(encoding="utf-8")
    assert len(build(settings, notebook=notebook, templates=templates).cached) == 6


def test_a_case_the_page_refuses_is_reported_with_cell_and_message_and_the_rest_is_built(settings):
    gen = _gen()
    broken = gen.make_cases(7)[6].model_copy(update={"id": "2025-27126-07"})
    broken = Case.model_validate({**broken.model_dump(), "ethics": {"consent": False, "anonymised": True}})
    cases = fill(settings, 4, [broken])
    proc = subprocess.run([WORKBENCH, "build", "--jobs", "2"], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "失敗 2025-27126-07（セル 3）PageError" in proc.stdout and "本人同意" in proc.stdout
    report = json.loads((settings.casebook_dir / "report.json").read_text(encoding="utf-8"))
    [failed] = report["failed"]
    # cell 3 of the executed notebook: the load-and-check cell after papermill's injected parameters
    assert failed["case_id"] == "2025-27126-07" and failed["cell"] == 3 and failed["ename"] == "PageError"
    assert "倫理 › 本人同意 が確認されていない" in failed["evalue"]
    for case in cases[:4]:
        assert (settings.casebook_dir / "cases" / f"{case.id}.html").exists()
    assert not (settings.casebook_dir / "cases" / "2025-27126-07.html").exists()
    assert "2025-27126-07" not in (settings.casebook_dir / "index.html").read_text(encoding="utf-8")


def test_a_case_with_personal_information_is_blocked_with_field_and_text(settings):
    from casebook.store import Store
    from casebook.workflow import gate

    gen = _gen()
    leaky = gen.make_cases(6)[5].model_dump()
    leaky["id"] = "2024-27116-05"
    leaky["person"]["life_history"] = "山田太郎さんは電話番号 06-6771-1234 で連絡がつく。"
    cases = fill(settings, 3, [Case.model_validate(leaky)])
    proc = subprocess.run([WORKBENCH, "build", "--jobs", "2"], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 1, "a blocked case makes the build say so in its exit code"
    assert "個人情報の指摘があり載せなかった事例があります" in proc.stdout and "公開不可 2024-27116-05" in proc.stdout
    assert "06-6771-1234" in proc.stdout
    report = json.loads((settings.cache_dir / "casebook" / "report.json").read_text(encoding="utf-8"))
    assert [b["case_id"] for b in report["blocked"]] == ["2024-27116-05"] and report["failed"] == []
    findings = report["blocked"][0]["findings"]
    assert any(f["field"] == "person.life_history" and "06-6771-1234" in f["text"] for f in findings), findings
    assert all(f["label"].startswith("本人・世帯の状況") for f in findings)
    # The casebook folder is handed out: its copy names the case and fields, never the flagged text.
    site = (settings.casebook_dir / "report.json").read_text(encoding="utf-8")
    assert [b["case_id"] for b in json.loads(site)["blocked"]] == ["2024-27116-05"]
    assert "person.life_history" in site and "06-6771-1234" not in site and "山田" not in site
    assert len(report["built"]) == 3
    assert not (settings.casebook_dir / "cases" / "2024-27116-05.html").exists()
    assert "2024-27116-05" not in (settings.casebook_dir / "assets" / "search-index.js").read_text(encoding="utf-8")

    # The verdict is remembered for the same text: a rebuild blocks it again without rebuilding the rest.
    again = build(settings)
    assert [b["case_id"] for b in again.blocked] == ["2024-27116-05"] and not again.built
    assert again.exit_code == 1 and not again.ok

    # An editor judges every finding harmless, with a reason: the next build publishes the case.
    with Store.open(settings) as store:
        for b in gate(store.get_case("2024-27116-05").case):
            store.record_override("2024-27116-05", field=b.field, kind=b.finding.kind, text=b.finding.text,
                                  editor="編集者D", reason="架空の事例の記述であり、実在の人物・番号ではない")
    cleared = build(settings)
    assert [b["case_id"] for b in cleared.built] == ["2024-27116-05"] and not cleared.blocked
    assert cleared.ok and cleared.exit_code == 0 and len(cleared.cached) == len(cases) - 1
    assert (settings.casebook_dir / "cases" / "2024-27116-05.html").exists()


def test_a_few_changed_pages_are_replaced_in_place_and_the_casebook_equals_a_full_build(settings):
    """One case edited among many: its page, the index pages showing its title and the search index are
    replaced file by file inside the casebook a reader has open (no new folder), the other pages are not
    touched — and the result is byte for byte what a full build of the same store makes."""
    from casebook.pipeline import site as search
    from casebook.store import Store

    cases = fill(settings, 6)
    assert build(settings).ok
    out = settings.casebook_dir
    folder, untouched = out.stat().st_ino, (out / "cases" / f"{cases[0].id}.html").stat().st_ino
    with Store.open(settings) as store:
        rec = store.get_case(cases[3].id)
        store.save_case(rec.case.model_copy(update={"title": "夜間の見回り隊と作る居場所"}), author="編集者C",
                        base_version=rec.version)
    report = build(settings)
    assert [b["case_id"] for b in report.built] == [cases[3].id] and report.ok
    assert report.times["swap"] == 0.0 and out.stat().st_ino == folder, "updated in place, not swapped"
    assert (out / "cases" / f"{cases[0].id}.html").stat().st_ino == untouched, "an unchanged page stays as it is"
    assert "夜間の見回り隊と作る居場所" in (out / "cases" / f"{cases[3].id}.html").read_text(encoding="utf-8")
    ward_page = out / "wards" / f"{cases[3].id.split('-')[1]}.html"   # the ward's listing shows the title
    assert "夜間の見回り隊と作る居場所" in ward_page.read_text(encoding="utf-8")
    text = (out / "assets" / "search-index.js").read_text(encoding="utf-8")
    index = json.loads(text[text.index("=") + 1:].rstrip().rstrip(";"))
    assert [index["docs"][n][0] for n in search.search(index, "見回り隊")] == [cases[3].id]
    assert not [p for p in out.rglob(".*") if p.is_file()], "no temporary file is left in the casebook"

    def files():
        return {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file() and p.name != "report.json"}

    in_place = files()
    full = build(settings, force=True)
    assert len(full.built) == 6 and full.times["swap"] > 0 and out.stat().st_ino != folder, "a new folder swapped in"
    assert files() == in_place


def test_a_killed_build_leaves_the_previous_casebook_as_it_was(settings):
    import psutil

    fill(settings, 6)
    assert build(settings).ok
    out = settings.casebook_dir
    before = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}

    proc = subprocess.Popen([WORKBENCH, "build", "--force", "--jobs", "2"], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.time() + 60
    while time.time() < deadline:  # kill once its page workers run: the build is about to execute cases
        if proc.poll() is not None:
            pytest.fail("the build finished before it could be killed")
        workers = psutil.Process(proc.pid).children(recursive=True)
        if workers:
            break
        time.sleep(0.02)
    time.sleep(0.1)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)
    psutil.wait_procs(workers, timeout=20)   # the workers die a moment after the build (they hold its lock)
    after = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert after == before, "the old casebook is untouched"

    again = build(settings)
    assert again.ok and len(again.cached) + len(again.built) == 6
    assert not list(settings.build_dir.glob(".casebook-*")), "what the killed build left is cleaned up"


def test_a_build_killed_alone_takes_its_workers_with_it_and_the_next_build_runs(settings):
    """The build's process killed by itself (the out-of-memory killer, `kill PID`): its forked workers,
    which hold copies of its lock, end with it, so the next build is not refused as one still running."""
    import psutil

    fill(settings, 6)
    proc = subprocess.Popen([WORKBENCH, "build", "--jobs", "2"], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    workers: list = []
    deadline = time.time() + 60
    while not workers and time.time() < deadline:
        if proc.poll() is not None:
            pytest.fail("the build finished before it could be killed")
        workers = psutil.Process(proc.pid).children()
        time.sleep(0.02)
    time.sleep(0.2)   # the workers have started (and begun their pages)
    proc.kill()
    proc.wait(timeout=10)
    _, alive = psutil.wait_procs(workers, timeout=20)
    assert not alive, "no worker outlives the build"
    again = build(settings)
    assert again.ok and len(again.built) + len(again.cached) == 6


def test_bad_parameter_file_is_refused_by_field_and_nothing_runs(settings, tmp_path):
    fill(settings, 2)
    bad = tmp_path / "bad.yaml"
    bad.write_text("title: 生野区の事例\nwards: [生野区, 堺市北区]\nfiscal_years: [令和99年度]\nlayout: wide\n", encoding="utf-8")
    proc = subprocess.run([WORKBENCH, "build", str(bad)], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1
    assert "wards[1]（区）: 「堺市北区」は大阪市の区ではありません" in proc.stderr
    assert "fiscal_years[0]（年度）" in proc.stderr and "layout: この項目は使えません" in proc.stderr
    assert not settings.casebook_dir.exists() and not settings.cache_dir.exists()


def test_a_parameter_set_selects_wards_and_years(settings, tmp_path):
    cases = fill(settings, 8)
    params = tmp_path / "kita.yaml"
    params.write_text("title: 北区と都島区の事例\nwards: [北区, 大阪市都島区]\nfiscal_years: 令和5年度\n", encoding="utf-8")
    from casebook.pipeline.build import build_casebook

    report = build_casebook(settings, params, jobs=1, progress=False)
    wanted = {c.id for c in cases if c.ward in ("北区", "都島区") and c.fiscal_year == 2023}
    assert {b["case_id"] for b in report.built} == wanted and report.selected == len(wanted)
    assert "北区と都島区の事例" in (settings.casebook_dir / "index.html").read_text(encoding="utf-8")


def test_a_large_build_runs_pages_in_worker_processes_and_equals_a_build_on_kernels(settings, monkeypatch):
    """Many pages to make: worker processes gate the cases and run the pages in-process (no kernel),
    the first pages while later cases are still read and gated. The casebook is byte for byte the one
    kernels make; a page that fails is reported with the same cell and error, and a case with personal
    information is blocked with the same findings."""
    from casebook.pipeline import build as build_module
    from casebook.pipeline import executors, runs

    gen = _gen()
    broken = gen.make_cases(7)[6].model_copy(update={"id": "2025-27126-07"})
    broken = Case.model_validate({**broken.model_dump(), "ethics": {"consent": False, "anonymised": True}})
    leaky = gen.make_cases(8)[7].model_dump()
    leaky["id"] = "2024-27116-08"
    leaky["person"]["life_history"] = "山田太郎さんは電話番号 06-6771-1234 で連絡がつく。"
    cases = fill(settings, 6, [broken, Case.model_validate(leaky)])
    monkeypatch.setattr(executors, "PROCESSES_FROM", 1)
    monkeypatch.setattr(build_module, "EARLY_FROM", 1)
    monkeypatch.setattr(runs, "GATE_BATCH", 2)
    monkeypatch.setattr(build_module, "READ_CHUNK", 3)   # three chunks: pages start before the gate ends
    # the workers gate from the first batch (a real build gates here while they start)
    monkeypatch.setattr(executors.ProcessExecutor, "ready", lambda self: all(f.result() for f in self._started))
    finish = runs.Gating.finish

    def finish_after_the_early_pages(self):
        """The early pages all done and in the page cache before the build decides what it lacks (on
        a big build, most of them are)."""
        finish(self)
        deadline = time.monotonic() + 120
        while self.runs is not None and self.runs._done.qsize() < self.runs._count and time.monotonic() < deadline:
            time.sleep(0.05)

    monkeypatch.setattr(runs.Gating, "finish", finish_after_the_early_pages)
    workers = build(settings)   # forked, or spawned if an earlier test left a thread in this process
    assert workers.executor in ("local processes × 2 (fork)", "local processes × 2 (spawn)")
    assert {b["case_id"] for b in workers.built} == {c.id for c in cases[:6]}
    assert all(b["worker"] for b in workers.built)
    [failed] = workers.failed
    assert failed["case_id"] == "2025-27126-07" and failed["cell"] == 3 and failed["ename"] == "PageError"
    [blocked] = workers.blocked
    assert blocked["case_id"] == "2024-27116-08" and any("06-6771-1234" in f["text"] for f in blocked["findings"])
    out = settings.casebook_dir

    def files():
        return {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file() and p.name != "report.json"}

    by_workers = files()
    monkeypatch.setattr(executors, "PROCESSES_FROM", 10**9)
    monkeypatch.setattr(executors, "fork_safe", lambda: False)   # as in a server with threads: kernels
    kernels = build(settings, force=True)
    assert kernels.executor == "local threads × 2" and len(kernels.built) == 6
    assert [(f["cell"], f["ename"], f["evalue"]) for f in kernels.failed] == [(3, "PageError", failed["evalue"])]
    assert kernels.blocked == workers.blocked
    assert files() == by_workers
    monkeypatch.setattr(executors, "PROCESSES_FROM", 1)   # still no fork: workers spawned, as in a server
    spawned = build(settings, force=True)
    assert spawned.executor == "local processes × 2 (spawn)" and len(spawned.built) == 6
    assert files() == by_workers


def test_the_editor_s_build_forks_one_worker_for_one_changed_case_and_no_kernel(settings):
    """`workbench build` after one edit: the page is made by one worker forked from the build (which
    starts with the store and the model already imported), not on a kernel that has to boot."""
    from casebook.store import Store

    cases = fill(settings, 3)
    assert subprocess.run([WORKBENCH, "build", "--jobs", "2"], capture_output=True, timeout=300).returncode == 0
    with Store.open(settings) as store:
        rec = store.get_case(cases[1].id)
        store.save_case(rec.case.model_copy(update={"title": "一件だけ直した事例"}), author="編集者C",
                        base_version=rec.version)
    proc = subprocess.run([WORKBENCH, "build", "--jobs", "2"], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    report = json.loads((settings.casebook_dir / "report.json").read_text(encoding="utf-8"))
    assert report["executor"] == "local processes × 1 (fork)"
    assert [b["case_id"] for b in report["built"]] == [cases[1].id] and len(report["cached"]) == 2
    assert "一件だけ直した事例" in (settings.casebook_dir / "cases" / f"{cases[1].id}.html").read_text(encoding="utf-8")


def test_workers_are_forked_only_while_no_other_thread_runs(settings):
    """A fork copies one thread: a lock another thread held at that moment would stay held in the
    worker. With a thread running (a server's), a few pages go to warm kernels and many to spawned
    workers; in a process whose threads are gone, the build forks again."""
    from casebook.pipeline import executors

    fill(settings, 2)
    stop = threading.Event()
    other = threading.Thread(target=stop.wait, name="a server's thread")
    other.start()
    try:
        assert not executors.fork_safe()
        assert build(settings).executor == "local threads × 2"
        assert isinstance(executors.make_executor(2, pages=executors.PROCESSES_FROM), executors.ProcessExecutor)
    finally:
        stop.set()
        other.join()
    # this test process may keep other tests' threads: the check after a thread is gone runs in a fresh one
    script = ("import threading\nfrom casebook.pipeline.executors import fork_safe\n"
              "t = threading.Thread(target=lambda: None); t.start(); t.join()\nprint(fork_safe())")
    assert subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=60).stdout.strip() == "True"


def test_the_gate_is_made_ready_once_before_the_workers_are_forked():
    """A cold build compiles the gate's rules and reads its dictionary and name table once, before it
    forks its workers, which share them: the sample it does this with reaches every one of those (in
    a fresh process, as a build's) and is found in full."""
    script = ("import casebook.privacy.dictionary as d, casebook.privacy.likeness as lk\n"
              "from casebook.pipeline.build import _prepare_gate, _GATE_SAMPLE\n"
              "from casebook.privacy import find_pii\n"
              "assert d._DICTIONARY is None and lk._pairs.cache_info().currsize == 0\n"
              "_prepare_gate()\n"
              "print(d._DICTIONARY is not None, lk._pairs.cache_info().currsize,"
              " sorted({f.kind for f in find_pii(_GATE_SAMPLE)}))")
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "True 1 ['address', 'facility', 'person', 'phone']"


def test_the_build_caches_are_written_a_piece_at_a_time_as_the_same_files(tmp_path):
    """The manifest and the bigram and gate caches (10,000 cases: tens of MB of text) are written a
    value at a time, never held whole: each file is exactly what json.dumps makes, and a save that
    fails halfway leaves the previous file as it was, with nothing beside it."""
    from casebook.pipeline.page_cache import write_json_atomic

    path = tmp_path / "manifest.json"
    entry = {"id": "2024-27116-01", "record": "9" * 64, "gate": [{"field": "summary", "text": "\u2028<b>"}],
             "entry": ["2024-27116-01", "夜間の<見守り> & 居場所", "北区", ["高齢"], [], None], "seen": 1.5}
    manifest = {"v": 3, "fp": "f" * 64, "cases": {"a" * 64: entry, "b" * 64: {**entry, "gate": None}},
                "rows": {"2024-27116-01": [3, "2024-05-01T09:00:00+09:00", "a" * 64]}, "empty": {}, "list": []}
    for separators in ((", ", ": "), (",", ":")):
        for depth in (0, 1, 2, 3):
            write_json_atomic(path, manifest, depth=depth, separators=separators)
            assert path.read_text(encoding="utf-8") == json.dumps(manifest, ensure_ascii=False,
                                                                  separators=separators)
    before = path.read_bytes()
    with pytest.raises(TypeError):   # the second case cannot be written: the first is already in the file
        write_json_atomic(path, {"v": 3, "cases": {"a": entry, "b": {"seen": object()}}})
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["manifest.json"]


def test_the_same_build_runs_on_a_dask_cluster(settings):
    from distributed import Client, LocalCluster

    cases = fill(settings, 4)
    with LocalCluster(processes=False, n_workers=1, threads_per_worker=2, dashboard_address=None) as cluster, \
            Client(cluster) as client:
        report = build(settings, scheduler=client)
    assert report.ok and report.executor.startswith("dask")
    assert {b["case_id"] for b in report.built} == {c.id for c in cases}
    assert all(b["worker"] for b in report.built)
    assert (settings.casebook_dir / "cases" / f"{cases[0].id}.html").exists()


def test_case_digests_change_with_the_stored_content_on_both_backends(store_url):
    """What a rebuild relies on to skip reading a case: its digest changes whenever its content does."""
    from casebook.store import Store

    cases = _gen().make_cases(3)
    with Store(store_url) as store:
        store.import_all(cases=cases, author="test")
        before = {d.id: d for d in store.case_digests(status="approved")}
        assert list(before) == [r.case.id for r in store.list_cases(status="approved")]
        assert before[cases[0].id].themes == tuple(cases[0].themes) and before[cases[0].id].version == 1
        rec = store.get_case(cases[1].id)
        store.save_case(rec.case.model_copy(update={"title": "見直した題名"}), author="編集者C", base_version=rec.version)
        store.import_all(cases=[cases[2]], author="test")  # identical content: left alone
        after = {d.id: d for d in store.case_digests()}
        # A rebuild passes what it saw last time: only rows at another version or time are read again.
        known = {d.id: (d.version, d.updated_at.isoformat(), d.sha256) for d in before.values()}
        assert {d.id: d for d in store.case_digests(known=known)} == after
        assert list(store.case_digests(status="approved", known=known)) == list(store.case_digests(status="approved"))
    assert after[cases[1].id].sha256 != before[cases[1].id].sha256 and after[cases[1].id].version == 2
    assert after[cases[0].id] == before[cases[0].id] and after[cases[2].id] == before[cases[2].id]


def test_a_status_change_rereads_the_case_but_keeps_its_page_and_a_page_that_now_fails_leaves_index_and_search(
        settings, tmp_path):
    from casebook.store import Store

    cases = fill(settings, 4)
    assert len(build(settings).built) == 4
    with Store.open(settings) as store:  # approved → published: a new version, the same page
        rec = store.get_case(cases[1].id)
        store.change_status(cases[1].id, "published", author="編集者D", role="editor", base_version=rec.version)
    again = build(settings)
    assert not again.built and len(again.cached) == 4 and again.ok

    # A notebook that refuses one case: every page runs again (new notebook), that one fails, and the
    # index pages and the search index — both taken from the cache before the run — leave it out.
    notebook = tmp_path / "case_page.ipynb"
    nb = json.loads((REPO / "notebooks" / "case_page.ipynb").read_text(encoding="utf-8"))
    nb["cells"].append({"cell_type": "code", "id": "refuse-one", "metadata": {}, "outputs": [], "execution_count": None,
                        "source": f"if case_id == {cases[2].id!r}:\n    raise RuntimeError('この事例は載せません')"})
    notebook.write_text(json.dumps(nb, ensure_ascii=False), encoding="utf-8")
    report = build(settings, notebook=notebook)
    assert [f["case_id"] for f in report.failed] == [cases[2].id] and "この事例は載せません" in report.failed[0]["evalue"]
    assert len(report.built) == 3 and report.exit_code == 1
    out = settings.casebook_dir
    assert not (out / "cases" / f"{cases[2].id}.html").exists()
    assert cases[2].id not in (out / "index.html").read_text(encoding="utf-8")
    assert cases[2].id not in (out / "assets" / "search-index.js").read_text(encoding="utf-8")
    from casebook.pipeline import site as search

    text = (out / "assets" / "search-index.js").read_text(encoding="utf-8")
    index = json.loads(text[text.index("=") + 1:].rstrip().rstrip(";"))
    assert [row[0] for row in index["docs"]] == [c.id for c in cases if c.id != cases[2].id]
    assert search.search(index, "見守り") == [0, 1, 2], "every remaining case is still found"
