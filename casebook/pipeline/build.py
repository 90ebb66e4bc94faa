"""A casebook build: select → privacy gate → execute (papermill, cached) → render → swap into place.

    report = build_casebook(settings, params, jobs=2, force=False, scheduler=None)

1. select the cases the parameter set names from the store — as digests (`Store.case_digests`: index
   columns, version and a SHA-256 of the stored JSON), not as Case objects. Only rows whose version or
   updated_at differ from the manifest's are read and hashed; a case whose stored content is unchanged
   since an earlier build is not read, validated or gated again. As soon as a changed content is
   seen, kernels start booting (in their own processes) while this one carries on;
2. pass each through the privacy gate (`casebook.workflow.gate` with the editor's overrides): a
   case with a finding is not built, the report says which field, which text and why. The verdict
   is kept by the content's SHA-256 and the gate's code; a case with findings is judged again
   whenever its overrides change. New contents are read, derived and gated 500 at a time, so memory
   does not grow with the number of cases;
3. for each remaining case compute a content hash of everything that decides its page — the case
   record (without its workflow status, which the page does not show), the ward figures its
   chart shows, the parameter set's title/options, the notebook, the template folder, the source
   of the modules that draw the page and the versions of the Jupyter stack. A page whose hash is in
   the cache is not executed again (unlike jupyter-cache, data changes are in the key);
4. execute `case_page.ipynb` for the others with papermill on warm kernels (`casebook.pipeline.execute`),
   in parallel threads or on Dask (`casebook.pipeline.executors`); render each with nbconvert
   (`casebook.render`). One failing case is one row of the report, never the end of the build;
5. write the index pages (home, 24 wards with counts, themes, fiscal years), the search index and
   the shared assets into a temporary folder beside `build/casebook/` (unchanged pages are hard
   links into the page cache), then swap it in with one atomic rename: a failed or killed build
   leaves the previous casebook as it was. When nothing changed at all, the casebook in place is
   kept and only its report is renewed. When few pages changed (at most IN_PLACE_MAX of them) and
   the casebook in place was made by the same code, templates and options, it is updated in place
   instead: each changed page, index page and the search index replaced by a rename of its own.

What was derived from each stored content (record hash, index entry, gate verdict) is kept in
`cache/casebook/manifest.json` under the content's SHA-256 and a fingerprint of the code that
derives it; `--force` reads, gates and executes every case again.

The report (`BuildReport`) is returned, printed by the CLI and written to `build/casebook/report.json`
(blocked cases by id and field only: that folder is handed out) and in full to
`build/cache/casebook/report.json`; its exit code is non-zero when any case failed or was blocked.
"""

from __future__ import annotations

import json
import os
import shutil
import time
import uuid
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from casebook.pipeline.folders import BuildError, _lock, _recover, _swap_into_place
from casebook.pipeline.page_cache import (
    SITE_CODE,
    Figures,
    JsonCache,
    Manifest,
    canonical,
    code_files,
    code_fingerprint,
    files_hash,
    page_key,
    place_page,
    prune_pages,
    record_hash,
    sha,
    stack_versions,
    write_atomic,
)
from casebook.pipeline.runs import (  # noqa: F401 (WARMUP: tests)
    EARLY_FROM,
    WARMUP,
    Gating,
    PageRuns,
    collect,
    site_common,
    start_executor,
)
from casebook.pipeline.site import (
    Grams,
    assemble,
    prepare_indexes,
    search_grams,
    write_indexes,
)
from casebook.settings import PACKAGE_DIR

if TYPE_CHECKING:
    from casebook.pipeline.params import CasebookParams
    from casebook.settings import Settings

READ_CHUNK = 500   # new or changed cases read, derived and gated this many at a time
GATE_CODE = ("privacy", "workflow.py", "model.py", "vocab/__init__.py")   # a folder: every .py in it


