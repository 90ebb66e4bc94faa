"""Executors for `casebook.pipeline.execute.run_page`: `LocalExecutor(jobs)` (threads, one warm kernel
each), `ProcessExecutor(jobs)` (worker processes that run pages in-process) and
`DaskExecutor(address)`. All have `map(jobs) -> iterator of PageResult` in completion order,
and `close()`; `make_executor(jobs, scheduler)` picks one."""

from __future__ import annotations

import gc
import logging
import os
import sys
import threading
from collections.abc import Iterable, Iterator
from dataclasses import replace
from pathlib import Path

from casebook.pipeline.execute import (
    KERNEL_NAME,
    POOL,
    PageJob,
    PageResult,
    _thread_context,
    run_page,
    shutdown_kernels,
    skip_unused_iri_grammar,
)

log = logging.getLogger(__name__)
INPROCESS_ENGINE = "casebook_inprocess"   # casebook.pipeline.inprocess.ENGINE_NAME (not imported here: IPython)


class LocalExecutor:
    """Up to N worker threads, each with its own warm kernel (the kernels run in parallel processes).

    Threads are started only as there is work for them: `prestart(n)` starts n that boot their kernels
    at once, and `map` adds threads up to N only while more pages wait than threads exist. A page thus
    waits for a kernel already booting rather than landing on an idle thread that starts a second one
    (one changed page among 1,000 used to boot two kernels and wait for the later)."""

    kind = "threads"

    def __init__(self, jobs: int = 2):
        import queue

        self.jobs = max(1, int(jobs))
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self._threads: list[threading.Thread] = []
        self._waiting = 0                       # pages handed over and not yet taken by a thread
        self._lock = threading.Lock()

    def _worker(self, warm) -> None:
        if warm is not None:
            warm()
        while True:
            task = self._queue.get()
            if task is None:
                return
            with self._lock:
                self._waiting -= 1
            task()

    def _add_thread(self, warm=None) -> None:
        if len(self._threads) >= self.jobs:
            return
        t = threading.Thread(target=self._worker, args=(warm,), daemon=True,
                             name=f"casebook-page_{len(self._threads)}")
        self._threads.append(t)
        t.start()

    def prestart(self, n: int, *, env: dict[str, str], cwd: str, warmup: str = "", templates: str = "") -> None:
        """Start n warm kernels now, one per new worker thread, so they boot while the caller works
        (the build runs the privacy gate meanwhile). Same kernel key as `run_page` will ask for.
        papermill and nbconvert are imported meanwhile too (about 1.5 s that would otherwise wait)."""
        n = max(0, min(n, self.jobs - len(self._threads)))
        if not n:
            return
        skip_unused_iri_grammar()  # before any thread imports nbformat
        full_env = {**os.environ, **env}

        def imports() -> None:   # while the kernels boot: papermill, nbconvert, the page templates compiled
            skip_unused_iri_grammar()
            try:
                import papermill.engines  # noqa: F401

                from casebook import render

                for _ in range(n):   # one for each page thread, which takes it over
                    render.warm_renderer(Path(templates or render.TEMPLATES), spare=True)
            except Exception:  # the first page will try again and report the error
                log.warning("could not prepare the renderer", exc_info=True)

        importer = threading.Thread(target=imports, daemon=True)
        importer.start()

        def warm() -> None:
            try:
                _thread_context().run(POOL.get, KERNEL_NAME, full_env, cwd, warmup)
            except Exception:  # the page job will try again and report the error
                log.warning("could not start a warm kernel", exc_info=True)
            importer.join()

        for _ in range(n):
            self._add_thread(warm)

    def map(self, jobs: Iterable[PageJob]) -> Iterator[PageResult]:
        """Hand every job over now (the caller works meanwhile); iterate the results as they finish.

        Each result goes through a queue and is dropped once taken (no future keeps its page), so
        memory holds the pages not yet written, not every page of the build."""
        import queue

        done: queue.SimpleQueue = queue.SimpleQueue()

        def task(job: PageJob):
            def one() -> None:
                try:
                    done.put(run_page(job))
                except BaseException as exc:
                    done.put(PageResult(job.case_id, job.key, error={"cell": None, "ename": type(exc).__name__,
                                                                     "evalue": str(exc)}))
            return one

        n = 0
        for job in jobs:
            with self._lock:
                self._waiting += 1
                more = self._waiting > len(self._threads)
            if more:
                self._add_thread()
            self._queue.put(task(job))
            n += 1

        def results() -> Iterator[PageResult]:
            for _ in range(n):
                yield done.get()

        return results()

    def close(self) -> None:
        for _ in self._threads:
            self._queue.put(None)
        for t in self._threads:
            t.join()
        self._threads = []
        POOL.shutdown()


