"""The pages a build hands to its executor, and what comes back.

`start_executor` picks the executor (`executors.make_executor`) and lets it warm up (kernels boot,
worker processes set up their shells) while the build reads and gates the cases. `PageRuns` makes a
`PageJob` per page and submits pages in batches: the cold build hands over each chunk of cases that
pass the gate as soon as it is read, so pages run while the next chunks are read and gated; the
rest are handed over once the gate (with the editors' overrides) has spoken. `collect` writes each
result as it arrives: the page into the cache and the casebook, or a row of the report's `failed`.
"""

from __future__ import annotations

import os
import queue
import sys
import threading
from collections import deque
from pathlib import Path
from typing import TYPE_CHECKING

from casebook.pipeline.folders import BuildError
from casebook.pipeline.page_cache import place_page, write_atomic

if TYPE_CHECKING:
    from casebook.pipeline.build import BuildReport, _Item

# Run once in each kernel or page shell before its first page: the page's libraries, imported once.
WARMUP = "import IPython.display\nfrom casebook import store\nfrom casebook.render import pages, ecomap_svg, charts"
EARLY_FROM = 50      # new contents from which their pages are handed over as soon as they pass the gate
GATE_BATCH = 25      # cases per gate task in a worker process
GATE_IN_FLIGHT = 8   # gate tasks handed over and not yet settled, at most (memory holds their cases)


def start_executor(settings, report, notebook: Path, jobs: int | None, scheduler, *, warm: int, templates):
    from casebook.pipeline.executors import make_executor

    jobs = jobs or max(1, min(os.cpu_count() or 1, 4))
    try:
        executor = make_executor(jobs, scheduler, pages=warm)
    except Exception as exc:  # an unreachable scheduler: nothing built, the old casebook stays
        raise BuildError(f"Dask のスケジューラ {scheduler} に接続できません: {type(exc).__name__}: {exc}") from exc
    if hasattr(executor, "prestart"):
        executor.prestart(min(jobs, warm), env=settings.environ(), cwd=str(notebook.parent), warmup=WARMUP,
                          templates=str(templates or ""))
    # worker processes: as many as started (one changed page: one worker), and how they were made
    workers = f"{executor.workers} ({executor.method})" if getattr(executor, "workers", 0) else jobs
    report.executor = f"dask {scheduler}" if scheduler else f"local {executor.kind} × {workers}"
    return executor


class PageRuns:
    """Pages handed to one executor, in batches; `results(todo)` hands over what is left of `todo`
    and iterates every result of the build, in the order they finish.

    A thread takes the results as they finish, from the first batch on, and writes each page into
    the page cache at once (`pages_dir`): a cold build hands pages over while it still reads and
    gates, and memory would otherwise hold every page finished meanwhile (10,000 cases: ~250 MB)."""

    def __init__(self, executor, settings, params, notebook: Path, templates, pages_dir: Path):
        self.executor, self.params, self.notebook = executor, params, str(notebook)
        self.templates = str(templates or "")
        self.env = settings.environ()
        self.site_common = site_common(params)
        self.pages_dir = pages_dir
        self.submitted: set[str] = set()
        self._batches: queue.SimpleQueue = queue.SimpleQueue()   # result iterators, in the order handed over
        self._done: queue.SimpleQueue = queue.SimpleQueue()      # results taken: pages already in the cache
        self._count = 0
        self._taker: threading.Thread | None = None

    def submit(self, items: list[_Item]) -> None:
        """Hand these pages to the executor now (they run while the caller goes on)."""
        from casebook.pipeline.execute import PageJob

        jobs = []
        for it in items:
            e = it.derived["entry"]
            site = {**self.site_common, "ward": e[2], "ward_code": e[3], "case_id": it.id, "case_title": e[1]}
            jobs.append(PageJob(case_id=it.id, key=it.key, notebook=self.notebook,
                                parameters={"case_id": it.id, "version": it.version,
                                            "charts": self.params.options.charts},
                                site=site, env=self.env, warmup=WARMUP, templates=self.templates))
            self.submitted.add(it.id)
        if not jobs:
            return
        self._count += len(jobs)
        self._batches.put(self.executor.map(jobs))
        if self._taker is None:
            self.pages_dir.mkdir(parents=True, exist_ok=True)
            self._taker = threading.Thread(target=self._take, daemon=True, name="casebook-results")
            self._taker.start()

    def _take(self) -> None:
        try:
            for batch in iter(self._batches.get, None):
                for res in batch:
                    if res.ok:
                        try:
                            write_atomic(self.pages_dir / f"{res.key}.html", res.html)
                        except OSError as exc:   # a full disk: that page fails, the report says why
                            res.error = {"cell": None, "ename": type(exc).__name__, "evalue": str(exc)}
                        res.html = None
                    self._done.put(res)
        except BaseException as exc:  # an executor gone wrong: the build ends with its error, not a hang
            self._done.put(exc)

    def results(self, todo: list[_Item]):
        self.submit([it for it in todo if it.id not in self.submitted])
        self._batches.put(None)
        n = self._count

        def finished():
            for _ in range(n):
                res = self._done.get()
                if isinstance(res, BaseException):
                    raise res
                yield res

        return finished()