@dataclass
class BuildReport:
    title: str
    output: str
    params: str | None = None
    executor: str = ""
    started_at: str = field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="seconds"))
    selected: int = 0
    built: list[dict] = field(default_factory=list)
    cached: list[dict] = field(default_factory=list)
    failed: list[dict] = field(default_factory=list)
    blocked: list[dict] = field(default_factory=list)
    times: dict[str, float] = field(default_factory=dict)
    pages_kb: dict[str, float] = field(default_factory=dict)
    pdf: dict = field(default_factory=dict)    # the printed casebook, when asked for (pipeline.printed)
    site_key: str = ""
    site_base: str = ""                       # the site's code, templates and options (not its cases)

    @property
    def ok(self) -> bool:
        """Every selected case is in the casebook: none failed, none was blocked by the privacy gate."""
        return not self.failed and not self.blocked

    @property
    def exit_code(self) -> int:
        return 0 if self.ok else 1

    def to_dict(self) -> dict:
        return asdict(self)

    def site_dict(self) -> dict:
        """to_dict() for the copy inside the casebook folder, which is handed out with it: a blocked
        case keeps its id and the fields flagged, never its title or the flagged text (cache/casebook/
        report.json beside the page cache has those)."""
        data = self.to_dict()
        data["blocked"] = [{"case_id": b["case_id"], "findings": [
            {k: f[k] for k in ("field", "label", "kind")} for f in b["findings"]]} for b in self.blocked]
        return data

    def summary(self) -> str:
        """The end-of-build table, in Japanese."""
        index = Path(self.output) / "index.html"
        rows = [("対象の事例", self.selected), ("実行して作成", len(self.built)), ("キャッシュから", len(self.cached)),
                ("失敗", len(self.failed)), ("公開不可（個人情報の指摘）", len(self.blocked))]
        width = max(len(r[0]) for r in rows) * 2 + 2
        missing = [what for what, rows in (("実行に失敗した事例", self.failed),
                                            ("個人情報の指摘があり載せなかった事例", self.blocked)) if rows]
        lines = [f"事例集「{self.title}」を作りました" + (f"（{'と、'.join(missing)}があります）" if missing else ""), ""]
        lines += [f"  {name}{' ' * (width - 2 * len(name))}{count:>6} 件" for name, count in rows]
        if self.pages_kb:
            lines.append(f"  ページの大きさ  平均 {self.pages_kb['mean']:.1f} KB ・ 最大 {self.pages_kb['max']:.1f} KB")
        if self.pdf:
            lines.append(f"  印刷用 PDF  {self.pdf['book']} {self.pdf['pages']} ページ ・ {self.pdf['kb']:,.0f} KB"
                         f"（1事例あたり {self.pdf['kb_per_case']:.0f} KB）")
        t = self.times
        lines.append("  時間  " + " ・ ".join(f"{label} {t[key]:.2f} 秒" for key, label in (
            ("select", "選択"), ("gate", "確認"), ("execute", "実行"), ("site", "索引"), ("pdf", "PDF"),
            ("swap", "入れ替え"),
            ("total", "合計")) if key in t))
        for f in self.failed:
            cell = f"セル {f['cell']}" if f.get("cell") is not None else "セル不明"
            lines.append(f"  ✗ 失敗 {f['case_id']}（{cell}）{f['ename']}: {f['evalue']}")
        for b in self.blocked:
            for item in b["findings"]:
                lines.append(f"  ! 公開不可 {b['case_id']} {item['label']}: {item['kind']}「{item['text']}」"
                             + (f" → 修正案: {item['suggestion']}" if item.get("suggestion") else ""))
        lines += ["", f"ブラウザで開く: file://{index}" if index.exists() else "（事例集は作られていません）"]
        return "\n".join(lines)


def _derive(case) -> dict:
    """What the build needs of a case besides its page; worked out once per stored content."""
    from casebook import vocab

    return {"id": case.id, "record": record_hash(case), "gate": None,
            "entry": [case.id, case.title, case.ward, vocab.parse_ward(case.ward).code, case.fiscal_year,
                      list(case.themes), list(case.keywords), case.provider_role]}


@dataclass
class _Item:
    """One selected case in this build."""
    id: str
    version: int
    sha: str                  # SHA-256 of the stored content at `version`
    derived: dict
    case: object = None       # the Case, when this build had to read it
    key: str = ""             # page key

    @property
    def title(self) -> str:
        return self.derived["entry"][1]

    @property
    def ward(self) -> str:
        return self.derived["entry"][2]

    def entry(self):
        from casebook.render import Entry

        e = self.derived["entry"]
        return Entry(e[0], e[1], e[2], e[3], e[4], tuple(e[5]), tuple(e[6]), e[7])


