"""A casebook build: select → privacy gate → execute (papermill, cached) → render → swap into place.

    report = build_casebook(settings, params, jobs=2, force=False, scheduler=None)

1. select the cases the parameter set names from the store;
2. pass each through the privacy gate (`casebook.workflow.gate` with the editor's overrides): a
   case with a finding is not built, the report says which field, which text and why;
3. for each remaining case compute a content hash of everything that decides its page — the case
   record (without its workflow status, which the page does not show), the ward figures its
   chart shows, the parameter set's title/options, the notebook, the template folder, the source
   of the modules that draw the page and the versions of the Jupyter stack. A page whose hash is in
   the cache is not executed again (unlike jupyter-cache, data changes are in the key);
4. execute `case_page.ipynb` for the others with papermill on warm kernels (`casebook.execute`),
   in parallel threads or on Dask; render each with nbconvert (`casebook.render`). One failing
   case is one row of the report, never the end of the build;
5. write the index pages (home, 24 wards with counts, themes, fiscal years), the search index and
   the shared assets into a temporary folder beside `build/casebook/`, then swap it in with one
   atomic rename: a failed or killed build leaves the previous casebook as it was.

The report (`BuildReport`) is returned, printed by the CLI and written to `build/casebook/report.json`.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import hashlib
import json
import os
import shutil
import sys
import time
import uuid
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from casebook.params import CasebookParams
    from casebook.settings import Settings

HERE = Path(__file__).resolve().parent
WARMUP = "import IPython.display\nfrom casebook import pages, store, ecomap_svg, charts"
# Source files whose code decides what a page looks like (a change to any of them rebuilds all pages).
PAGE_CODE = ("__init__.py", "pages.py", "ecomap_svg.py", "charts.py", "model.py", "render.py", "execute.py")
STACK = ("papermill", "nbconvert", "nbclient", "nbformat", "ipykernel", "jinja2", "mistune", "pydantic")
GATE_CODE = ("privacy.py", "workflow.py", "model.py")


class BuildError(RuntimeError):
    """The build could not run at all (another build holds the lock, the store cannot be read…)."""


@dataclass
class BuildReport:
    title: str
    output: str
    params: str | None = None
    executor: str = ""
    started_at: str = field(default_factory=lambda: datetime.now(timezone.utc).isoformat(timespec="seconds"))
    selected: int = 0
    built: list[dict] = field(default_factory=list)
    cached: list[dict] = field(default_factory=list)
    failed: list[dict] = field(default_factory=list)
    blocked: list[dict] = field(default_factory=list)
    times: dict[str, float] = field(default_factory=dict)
    pages_kb: dict[str, float] = field(default_factory=dict)
    site_key: str = ""

    @property
    def ok(self) -> bool:
        return not self.failed

    @property
    def exit_code(self) -> int:
        return 0 if self.ok else 1

    def to_dict(self) -> dict:
        return asdict(self)

    def summary(self) -> str:
        """The end-of-build table, in Japanese."""
        index = Path(self.output) / "index.html"
        rows = [("対象の事例", self.selected), ("実行して作成", len(self.built)), ("キャッシュから", len(self.cached)),
                ("失敗", len(self.failed)), ("公開不可（個人情報の指摘）", len(self.blocked))]
        width = max(len(r[0]) for r in rows) * 2 + 2
        lines = [f"事例集「{self.title}」" + ("を作りました" if self.ok else "を作りました（失敗した事例があります）"), ""]
        lines += [f"  {name}{' ' * (width - 2 * len(name))}{count:>6} 件" for name, count in rows]
        if self.pages_kb:
            lines.append(f"  ページの大きさ  平均 {self.pages_kb['mean']:.1f} KB ・ 最大 {self.pages_kb['max']:.1f} KB")
        t = self.times
        lines.append("  時間  " + " ・ ".join(f"{label} {t[key]:.2f} 秒" for key, label in (
            ("select", "選択"), ("gate", "確認"), ("execute", "実行"), ("site", "索引"), ("swap", "入れ替え"),
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


# --- cache keys ------------------------------------------------------------------------------

def _sha(*parts: bytes | str) -> str:
    h = hashlib.sha256()
    for p in parts:
        b = p.encode("utf-8") if isinstance(p, str) else p
        h.update(len(b).to_bytes(8, "little"))
        h.update(b)
    return h.hexdigest()


def _files_hash(paths) -> str:
    h = hashlib.sha256()
    for p in paths:
        p = Path(p)
        h.update(str(p.name).encode())
        h.update(p.read_bytes() if p.exists() else b"<missing>")
    return h.hexdigest()


def _stack_versions() -> str:
    from importlib.metadata import PackageNotFoundError, version

    out = []
    for name in STACK:
        try:
            out.append(f"{name}={version(name)}")
        except PackageNotFoundError:
            out.append(f"{name}=?")
    return ";".join(out)


def code_fingerprint(templates: Path | None = None) -> str:
    """Everything outside the case that decides a page: page code, vocabulary, templates, stack versions."""
    from casebook import __version__, render

    vocab_files = sorted((HERE / "vocab").glob("*.yaml"))
    other = _files_hash(render.template_files(templates)) if templates else ""
    return _sha(__version__, _files_hash(HERE / name for name in PAGE_CODE), _files_hash(vocab_files),
                _files_hash(render.template_files()), other, _stack_versions())


def _canonical(obj) -> str:
    return json.dumps(obj, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def page_key(case, figures, *, notebook_hash: str, code_hash: str, params: "CasebookParams") -> str:
    """The content hash a case page is cached under."""
    record = case.model_dump(mode="json", exclude={"status"})  # the page does not show the status
    figs = [f.model_dump(mode="json") for f in figures] if params.options.charts else []
    options = {"title": params.title, "charts": params.options.charts, "footer": params.options.footer}
    return _sha("casebook-page/1", _canonical(record), _canonical(figs), _canonical(options), notebook_hash, code_hash)


# --- small persistent caches -------------------------------------------------------------------

class _JsonCache:
    """A dict kept in one JSON file (gate results by content hash); written atomically."""

    def __init__(self, path: Path):
        self.path = path
        try:
            self.data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            self.data = {}
        self.dirty = False

    def get(self, key: str):
        return self.data.get(key)

    def put(self, key: str, value) -> None:
        self.data[key] = value
        self.dirty = True

    def save(self, keep: set[str] | None = None) -> None:
        if keep is not None:
            stale = set(self.data) - keep
            for k in stale:
                del self.data[k]
            self.dirty = self.dirty or bool(stale)
        if self.dirty:
            _write_atomic(self.path, json.dumps(self.data, ensure_ascii=False))


def _write_atomic(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


# --- the privacy gate ------------------------------------------------------------------------

def _gate_fingerprint() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        dictionary = version("sudachidict-core") + version("sudachipy")
    except PackageNotFoundError:
        dictionary = "?"
    return _sha(_files_hash(HERE / name for name in GATE_CODE), dictionary)


def _gate_findings(case, overrides: list[dict]) -> list[dict]:
    from casebook.model import field_label
    from casebook.workflow import gate

    return [{"field": b.field, "label": field_label(b.field), "kind": b.finding.label, "text": b.finding.text,
             "suggestion": b.suggestion} for b in gate(case, overrides)]


# --- assembling and swapping the site ----------------------------------------------------------

def _exchange(a: Path, b: Path) -> bool:
    """Atomically swap two directories (Linux renameat2 RENAME_EXCHANGE); False where unsupported."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        fn = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    if fn(at_fdcwd, os.fsencode(str(a)), at_fdcwd, os.fsencode(str(b)), rename_exchange) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP):
        return False
    raise OSError(err, os.strerror(err), str(a))