class ProcessExecutor:
    """N worker processes made for pages: each runs them with papermill on its own IPython shell
    (`casebook.pipeline.inprocess`), the process being the kernel. For builds with many pages.

    On a kernel most of a page's cost is the messages of each cell, nbclient's side of them in this
    process, where threads take turns under one GIL. Worker processes each have their own, and no
    messages. They set up their shell as they start, while the caller runs the gate.

    Workers are forked when that is safe (`fork_safe`: the command line's build, no other thread):
    they start with what this process has imported (the store, the model), so even one page is
    quicker in a worker than on a kernel. Otherwise (a server with threads) they are spawned, and a
    handful of pages are better served by `LocalExecutor`, whose kernels boot while this process
    imports papermill and nbconvert."""

    kind = "processes"

    def __init__(self, jobs: int = 2):
        self.jobs = max(1, int(jobs))
        self.workers = 0          # processes started (`prestart`): as many as the pages need, up to jobs
        self.method = ""
        self._pool = None
        self._started: list = []
        self._frozen = False

    def prestart(self, n: int, *, env: dict[str, str], cwd: str, warmup: str = "", templates: str = "") -> None:
        """Start the worker processes now (as many as `n` pages need, up to jobs); each sets up its page
        shell and imports papermill and nbconvert before it takes a page (`_process_start`)."""
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        if self._pool is not None:
            return
        self.workers = max(1, min(n, self.jobs))
        self.method = "fork" if fork_safe() else "spawn"
        parent = os.getpid() if self.method == "fork" else 0
        if parent:
            _return_free_memory()
        self._pool = ProcessPoolExecutor(self.workers, mp_context=multiprocessing.get_context(self.method),
                                         initializer=_process_start,
                                         initargs=({**os.environ, **env}, cwd, warmup, templates, parent))
        if parent:
            # What the build holds now is shared with the workers page by page until either writes to it;
            # frozen, no garbage collection here or there writes to it (they stay frozen until `close`).
            gc.freeze()
            self._frozen = True
        # workers start with the first task (forked all at once, before the pool's own thread starts);
        # these finish once the workers are set up
        self._started = [self._pool.submit(os.getpid) for _ in range(self.workers)]

    def ready(self) -> bool:
        """Whether the workers are set up (until then the caller had better do the work itself)."""
        return self._pool is not None and all(f.done() for f in self._started)

    def map(self, jobs: Iterable[PageJob]) -> Iterator[PageResult]:
        """Submit every job now (the caller works meanwhile); iterate the results as they finish."""
        from concurrent.futures import as_completed

        if self._pool is None:
            raise RuntimeError("ProcessExecutor.map before prestart")
        by_future = {self._pool.submit(run_page, replace(job, engine=INPROCESS_ENGINE)): job for job in jobs}

        def results() -> Iterator[PageResult]:
            for fut in as_completed(list(by_future)):
                job = by_future.pop(fut)
                try:
                    res = fut.result()
                except Exception as exc:  # a worker that died: one row in the report, not the end
                    res = PageResult(job.case_id, job.key, error={"cell": None, "ename": type(exc).__name__,
                                                                  "evalue": str(exc)})
                del fut
                yield res

        return results()

    def gate(self, cases: list):
        """A future of the privacy gate's findings (without overrides) for these cases, computed by a
        worker between pages: the gate is most of a cold build's own work."""
        return self._pool.submit(_gate_cases, cases)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True)
            self._pool = None
        if self._frozen:   # this process may live on (a test run, another build): its garbage is collected again
            gc.unfreeze()
            self._frozen = False


def _gate_cases(cases: list) -> list:
    from casebook.pipeline.build import _gate_findings

    return [_gate_findings(case, []) for case in cases]