class Gating:
    """The gate's verdicts (without overrides) on new contents, a batch at a time: in the executor's
    worker processes when it has them, else here. `settle(digest, derived)` records a verdict and
    returns the page to make now (it passed and is not cached) or None; with `runs`, those pages are
    handed over at once, so pages run while later cases are read and gated."""

    def __init__(self, gate_here, settle, runs: PageRuns | None = None):
        self.gate_here, self.settle, self.runs = gate_here, settle, runs
        self.workers = runs is not None and hasattr(runs.executor, "gate")
        self.batch: list = []
        self.waiting: deque = deque()

    def add(self, digest, derived: dict, case) -> None:
        self.batch.append((digest, derived, case))
        if len(self.batch) >= GATE_BATCH:
            self._flush()

    def finish(self) -> None:
        """Every verdict recorded (waits for the workers' last batches)."""
        self._flush()
        while self.waiting:
            self._take()

    def _flush(self) -> None:
        batch, self.batch = self.batch, []
        if not batch:
            return
        if not self.workers or not self.runs.executor.ready():   # workers still starting: gate here meanwhile
            self._settle(batch, [self.gate_here(case) for _, _, case in batch])
            return
        self.waiting.append((batch, self.runs.executor.gate([case for _, _, case in batch])))
        while self.waiting and (self.waiting[0][1].done() or len(self.waiting) > GATE_IN_FLIGHT):
            self._take()

    def _take(self) -> None:
        batch, future = self.waiting.popleft()
        try:
            findings = future.result()
        except Exception:  # a worker that died: the same gate, here
            findings = [self.gate_here(case) for _, _, case in batch]
        self._settle(batch, findings)

    def _settle(self, batch: list, findings: list) -> None:
        ready = []
        for (digest, derived, _), found in zip(batch, findings):
            derived["gate"] = found
            item = self.settle(digest, derived)
            if item is not None:
                ready.append(item)
        if self.runs is not None:
            self.runs.submit(ready)


def site_common(params) -> dict:
    """What every case page's template is given besides its own case."""
    return {"title": params.title, "root": "../", "footer": params.options.footer,
            "pdf": params.pdf.enabled and params.pdf.per_case}


def collect(results, todo: list[_Item], report: BuildReport, pages_dir: Path, tmp: Path,
             progress, replace: bool = False) -> None:
    """Each result as it comes: a page into the cache and the new site, or a row of `failed`."""
    from tqdm import tqdm

    titles = {it.id: it.title for it in todo}
    pages_dir.mkdir(parents=True, exist_ok=True)
    # No monitor thread (it would outlive the build): the next build in this process can then fork its workers.
    tqdm.monitor_interval = 0
    bar = tqdm(total=len(todo) + len(report.cached), initial=len(report.cached), desc="事例ページ",
               unit="件", disable=(None if progress is None else not progress), file=sys.stderr)
    try:
        for res in results:
            if res.ok:
                if res.html is not None:   # else already in the page cache (PageRuns)
                    write_atomic(pages_dir / f"{res.key}.html", res.html)
                place_page(pages_dir / f"{res.key}.html", tmp / "cases" / f"{res.case_id}.html", replace=replace)
                report.built.append({"case_id": res.case_id, "key": res.key, "seconds": round(res.seconds, 3),
                                     "execute_seconds": round(res.execute_seconds, 3),
                                     "render_seconds": round(res.render_seconds, 3), "worker": res.worker})
            else:
                report.failed.append({"case_id": res.case_id, "title": titles.get(res.case_id, ""), **res.error})
            bar.set_postfix_str(f"作成 {len(report.built)} ・ キャッシュ {len(report.cached)} ・ 失敗 {len(report.failed)}")
            bar.update(1)
    finally:
        bar.close()
    order = {it.id: i for i, it in enumerate(todo)}
    report.built.sort(key=lambda r: order[r["case_id"]])
    report.failed.sort(key=lambda r: order[r["case_id"]])