def _read_cases(store, digests, statuses) -> dict[str, object]:
    """The Case of each digest, exactly at the digest's version (so what is derived from it belongs to
    that stored content even if someone saves meanwhile); a case deleted meanwhile is left out."""
    from casebook.store import NotFoundError

    if not digests:
        return {}
    out = {}
    if len(digests) > 8:  # many: one query, then fix up any saved meanwhile
        wanted = {d.id: d for d in digests}
        for rec in store.list_cases(status=statuses, ids=list(wanted)):
            d = wanted.get(rec.case.id)
            if d is not None and rec.version == d.version:
                out[d.id] = rec.case
    for d in digests:
        if d.id not in out:
            try:
                out[d.id] = store.case_at(d.id, d.version)
            except NotFoundError:
                pass
    return out


# --- the privacy gate ------------------------------------------------------------------------

def _gate_fingerprint() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        dictionary = version("sudachidict-core") + version("sudachipy")
    except PackageNotFoundError:
        dictionary = "?"
    return sha(files_hash(code_files(GATE_CODE)), files_hash(sorted((PACKAGE_DIR / "vocab").glob("*.yaml"))),
                dictionary)


# Every family of the gate's rules, the dictionary and the name-likeness table take part (fictional).
_GATE_SAMPLE = "孫のそうたくんと山田花子さん（090-1234-5678）が北区梅田1丁目2-3の梅田病院へ。。みちよ"


def _prepare_gate() -> None:
    """The gate made ready in this process (its rules compiled, the dictionary and the tables read)
    before worker processes are forked from it: they share what it read instead of each reading
    its own, about 0.15 s of CPU and some memory a worker."""
    from casebook.privacy import find_pii

    find_pii(_GATE_SAMPLE)


def _gate_findings(case, overrides: list[dict]) -> list[dict]:
    from casebook.model import field_label
    from casebook.workflow import gate

    return [{"field": b.field, "label": field_label(b.field), "kind": b.finding.label, "text": b.finding.text,
             "suggestion": b.suggestion} for b in gate(case, overrides)]


# --- the build -------------------------------------------------------------------------------