def _swap_into_place(tmp: Path, target: Path) -> None:
    """Put the finished folder `tmp` at `target`; the old one is removed only after the swap."""
    if not target.exists():
        os.rename(tmp, target)
        return
    if _exchange(tmp, target):
        shutil.rmtree(tmp, ignore_errors=True)   # tmp now holds the previous casebook
        return
    old = target.with_name(f".{target.name}-old-{os.getpid()}")
    os.rename(target, old)
    os.rename(tmp, target)
    shutil.rmtree(old, ignore_errors=True)


def _recover(target: Path) -> None:
    """Clean what a killed build left: temporary folders; restore a casebook left half-swapped."""
    parent = target.parent
    for old in sorted(parent.glob(f".{target.name}-old-*")):
        if not target.exists():
            os.rename(old, target)
        else:
            shutil.rmtree(old, ignore_errors=True)
    for tmp in parent.glob(f".{target.name}-tmp-*"):
        shutil.rmtree(tmp, ignore_errors=True)


@contextlib.contextmanager
def _lock(build_dir: Path):
    import fcntl

    build_dir.mkdir(parents=True, exist_ok=True)
    with open(build_dir / ".casebook.lock", "w") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise BuildError("別の事例集ビルドが実行中です。終わってからもう一度実行してください") from None
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _place(src: Path, dst: Path) -> None:
    """A cached page into the new site: a hard link (same filesystem), else a copy."""
    try:
        os.link(src, dst)
    except OSError:
        shutil.copyfile(src, dst)