def _process_start(env: dict[str, str], cwd: str, warmup: str, templates: str, parent: int = 0) -> None:
    """A worker process's start: its page shell is set up (environment, working directory, the
    warm-up imports) and papermill and the renderer are made ready before the first page.

    `parent`: the pid of the build that forked this worker. A forked worker holds a copy of every
    descriptor the build had open, the build's lock and the pool's own pipes among them: were the
    build killed alone, the worker would wait for work for ever and hold the lock, and no build
    could start again. So it ends with the build."""
    if parent:
        _end_with(parent)
    skip_unused_iri_grammar()
    try:
        from casebook.pipeline.inprocess import shell_for

        shell_for(env, cwd, warmup)
        import papermill.engines  # noqa: F401

        from casebook import render

        render.warm_renderer(Path(templates or render.TEMPLATES))
    except Exception:  # the page job will try again and report the error
        log.warning("could not set up the page shell", exc_info=True)


def _return_free_memory() -> None:
    """Give the heap's free pages back to the system (glibc's `malloc_trim`) before forking. What the
    build read and let go before its workers start (every stored case's JSON, hashed to select the
    cases: some 80 MB at 10,000 cases) stays in the heap otherwise, and each worker would start
    with a copy of it that is its own as soon as either side writes there."""
    import ctypes

    try:
        ctypes.CDLL(None).malloc_trim(0)
    except (OSError, AttributeError):   # not glibc: nothing to do
        pass


def _end_with(parent: int) -> None:
    """Be killed when `parent` (the process that forked this one, from its only thread) ends."""
    import ctypes
    import signal

    pr_set_pdeathsig = 1
    ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent:   # it ended before the line above
        os._exit(1)


def _shutdown_worker_kernels() -> int:
    return shutdown_kernels()


class DaskExecutor:
    """The same jobs on a Dask distributed cluster (`tcp://HOST:PORT` or a Client/LocalCluster).

    Each Dask worker thread keeps its own warm kernel; workers must be able to import casebook and
    reach the store named in the job's environment.
    """

    def __init__(self, scheduler):
        from distributed import Client

        self._own = not isinstance(scheduler, Client)
        self.client = Client(scheduler, timeout="15s") if self._own else scheduler

    def map(self, jobs: Iterable[PageJob]) -> Iterator[PageResult]:
        """Submit every job now (the caller works meanwhile); iterate the results as they finish."""
        from distributed import as_completed

        jobs = list(jobs)
        if not jobs:
            return iter(())
        futures = self.client.map(run_page, jobs, key=[f"casebook-page-{j.key[:16]}-{j.case_id}" for j in jobs],
                                  pure=False)
        by_future = dict(zip(futures, jobs))
        pending = as_completed(futures)
        del futures  # each page is released on the worker once taken: memory does not grow with the casebook

        def results() -> Iterator[PageResult]:
            for fut in pending:
                job = by_future.pop(fut)
                try:
                    res = fut.result()
                except Exception as exc:
                    res = PageResult(job.case_id, job.key, error={"cell": None, "ename": type(exc).__name__,
                                                                  "evalue": str(exc)})
                fut.release()
                del fut
                yield res

        return results()

    def close(self) -> None:
        if self.client is None:
            return
        try:
            self.client.run(_shutdown_worker_kernels)
        finally:
            if self._own:
                self.client.close()
            self.client = None


PROCESSES_FROM = 50   # pages to execute from which spawned worker processes pay for their start


def fork_safe() -> bool:
    """Whether worker processes may be forked from this one: on Linux, with no other thread running
    (a lock another thread holds at the fork stays held for ever in the child) and no IPython shell
    here (a worker makes its own)."""
    if not sys.platform.startswith("linux") or threading.active_count() != 1:
        return False
    shell = sys.modules.get("IPython.core.interactiveshell")
    return shell is None or not shell.InteractiveShell.initialized()


def outgrown(executor, pages: int) -> bool:
    """Whether `executor`, chosen for a few changed cases, should give way to more worker processes now
    that `pages` are to be made (a template changed as well, say)."""
    if pages < PROCESSES_FROM:
        return False
    kind = getattr(executor, "kind", "")
    return executor.jobs > 1 and (kind == "threads" or (kind == "processes" and executor.workers < executor.jobs))


def make_executor(jobs: int = 2, scheduler=None, pages: int = 0):
    """Dask when a scheduler is named; else worker processes when they can be forked, or for `pages` ≥
    PROCESSES_FROM (and more than one job); threads in this process with warm kernels otherwise."""
    if scheduler:
        return DaskExecutor(scheduler)
    if (pages and fork_safe()) or (jobs > 1 and pages >= PROCESSES_FROM):
        return ProcessExecutor(jobs)
    return LocalExecutor(jobs)