def build_casebook(settings: Settings, params: CasebookParams | str | Path | None = None, *,
                   jobs: int | None = None, force: bool = False, scheduler=None, progress: bool | None = None,
                   notebook: Path | None = None, params_path: str | None = None,
                   templates: Path | None = None) -> BuildReport:
    """Build the casebook into `settings.casebook_dir`; see the module docstring. Raises BuildError
    (or ParamsError for a bad parameter file) only when nothing could be built.

    `notebook` and `templates` replace notebooks/case_page.ipynb and casebook/templates (a folder
    laid out the same way): for trying a new look, and for tests."""
    from casebook.pipeline.params import CasebookParams, load_casebook_params

    t_start = time.perf_counter()
    if not isinstance(params, CasebookParams):
        params_path = str(params) if params is not None else None
        params = load_casebook_params(params)
    target = settings.casebook_dir
    report = BuildReport(title=params.title, output=str(target), params=params_path)
    notebook = Path(notebook or settings.notebooks_dir / "case_page.ipynb")
    cache_root = settings.cache_dir / "casebook"
    pages_dir = cache_root / "pages"

    with _lock(settings.build_dir):
        _recover(target)
        from casebook.store import Store, StoreError

        try:
            store = Store.open(settings, read_only=True)
        except StoreError as exc:
            raise BuildError(str(exc)) from exc
        except Exception as exc:
            raise BuildError(f"データベースを開けません: {type(exc).__name__}: {exc}") from exc
        executor = runs = None
        try:
            # 1. select: digests of the stored cases; only rows changed since the last build are read and
            # hashed, only new or changed contents are read as Cases.
            gate_fp = _gate_fingerprint()
            site_fp = files_hash(code_files(SITE_CODE))
            # What is derived from a stored record depends on the model, vocabulary, gate and site code,
            # and pydantic's version — not on the notebook or templates (those are in the page keys).
            manifest = Manifest(cache_root / "manifest.json", sha(gate_fp, site_fp, stack_versions()))
            if force:  # everything is read, gated and executed again
                manifest.cases, manifest.rows = {}, {}
            every = store.case_digests(status=params.statuses, known=manifest.rows)
            manifest.set_rows(every)
            digests = [d for d in every if params.selects(d)]
            need = [d for d in digests if manifest.get(d.sha256) is None]   # new contents
            # Many (a cold build): their pages start as soon as they pass the gate, which the workers share.
            many_new = len(need) >= EARLY_FROM
            if need:
                from casebook.pipeline.executors import fork_safe

                if many_new and fork_safe():   # the forked workers will gate as well
                    _prepare_gate()
                # A changed case (almost always) means a page to execute: the kernels boot from now on, while
                # this process reads, hashes and gates. (A change the page does not show, e.g. its status
                # alone, then costs a kernel started for nothing.)
                executor = start_executor(settings, report, notebook, jobs or params.options.jobs,
                                          scheduler, warm=len(need), templates=templates)
                runs = PageRuns(executor, settings, params, notebook, templates, pages_dir)
            activity = store.activity() if params.options.charts else []
            report.times["select"] = time.perf_counter() - t_start

            # 2. keys, and which pages the cache lacks
            t = time.perf_counter()
            notebook_hash = files_hash([notebook])
            code_hash = code_fingerprint(templates)
            figures = Figures(activity)

            def key_of(derived: dict) -> str:
                e = derived["entry"]
                return page_key(derived["record"], figures.key(e[2], e[5]) if params.options.charts else "",
                                notebook_hash=notebook_hash, code_hash=code_hash, params=params)
            # New contents are read, derived, gated (without overrides) and split into search bigrams a
            # chunk at a time: memory holds one chunk of cases, however many the casebook has.
            grams_known = Grams(cache_root, site_fp)

            def settle(d, derived: dict) -> _Item | None:
                manifest.put(d.sha256, derived)
                if derived["gate"]:   # findings: judged again below, with the editors' overrides
                    return None
                item = _Item(d.id, d.version, d.sha256, derived)
                item.key = key_of(derived)
                return item if force or not (pages_dir / f"{item.key}.html").exists() else None

            gating = Gating(lambda case: _gate_findings(case, []), settle, runs if many_new else None)
            for i in range(0, len(need), READ_CHUNK):
                fresh = _read_cases(store, need[i:i + READ_CHUNK], params.statuses)
                for d in need[i:i + READ_CHUNK]:
                    case = fresh.get(d.id)
                    if case is not None:  # else deleted since its digest was read
                        derived = _derive(case)
                        grams_known.add(derived["record"], case)
                        gating.add(d, derived, case)
                del fresh
            gating.finish()
            items: list[_Item] = []
            for d in digests:
                derived = manifest.get(d.sha256)
                if derived is None:
                    continue
                manifest.touch(d.sha256)
                item = _Item(d.id, d.version, d.sha256, derived)
                item.key = key_of(derived)
                items.append(item)
            report.selected = len(items)
            # pages handed over early count as missing even once done: they are placed as their results come
            handed_over = runs.submitted if runs is not None else set()
            missing = {it.id for it in items
                       if force or it.id in handed_over or not (pages_dir / f"{it.key}.html").exists()}
            report.times["hash"] = time.perf_counter() - t
            if executor is not None and not runs.submitted:
                from casebook.pipeline.executors import outgrown

                if outgrown(executor, len(missing)):   # booted for a few changed cases; many pages after all
                    executor.close()
                    executor = runs = None
            if missing and executor is None:
                # Kernels start (in their own processes) while this process runs the gate and lays out the site.
                executor = start_executor(settings, report, notebook, jobs or params.options.jobs,
                                          scheduler, warm=len(missing), templates=templates)
                runs = PageRuns(executor, settings, params, notebook, templates, pages_dir)

            # 3. privacy gate
            t = time.perf_counter()
            passed = _gate(store, items, manifest, JsonCache(cache_root / "gate.json"), gate_fp, report)
            # The search index needs every listed case's bigrams: read what the cache lacks while the store is open.
            grams = search_grams(store, cache_root, passed, site_fp, manifest, grams_known)
            manifest.save()
            report.times["gate"] = time.perf_counter() - t
        except BaseException:
            if executor is not None:
                executor.close()
            raise
        finally:
            store.close()

        # 4 + 5. execute what is not cached while the site is laid out around it; then one swap
        try:
            _execute_and_swap(report, runs, passed, missing, items, settings, params, notebook, templates,
                              target, pages_dir, cache_root, grams, code_hash, site_fp, progress, t_start)
        finally:
            if executor is not None:  # kernels stop after the swap: the new casebook need not wait for them
                executor.close()
    return report