# --- the build -------------------------------------------------------------------------------

def build_casebook(settings: "Settings", params: "CasebookParams | str | Path | None" = None, *,
                   jobs: int | None = None, force: bool = False, scheduler=None, progress: bool | None = None,
                   notebook: Path | None = None, params_path: str | None = None,
                   templates: Path | None = None) -> BuildReport:
    """Build the casebook into `settings.casebook_dir`; see the module docstring. Raises BuildError
    (or ParamsError for a bad parameter file) only when nothing could be built.

    `notebook` and `templates` replace notebooks/case_page.ipynb and casebook/templates (a folder
    laid out the same way): for trying a new look, and for tests."""
    from casebook.params import CasebookParams, load_casebook_params

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
        executor = None
        try:
            # 1. select
            records = [r for r in store.list_cases(status=params.statuses) if params.selects(r.case)]
            activity = store.activity() if params.options.charts else []
            report.selected = len(records)
            report.times["select"] = time.perf_counter() - t_start

            # 2. keys, and which pages the cache lacks
            t = time.perf_counter()
            from casebook import pages as page_mod

            notebook_hash = _files_hash([notebook])
            code_hash = code_fingerprint(templates)
            keys, missing = {}, set()
            for rec in records:
                figures = page_mod.ward_figures_from(activity, rec.case)
                key = keys[rec.case.id] = page_key(rec.case, figures, notebook_hash=notebook_hash,
                                                   code_hash=code_hash, params=params)
                if force or not (pages_dir / f"{key}.html").exists():
                    missing.add(rec.case.id)
            report.times["hash"] = time.perf_counter() - t
            if missing:
                # Kernels start (in their own processes) while this process runs the privacy gate.
                executor = _start_executor(settings, report, notebook, jobs or params.options.jobs,
                                           scheduler, warm=len(missing), templates=templates)

            # 3. privacy gate: findings cached by the case's content and the gate's code; the
            #    editor's overrides are read only for the (rare) cases that have findings.
            t = time.perf_counter()
            gate_cache = _JsonCache(cache_root / "gate.json")
            gate_fp = _gate_fingerprint()
            passed, gate_keys = [], set()
            for rec in records:
                gkey = _sha(gate_fp, _canonical(rec.case.model_dump(mode="json")))
                gate_keys.add(gkey)
                findings = gate_cache.get(gkey)
                if findings is None:
                    findings = _gate_findings(rec.case, [])
                    gate_cache.put(gkey, findings)
                if findings:
                    findings = _gate_findings(rec.case, store.overrides(rec.case.id))
                if findings:
                    report.blocked.append({"case_id": rec.case.id, "title": rec.case.title, "findings": findings})
                else:
                    passed.append(rec)
            gate_cache.save(keep=gate_keys)
            report.times["gate"] = time.perf_counter() - t
        except BaseException:
            if executor is not None:
                executor.close()
            raise
        finally:
            store.close()

        # 4. execute + render what is not cached
        t = time.perf_counter()
        site_common = {"title": params.title, "root": "../", "footer": params.options.footer}
        todo = []
        for rec in passed:
            if rec.case.id in missing:
                todo.append((rec, keys[rec.case.id]))
            else:
                report.cached.append({"case_id": rec.case.id, "key": keys[rec.case.id]})
        # The search index's bigrams come from the case records, not the pages: work them out now,
        # while the kernels (started before the gate) are still booting.
        grams = _search_docs([rec.case for rec in passed]) if executor is not None else None
        if executor is not None:
            _execute(executor, todo, report, settings, params, notebook, pages_dir, site_common, progress,
                     templates)
        report.times["execute"] = time.perf_counter() - t

        # 5. the site, in a temporary folder beside the target, then one swap
        t = time.perf_counter()
        ok_ids = {row["case_id"] for row in report.built + report.cached}
        ok_cases = [rec.case for rec in passed if rec.case.id in ok_ids]
        report.site_key = _sha("site/1", code_hash, _canonical(site_common), _canonical(
            [params.options.charts] + [[c.id, keys[c.id]] for c in ok_cases]))
        if not report.built and not report.failed and _current_site_key(target) == report.site_key:
            # Nothing changed: the casebook in place is this very site; only its report is renewed.
            report.pages_kb = _previous_report(target).get("pages_kb", {})
            report.times["site"] = time.perf_counter() - t
        else:
            tmp = target.with_name(f".{target.name}-tmp-{os.getpid()}-{uuid.uuid4().hex[:8]}")
            try:
                _assemble(tmp, ok_cases, keys, pages_dir, params, report, cache_root, templates, grams)
                report.times["site"] = time.perf_counter() - t
                report.times["total"] = time.perf_counter() - t_start
                _write_atomic(tmp / "report.json", json.dumps(report.to_dict(), ensure_ascii=False, indent=1))
                t = time.perf_counter()
                _swap_into_place(tmp, target)
            except BaseException:
                shutil.rmtree(tmp, ignore_errors=True)
                raise
            report.times["swap"] = time.perf_counter() - t
        report.times["total"] = time.perf_counter() - t_start
        _write_atomic(target / "report.json", json.dumps(report.to_dict(), ensure_ascii=False, indent=1))
        _prune(pages_dir, set(keys.values()))
    return report


