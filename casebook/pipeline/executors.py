"""Executors for `casebook.pipeline.execute.run_page`: `LocalExecutor(jobs)` (threads, one warm kernel
each) and `DaskExecutor(address)`. Both have `map(jobs) -> iterator of PageResult` in completion order,
and `close()`; `make_executor(jobs, scheduler)` picks one."""

from __future__ import annotations

import logging
import os
import threading
from pathlib import Path
from typing import Iterable, Iterator

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


class LocalExecutor:
    """N worker threads, each with its own warm kernel (the kernels run in parallel processes)."""

    def __init__(self, jobs: int = 2):
        from concurrent.futures import ThreadPoolExecutor

        self.jobs = max(1, int(jobs))
        self._pool = ThreadPoolExecutor(self.jobs, thread_name_prefix="casebook-page")

    def prestart(self, n: int, *, env: dict[str, str], cwd: str, warmup: str = "", templates: str = "") -> None:
        """Start n warm kernels now, one per worker thread, so they boot while the caller works
        (the build runs the privacy gate meanwhile). Same kernel key as `run_page` will ask for.
        papermill and nbconvert are imported meanwhile too (about 1.5 s that would otherwise wait)."""
        n = max(0, min(n, self.jobs))
        if not n:
            return
        skip_unused_iri_grammar()  # before any thread imports nbformat
        full_env = {**os.environ, **env}
        barrier = threading.Barrier(n)

        def imports() -> None:
            skip_unused_iri_grammar()
            import nbconvert  # noqa: F401
            import papermill  # noqa: F401
            import papermill.engines  # noqa: F401

            from casebook import render  # noqa: F401

        importer = threading.Thread(target=imports, daemon=True)
        importer.start()

        def warm() -> None:
            try:
                barrier.wait(timeout=10)  # n tasks on n distinct threads
            except threading.BrokenBarrierError:
                pass
            try:
                _thread_context().run(POOL.get, KERNEL_NAME, full_env, cwd, warmup)
                importer.join()
                from casebook import render

                render._exporter(Path(templates or render.TEMPLATES))
            except Exception:  # the page job will try again and report the error
                log.warning("could not start a warm kernel", exc_info=True)

        for _ in range(n):
            self._pool.submit(warm)

    def map(self, jobs: Iterable[PageJob]) -> Iterator[PageResult]:
        """Submit every job now (the caller works meanwhile); iterate the results as they finish.

        Each result goes through a queue and is dropped once taken (no future keeps its page), so
        memory holds the pages not yet written, not every page of the build."""
        import queue

        done: queue.Queue = queue.Queue()

        def one(job: PageJob) -> None:
            try:
                done.put(run_page(job))
            except BaseException as exc:
                done.put(PageResult(job.case_id, job.key, error={"cell": None, "ename": type(exc).__name__,
                                                                 "evalue": str(exc)}))

        n = 0
        for job in jobs:
            self._pool.submit(one, job)
            n += 1

        def results() -> Iterator[PageResult]:
            for _ in range(n):
                yield done.get()

        return results()

    def close(self) -> None:
        self._pool.shutdown(wait=True)
        POOL.shutdown()


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


def make_executor(jobs: int = 2, scheduler=None):
    return DaskExecutor(scheduler) if scheduler else LocalExecutor(jobs)