def _execute_and_swap(report: BuildReport, runs: PageRuns | None, passed: list[_Item], missing: set[str], items: list[_Item],
                      settings, params, notebook: Path, templates, target: Path, pages_dir: Path, cache_root: Path,
                      grams: dict | None, code_hash: str, site_fp: str, progress, t_start: float) -> None:
    t = time.perf_counter()
    common = site_common(params)
    todo = [it for it in passed if it.id in missing]
    report.cached = [{"case_id": it.id, "key": it.key} for it in passed if it.id not in missing]

    printed = None
    if params.pdf.enabled:  # the PDFs are part of the site: their options, templates and renderer
        from casebook.pipeline.printed import print_fingerprint

        printed = [params.pdf.model_dump(mode="json"), print_fingerprint(templates)]

    def site_key(ok: list[_Item]) -> str:
        return sha("site/2", code_hash, site_fp, canonical(common),
                    canonical([params.options.charts, printed] + [[it.id, it.key] for it in ok]))

    report.site_key = site_key(passed)
    report.site_base = sha("site-base/1", code_hash, site_fp, canonical(common),
                           canonical([params.options.charts, printed]))
    previous = _previous_report(target) if (target / "index.html").exists() else {}
    if not todo and previous.get("site_key") == report.site_key:
        # Nothing changed: the casebook in place is this very site; only its report is renewed.
        report.pages_kb, report.pdf = previous.get("pages_kb", {}), previous.get("pdf", {})
        report.times["execute"] = 0.0
        report.times["site"] = time.perf_counter() - t
    elif _in_place(report, previous, passed, missing, params):
        _update_in_place(report, runs, previous, passed, missing, todo, settings, params, notebook,
                         templates, target, pages_dir, cache_root, grams, progress, site_key, t)
    else:
        tmp = target.with_name(f".{target.name}-tmp-{os.getpid()}-{uuid.uuid4().hex[:8]}")
        try:
            results = runs.results(todo) if todo else None
            t_site = time.perf_counter()
            # Optimistic: the index pages assume every page to execute succeeds (redone if one fails).
            assemble(tmp, passed, pages_dir, params, cache_root, templates, grams, missing)
            report.times["site"] = time.perf_counter() - t_site
            if todo:
                collect(results, todo, report, pages_dir, tmp, progress)
            report.times["execute"] = time.perf_counter() - t
            ok = passed
            if report.failed:
                failed = {f["case_id"] for f in report.failed}
                ok = [it for it in passed if it.id not in failed]
                report.site_key = site_key(ok)
                t_site = time.perf_counter()
                write_indexes(tmp, ok, params, cache_root, templates, grams)
                report.times["site"] += time.perf_counter() - t_site
            if params.pdf.enabled and ok:  # the printed casebook: the same executed pages, gated the same
                from casebook.pipeline.printed import write_printed

                t_pdf = time.perf_counter()
                report.pdf = write_printed(tmp, ok, params, cache_root, templates, jobs=params.options.jobs)
                report.times["pdf"] = time.perf_counter() - t_pdf
            sizes = [(tmp / "cases" / f"{it.id}.html").stat().st_size / 1024 for it in ok]
            if sizes:
                report.pages_kb = {"mean": round(sum(sizes) / len(sizes), 1), "max": round(max(sizes), 1)}
            report.times["total"] = time.perf_counter() - t_start
            write_atomic(tmp / "report.json", json.dumps(report.site_dict(), ensure_ascii=False, indent=1))
            t = time.perf_counter()
            _swap_into_place(tmp, target)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        report.times["swap"] = time.perf_counter() - t
    report.times["total"] = time.perf_counter() - t_start
    write_atomic(target / "report.json", json.dumps(report.site_dict(), ensure_ascii=False, indent=1))
    write_atomic(cache_root / "report.json", json.dumps(report.to_dict(), ensure_ascii=False, indent=1))
    prune_pages(pages_dir, {it.key for it in items})


IN_PLACE_MAX = 0.05   # changed pages as a share of the casebook up to which it is updated in place