def _previous_report(target: Path) -> dict:
    try:
        return json.loads((target / "report.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def _current_site_key(target: Path) -> str | None:
    if not (target / "index.html").exists():
        return None
    return _previous_report(target).get("site_key")


def _start_executor(settings, report, notebook: Path, jobs: int | None, scheduler, *, warm: int, templates):
    from casebook.execute import make_executor

    jobs = jobs or max(1, min(os.cpu_count() or 1, 4))
    try:
        executor = make_executor(jobs, scheduler)
    except Exception as exc:  # an unreachable scheduler: nothing built, the old casebook stays
        raise BuildError(f"Dask のスケジューラ {scheduler} に接続できません: {type(exc).__name__}: {exc}") from exc
    report.executor = f"dask {scheduler}" if scheduler else f"local threads × {jobs}"
    if hasattr(executor, "prestart"):
        executor.prestart(min(jobs, warm), env=settings.environ(), cwd=str(notebook.parent), warmup=WARMUP,
                          templates=str(templates or ""))
    return executor


def _execute(executor, todo, report, settings, params, notebook, pages_dir, site_common, progress,
             templates) -> None:
    from tqdm import tqdm

    from casebook import vocab
    from casebook.execute import PageJob

    page_jobs = []
    titles = {}
    for rec, key in todo:
        case = rec.case
        titles[case.id] = case.title
        site = {**site_common, "ward": case.ward, "ward_code": vocab.parse_ward(case.ward).code,
                "case_id": case.id, "case_title": case.title}
        page_jobs.append(PageJob(case_id=case.id, key=key, notebook=str(notebook),
                                 parameters={"case_id": case.id, "version": rec.version,
                                             "charts": params.options.charts},
                                 site=site, env=settings.environ(), warmup=WARMUP,
                                 templates=str(templates or "")))
    pages_dir.mkdir(parents=True, exist_ok=True)
    bar = tqdm(total=len(page_jobs) + len(report.cached), initial=len(report.cached), desc="事例ページ",
               unit="件", disable=(None if progress is None else not progress), file=sys.stderr)
    try:
        for res in executor.map(page_jobs):
            if res.ok:
                _write_atomic(pages_dir / f"{res.key}.html", res.html)
                report.built.append({"case_id": res.case_id, "key": res.key, "seconds": round(res.seconds, 3),
                                     "execute_seconds": round(res.execute_seconds, 3),
                                     "render_seconds": round(res.render_seconds, 3), "worker": res.worker})
            else:
                report.failed.append({"case_id": res.case_id, "title": titles.get(res.case_id, ""), **res.error})
            bar.set_postfix_str(f"作成 {len(report.built)} ・ キャッシュ {len(report.cached)} ・ 失敗 {len(report.failed)}")
            bar.update(1)
    finally:
        bar.close()
        executor.close()
    order = {rec.case.id: i for i, (rec, _k) in enumerate(todo)}
    report.built.sort(key=lambda r: order[r["case_id"]])
    report.failed.sort(key=lambda r: order[r["case_id"]])


def _search_docs(cases) -> dict[str, tuple]:
    """Each case's row in the search results and its bigram set."""
    from casebook import search, vocab

    return {c.id: ((c.id, c.title, c.ward, vocab.format_fiscal_year(c.fiscal_year), f"cases/{c.id}.html"),
                   search.bigrams(search.case_text(c))) for c in cases}


def _assemble(tmp: Path, cases, keys: dict[str, str], pages_dir: Path, params, report: BuildReport,
              cache_root: Path, templates: Path | None, grams: dict[str, tuple]) -> None:
    from casebook import render, search

    templates = Path(templates or render.TEMPLATES)
    (tmp / "cases").mkdir(parents=True)
    (tmp / "assets").mkdir()
    sizes = []
    for case in cases:
        src = pages_dir / f"{keys[case.id]}.html"
        _place(src, tmp / "cases" / f"{case.id}.html")
        sizes.append(src.stat().st_size / 1024)
    if sizes:
        report.pages_kb = {"mean": round(sum(sizes) / len(sizes), 1), "max": round(max(sizes), 1)}
    shutil.copyfile(templates / "casebook.css", tmp / "assets" / "casebook.css")
    shutil.copyfile(templates / "search.js", tmp / "assets" / "search.js")
    entries = [render.Entry.of(c) for c in cases]
    for path, html in render.render_site(entries, title=params.title, footer=params.options.footer,
                                         templates=templates).items():
        out = tmp / path
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(html, encoding="utf-8")
    # The search index depends only on the listed cases' content: reuse the file when that is unchanged.
    index_key = _sha("search/1", *(f"{c.id}:{keys[c.id]}" for c in cases))
    cached_index = cache_root / "search" / f"{index_key}.js"
    if not cached_index.exists():
        for old in (cache_root / "search").glob("*.js"):
            old.unlink(missing_ok=True)
        grams = grams or _search_docs(cases)
        _write_atomic(cached_index, search.index_js(search.build_index([grams[c.id] for c in cases])))
    _place(cached_index, tmp / "assets" / "search-index.js")


PRUNE_AFTER_S = 30 * 24 * 3600


def _prune(pages_dir: Path, used: set[str]) -> None:
    """Mark the pages this build used, forget those no build has used for 30 days (other parameter
    sets share the cache, so a page unused by this one may still be wanted)."""
    if not pages_dir.exists():
        return
    now = time.time()
    for p in pages_dir.glob("*.html"):
        if p.stem in used:
            os.utime(p, (now, now))
        elif now - p.stat().st_mtime > PRUNE_AFTER_S:
            p.unlink(missing_ok=True)