def _in_place(report: BuildReport, previous: dict, passed: list[_Item], missing: set[str], params) -> bool:
    """Whether the casebook in place can be brought up to date file by file: it was built by the same
    code, templates and options (only its cases differ), it has no printed book (which spans all pages),
    and few pages change. Otherwise a new folder is assembled and swapped in whole."""
    if params.pdf.enabled or not previous or previous.get("site_base") != report.site_base:
        return False
    before = {r["case_id"]: r["key"] for r in previous.get("built", []) + previous.get("cached", [])}
    changed = sum(1 for it in passed if before.pop(it.id, None) != it.key or it.id in missing) + len(before)
    return changed <= max(1, int(IN_PLACE_MAX * len(passed)))


def _update_in_place(report: BuildReport, runs: PageRuns | None, previous: dict, passed: list[_Item], missing: set[str],
                     todo: list[_Item], settings, params, notebook: Path, templates, target: Path,
                     pages_dir: Path, cache_root: Path, grams: dict | None, progress, site_key, t: float) -> None:
    """Few pages changed: execute them, then replace each changed file of the casebook in place with a
    rename of its own (a reader sees the old file or the new one, never half of one): the changed
    pages, the pages of cases gone from the casebook removed, the index pages whose text changed and
    the search index. A killed build leaves a casebook whose report still names the old pages, so the
    next build redoes them."""
    before = {r["case_id"]: r["key"] for r in previous.get("built", []) + previous.get("cached", [])}
    results = runs.results(todo) if todo else None
    t_site = time.perf_counter()
    # The index pages and search index are made while the pages run (a kernel is still booting),
    # as if every page succeeds; they reach the casebook only after the pages, or are made again.
    prepared = prepare_indexes(target, passed, params, cache_root, templates, grams)
    site_seconds = time.perf_counter() - t_site
    for it in passed:
        if it.id not in missing and before.get(it.id) != it.key:   # cached, but not the page in place
            place_page(pages_dir / f"{it.key}.html", target / "cases" / f"{it.id}.html", replace=True)
    if todo:
        collect(results, todo, report, pages_dir, target, progress, replace=True)
    report.times["execute"] = time.perf_counter() - t
    failed = {f["case_id"] for f in report.failed}
    ok = [it for it in passed if it.id not in failed]
    for gone in set(before) - {it.id for it in ok}:
        (target / "cases" / f"{gone}.html").unlink(missing_ok=True)
    report.site_key = site_key(ok)
    t_site = time.perf_counter()
    write_indexes(target, ok, params, cache_root, templates, grams, in_place=True,
                  prepared=None if failed else prepared)
    report.times["site"] = site_seconds + time.perf_counter() - t_site
    sizes = [(target / "cases" / f"{it.id}.html").stat().st_size / 1024 for it in ok]
    if sizes:
        report.pages_kb = {"mean": round(sum(sizes) / len(sizes), 1), "max": round(max(sizes), 1)}
    report.times["swap"] = 0.0


def _gate(store, items: list[_Item], manifest: Manifest, gate_cache: JsonCache, gate_fp: str,
          report: BuildReport) -> list[_Item]:
    """The items that pass the privacy gate; the others go to report.blocked with their findings.

    The verdict without overrides is part of the manifest (by stored content); only a case with
    findings has its overrides read, and its verdict with them is kept by content + overrides."""
    passed, used = [], set()

    def case_of(it: _Item):
        if it.case is None:
            it.case = store.case_at(it.id, it.version)
        return it.case

    for it in items:
        findings = it.derived.get("gate")
        if findings is None:
            findings = it.derived["gate"] = _gate_findings(case_of(it), [])
            manifest.dirty = True
        if findings:
            overrides = store.overrides(it.id)
            if overrides:
                okey = sha(gate_fp, it.sha, canonical(overrides))
                used.add(okey)
                findings = gate_cache.get(okey)
                if findings is None:
                    findings = _gate_findings(case_of(it), overrides)
                    gate_cache.put(okey, findings)
        if findings:
            report.blocked.append({"case_id": it.id, "title": it.title, "findings": findings})
        else:
            passed.append(it)
    gate_cache.save(keep=used)
    return passed


def _previous_report(target: Path) -> dict:
    try:
        return json.loads((target / "report.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
