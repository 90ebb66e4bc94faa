"""How fast is `workbench build`? One run, one generated collection, six ways of making the pages.

    python benchmarks/casebook_build.py [--cases 200] [--baseline-cases 20] [--large 1000] [--jobs 2]

(a) papermill + nbconvert per case: a fresh kernel per notebook, the stock `lab` HTML template;
(b) jupyter-cache, executor `local-parallel` (one process per CPU, a fresh kernel per notebook),
    then nbconvert `lab` — the plain tool chain with a cache;
(c) ours, cold: `workbench build` with an empty cache (our template; worker processes forked from the
    build that gate the cases and run the pages in-process, papermill's `casebook_inprocess` engine);
(d) ours after one case changed;  (e) ours with nothing changed;
(f) the floor: the notebook's page cells exec'd in one warm Python process, no kernel, no nbconvert.

The slow baselines (a) and (b) run on the first --baseline-cases cases (default 20) and are
reported per case; (a), (b) and (f) are timed inside their process after its imports. (c)–(e) run
the real CLI as a subprocess and are timed from outside, so interpreter start-up and imports count.
Peak memory is the largest total PSS of the scenario's whole process tree (kernels included; a page
shared by n processes counts 1/n in each, so forked workers' pages shared with the build count once),
sampled every 200 ms (reading a process's PSS makes the kernel walk its pages, 3–5 ms a process:
sampled every 50 ms, that alone made a cold build of 200 cases 7% slower); CPU is the user+system
time of that tree (kernels included), which says what a run costs even when other work on the
machine stretches its wall time. --large N repeats (c)–(e)
on N cases for the 1,000-case goals (0 skips it); (d) and (e) run --repeat times there (median shown).

Also (--parts): `profile` — a warm page before and after issue #20, the old path re-enacted beside the
new one on one warm kernel, and the in-process engine of the worker processes (times per phase and
cProfile's call counts per page); `scale` — cold
builds of 1,000 and --scale cases (default 10,000), locally and on a Dask LocalCluster through
`--scheduler`, with time and peak memory (driver; workers or cluster) per 1,000 cases. Every row
prints the load average: on a shared machine, compare figures of one run, side by side.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(HERE))
WORKBENCH = str(Path(sys.executable).with_name("workbench"))
NOTEBOOK = REPO / "notebooks" / "case_page.ipynb"


# --- scenarios run in a child process (so memory and imports are the scenario's own) -------------

def _case_ids(n: int) -> list[tuple[str, int]]:
    from casebook.store import Store

    with Store.open(read_only=True) as store:
        return [(r.case.id, r.version) for r in store.list_cases(status=["approved", "published"])][:n]


def _lab_html(exporter, nb) -> str:
    body, _ = exporter.from_notebook_node(nb)
    return body


def scenario_a(work: Path, n: int) -> dict:
    import papermill
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(template_name="lab", exclude_input=True)
    out = work / "a"
    out.mkdir(exist_ok=True)
    sizes = []
    t = time.perf_counter()
    for case_id, version in _case_ids(n):
        nb = papermill.execute_notebook(str(NOTEBOOK), str(out / f"{case_id}.ipynb"),
                                        parameters={"case_id": case_id, "version": version}, progress_bar=False,
                                        cwd=str(NOTEBOOK.parent))
        html = _lab_html(exporter, nb)
        (out / f"{case_id}.html").write_text(html, encoding="utf-8")
        sizes.append(len(html.encode()) / 1024)
    return {"cases": len(sizes), "seconds": time.perf_counter() - t, "page_kb": sum(sizes) / len(sizes)}


def _uncached(cache, path: Path) -> bool:
    import nbformat

    try:
        cache.match_cache_notebook(nbformat.read(str(path), as_version=4))
        return False
    except KeyError:
        return True


def scenario_b(work: Path, n: int) -> dict:
    import nbformat
    from jupyter_cache import get_cache
    from jupyter_cache.executors import load_executor
    from nbconvert import HTMLExporter
    from papermill.iorw import load_notebook_node
    from papermill.parameterize import parameterize_notebook

    src = work / "b" / "notebooks"
    src.mkdir(parents=True, exist_ok=True)
    ids = _case_ids(n)
    t = time.perf_counter()
    paths = []
    for case_id, version in ids:  # one parameterized notebook per case, as jupyter-cache needs files
        nb = parameterize_notebook(load_notebook_node(str(NOTEBOOK)), {"case_id": case_id, "version": version})
        path = src / f"{case_id}.ipynb"
        nbformat.write(nb, str(path))
        paths.append(path)
    cache = get_cache(str(work / "b" / "cache"))
    for path in paths:
        cache.add_nb_to_project(str(path))
    # local-parallel now and then reports a notebook as succeeded yet stores no cache record for it (seen
    # twice, on a loaded and on a quiet machine: its worker processes write one SQLite file); what a user
    # would do is run it again, so the missing ones are run again inside the timed region (at most twice).
    for attempt in range(3):
        result = load_executor("local-parallel", cache=cache).run_and_cache(timeout=600)  # per notebook
        if result.excepted or result.errored:
            raise SystemExit(f"jupyter-cache failed: {result}")
        missing = [p for p in paths if _uncached(cache, p)]
        if not missing:
            break
        print(f"jupyter-cache: {len(missing)} notebook(s) without a cache record after run {attempt + 1}; running again",
              file=sys.stderr)
    else:
        raise SystemExit(f"jupyter-cache stored no record for {missing}")
    exporter = HTMLExporter(template_name="lab", exclude_input=True)
    sizes = []
    for path in paths:
        _, nb = cache.merge_match_into_notebook(nbformat.read(str(path), as_version=4))
        html = _lab_html(exporter, nb)
        path.with_suffix(".html").write_text(html, encoding="utf-8")
        sizes.append(len(html.encode()) / 1024)
    return {"cases": len(sizes), "seconds": time.perf_counter() - t, "page_kb": sum(sizes) / len(sizes)}


def scenario_f(work: Path, n: int) -> dict:
    """The page cells in this process: what a case page costs with no kernel and no nbconvert."""
    import IPython.display
    import nbformat

    from casebook.render import pages  # noqa: F401  (imported before timing, as a warm kernel has it)

    nb = nbformat.read(str(NOTEBOOK), as_version=4)
    cells = [c.source for c in nb.cells if c.cell_type == "code" and "parameters" not in c.metadata.get("tags", [])]
    code = [compile(src, f"<cell {i}>", "exec") for i, src in enumerate(cells)]
    shown: list[str] = []
    IPython.display.display = lambda obj: shown.append(obj.data)  # collect what the cells display
    ids = _case_ids(n)
    t = time.perf_counter()
    for case_id, version in ids:
        ns = {"case_id": case_id, "version": version, "charts": True}
        for c in code:
            exec(c, ns)
    return {"cases": len(ids), "seconds": time.perf_counter() - t, "page_kb": sum(len(s.encode()) for s in shown) / 1024 / len(ids)}


def scenario_setup(work: Path, n: int) -> dict:
    import gen_cases
    from casebook.store import Store

    with Store.open() as store:
        gen_cases.fill_store(store, n)
    return {"cases": n}


def scenario_edit(work: Path, n: int) -> dict:
    from casebook.store import Store

    with Store.open() as store:
        rec = store.list_cases()[n]
        store.save_case(rec.case.model_copy(update={"title": rec.case.title + "（改訂）"}), author="benchmark",
                        base_version=rec.version)
    return {"case": rec.case.id}


def _old_page(job):
    """The warm page as it ran before issue #20, re-enacted on the same warm kernel: the notebook object
    handed to `papermill.execute_notebook` (written to JSON, read back and validated, written to nowhere
    at the end), one kernel_info round trip after the cells, and nbconvert validating the notebook after
    each of its preprocessors."""
    import papermill
    from jupyter_core.utils import run_sync

    from casebook import render
    from casebook.pipeline import execute as ex

    t0 = time.perf_counter()
    nb = papermill.execute_notebook(
        copy.deepcopy(ex._load_notebook(job.notebook)), None, parameters=job.parameters, engine_name=ex.ENGINE_NAME,
        kernel_name=ex.KERNEL_NAME, progress_bar=False, request_save_on_cell_execute=False,
        kernel_env={**os.environ, **job.env}, kernel_cwd=str(Path(job.notebook).parent), kernel_warmup=job.warmup)
    kernel = next(iter(ex.POOL._local.kernels.values()))
    kernel.reset()  # the reset begun after the notebook, then the language_info asked again as nbclient did
    async def kernel_info():
        return await kernel.kc.kernel_info(reply=True, timeout=60)

    run_sync(kernel_info)()
    t1 = time.perf_counter()
    exporter = render._exporter(render.TEMPLATES)
    exporter.optimistic_validation = False
    try:
        render.render_case_page(nb, job.site)
    finally:
        exporter.optimistic_validation = True
    return nb, t1 - t0, time.perf_counter() - t1


def _new_page(job):
    from casebook import render
    from casebook.pipeline import execute as ex

    t0 = time.perf_counter()
    nb = ex.execute_page(job)
    t1 = time.perf_counter()
    render.render_case_page(nb, job.site)
    return nb, t1 - t0, time.perf_counter() - t1


def _inprocess_page(job):
    from dataclasses import replace

    return _new_page(replace(job, engine="casebook_inprocess"))


def scenario_profile(work: Path, n: int) -> dict:
    """A warm page before and after, on one warm kernel in this process, the two paths interleaved so
    that both see the same load: time per phase, and cProfile's call counts (which load does not change)."""
    import cProfile
    import pstats

    from casebook.pipeline import execute as ex
    from casebook.pipeline.build import WARMUP
    from casebook.settings import Settings

    ex.skip_unused_iri_grammar()
    env = Settings.from_env().environ()
    ids = _case_ids(max(n, 10))

    def job(i):
        cid, version = ids[i % len(ids)]
        site = {"title": "事例集", "root": "../", "footer": "", "pdf": False, "ward": "", "ward_code": "",
                "case_id": cid, "case_title": ""}
        return ex.PageJob(cid, "k", str(NOTEBOOK), {"case_id": cid, "version": version, "charts": True}, site,
                          env=env, warmup=WARMUP)

    paths = {"before": _old_page, "after": _new_page, "in-process": _inprocess_page}
    ctx = ex._thread_context()
    for i in range(3):  # kernel started, templates compiled, caches warm
        for fn in paths.values():
            ctx.run(fn, job(i))
    out = {}
    stats = {k: {"execute": 0.0, "render": 0.0, "cells": 0.0, "profile": cProfile.Profile()} for k in paths}
    for i in range(2 * n):  # n timed pages per path, then n under cProfile (its overhead kept out of the times)
        for name, fn in (list(paths.items()) if i % 2 else list(reversed(paths.items()))):
            st = stats[name]
            next(iter(ex.POOL._local.kernels.values())).reset()  # the reset between pages: not in a page's time
            if i >= n:
                st["profile"].enable()
                ctx.run(fn, job(i))
                st["profile"].disable()
                continue
            nb, e, r = ctx.run(fn, job(i))
            st["execute"] += e
            st["render"] += r
            st["cells"] += sum(c.metadata.papermill.get("duration") or 0 for c in nb.cells if c.cell_type == "code")
    for name, st in stats.items():
        ps = pstats.Stats(st["profile"])
        calls = {f"{Path(k[0]).name}:{k[2]}": v[1] for k, v in ps.stats.items()}

        def count(*names):
            return sum(c for k, c in calls.items() if any(k.endswith(x) for x in names)) / n

        out[name] = {"execute_ms": st["execute"] / n * 1e3, "render_ms": st["render"] / n * 1e3,
                     "cells_ms": st["cells"] / n * 1e3, "calls": ps.total_calls / n,
                     "validate": count("validator.py:validate"), "json_writes": count("__init__.py:writes"),
                     "json_reads": count("__init__.py:reads"), "deepcopy": count("copy.py:deepcopy"),
                     "kernel_requests": count("session.py:send"), "load": os.getloadavg()[0]}
    ex.shutdown_kernels()
    return out


def scenario_cluster(work: Path, n: int) -> dict:
    """A Dask LocalCluster of n workers (1 thread each) until stdin closes; prints its address first."""
    from distributed import LocalCluster

    cluster = LocalCluster(n_workers=n, threads_per_worker=1, processes=True, dashboard_address=None)
    print(json.dumps({"address": cluster.scheduler_address}), flush=True)
    sys.stdin.read()
    cluster.close()
    return {}


SCENARIOS = {"a": scenario_a, "b": scenario_b, "f": scenario_f, "setup": scenario_setup, "edit": scenario_edit,
             "profile": scenario_profile, "cluster": scenario_cluster}


# --- the parent: run each scenario as a process tree, time it, sample its memory -----------------

SAMPLE_EVERY_S = 0.2   # see the module docstring: sampling PSS is not free


class PeakMemory:
    def __init__(self, pid: int):
        import psutil

        self.root = psutil.Process(pid)
        self.peak = self.driver = self.others = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        import psutil

        while not self._stop.is_set():
            try:
                procs = [self.root] + self.root.children(recursive=True)
                pss = []
                for p in procs:
                    try:
                        pss.append(p.memory_full_info().pss)
                    except psutil.Error:
                        pss.append(0)
                self.peak = max(self.peak, sum(pss))
                self.driver = max(self.driver, pss[0])
                self.others = max(self.others, sum(pss[1:]))
            except psutil.Error:
                pass
            self._stop.wait(SAMPLE_EVERY_S)

    def stop(self) -> float:
        self._stop.set()
        self._thread.join()
        return self.peak / 2**20


CPU = {"last": 0.0}  # CPU seconds of the last run's process tree (read after run())


def _children_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)  # every reaped descendant, kernels included
    return r.ru_utime + r.ru_stime


MEM = {"driver": 0.0, "others": 0.0, "load": 0.0}  # the last run's peak PSS (MB): the process, its children


def run(cmd: list[str], env: dict, log: Path, watch=None) -> tuple[float, float, str]:
    """Run cmd; `watch`: another process (a Dask cluster) whose tree's peak memory is counted as `others`."""
    cpu0 = _children_cpu()
    t = time.perf_counter()
    with open(log, "a") as err:
        proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=err, text=True, cwd=str(REPO))
        mem = PeakMemory(proc.pid)
        other = PeakMemory(watch) if watch else None
        out, _ = proc.communicate()
    seconds = time.perf_counter() - t
    peak = mem.stop()
    MEM.update(driver=mem.driver / 2**20, others=mem.others / 2**20, load=os.getloadavg()[0])
    if other is not None:
        peak += other.stop()
        MEM["others"] = other.peak / 2**20
    CPU["last"] = _children_cpu() - cpu0
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}); see {log}\n{out}")
    return seconds, peak, out


def child(name: str, work: Path, n: int, env: dict, log: Path) -> tuple[float, float, dict]:
    seconds, peak, out = run([sys.executable, __file__, "--run", name, "--work", str(work), "--n", str(n)], env, log)
    return seconds, peak, json.loads(out.strip().splitlines()[-1])


def build(work: Path, env: dict, jobs: int, log: Path, scheduler: str = "", watch=None) -> tuple[float, float, dict]:
    extra = ["--scheduler", scheduler] if scheduler else []
    seconds, peak, _ = run([WORKBENCH, "build", "--jobs", str(jobs), *extra], env, log, watch)
    report = json.loads((work / "build" / "casebook" / "report.json").read_text(encoding="utf-8"))
    return seconds, peak, report


def environment(work: Path) -> dict:
    env = {**os.environ, "WORKBENCH_DATA": str(work / "data"), "WORKBENCH_BUILD": str(work / "build")}
    env.pop("WORKBENCH_DB_URL", None)
    return env


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cases", type=int, default=200)
    ap.add_argument("--baseline-cases", type=int, default=20)
    ap.add_argument("--large", type=int, default=1000)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--repeat", type=int, default=3, help="runs of (d) and (e) at --large (median shown)")
    ap.add_argument("--scale", type=int, default=10000, help="cases for the cold build at scale, locally and on "
                    "a Dask LocalCluster of --jobs workers (0 skips it)")
    ap.add_argument("--profile-pages", type=int, default=40, help="warm pages per path in the before/after profile")
    ap.add_argument("--parts", default="table,profile,scale", help="which parts to run (comma-separated)")
    ap.add_argument("--keep", help="keep the work folder here")
    ap.add_argument("--run", help=argparse.SUPPRESS)
    ap.add_argument("--work", help=argparse.SUPPRESS)
    ap.add_argument("--n", type=int, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.run:
        print(json.dumps(SCENARIOS[args.run](Path(args.work), args.n)))
        return

    root = Path(args.keep or tempfile.mkdtemp(prefix="casebook-bench-"))
    root.mkdir(parents=True, exist_ok=True)
    log = root / "stderr.log"
    print(f"作業フォルダ {root}（ログ {log}）; CPU {os.cpu_count()}, --jobs {args.jobs}", flush=True)
    rows = []

    def row(label, cases, seconds, peak, page_kb=None, note="", cpu=None):
        cpu = CPU["last"] if cpu is None else cpu
        rows.append({"label": label, "cases": cases, "seconds": seconds, "per_case": seconds / max(cases, 1),
                     "page_kb": page_kb, "peak_mb": peak, "cpu_s": cpu, "note": note, **{f"{k}_mb": v for k, v in
                                                                                         MEM.items() if k != "load"},
                     "load": os.getloadavg()[0]})
        r = rows[-1]
        kb = f"{page_kb:7.1f}" if page_kb is not None else "      -"
        print(f"  {label:<46} {cases:>5} {seconds:9.2f} s {r['per_case']:8.4f} s/case {kb} KB {peak:8.0f} MB "
              f"{cpu:7.2f} s CPU  load {r['load']:4.1f}  {note}", flush=True)

    parts = set(args.parts.split(","))
    if "profile" in parts:
        profile(root, args, log)
    if "scale" in parts and args.scale:
        scale(root, args, log, row)
    if "table" in parts:
        table(root, args, log, rows, row)
    (root / "results.json").write_text(json.dumps(rows, ensure_ascii=False, indent=1), encoding="utf-8")
    if not args.keep:
        shutil.rmtree(root, ignore_errors=True)


def profile(root: Path, args, log: Path) -> None:
    """A warm page before (the path as it was) and after, side by side in one process."""
    work = root / "profile"
    env = environment(work)
    child("setup", work, 40, env, log)
    _, _, r = child("profile", work, args.profile_pages, env, log)
    print(f"\nA warm page, before and after (#20): {args.profile_pages} pages per path, on one warm kernel (before, "
          f"after) and on the in-process shell of a worker (in-process), the paths interleaved; load average "
          f"{r['after']['load']:.1f} (times are stretched by load; counts are not)\n")
    labels = [("execute_ms", "execute (papermill), ms", ".1f"),
              ("cells_ms", "  of which the cells as papermill timed them, ms", ".1f"),
              ("render_ms", "render (nbconvert), ms", ".1f"),
              ("calls", "Python function calls per page (cProfile)", ",.0f"),
              ("validate", "nbformat validations per page", ".0f"), ("json_writes", "notebook to JSON text", ".0f"),
              ("json_reads", "notebook from JSON text", ".0f"), ("deepcopy", "deepcopy calls (incl. recursive)", ",.0f"),
              ("kernel_requests", "messages sent to the kernel (incl. reset)", ".0f")]
    print(f"  {'':<50} {'before':>10} {'after':>10} {'in-process':>10}")
    for key, label, fmt in labels:
        print(f"  {label:<50} {r['before'][key]:>10{fmt}} {r['after'][key]:>10{fmt}} {r['in-process'][key]:>10{fmt}}")
    (root / "profile.json").write_text(json.dumps(r, indent=1), encoding="utf-8")


def scale(root: Path, args, log: Path, row) -> None:
    """`--scale` cases cold, locally and on a Dask LocalCluster; time and peak memory per 1,000 cases,
    against the same at 1,000 cases (run first, same way)."""
    print(f"\nScale: cold builds of 1,000 and {args.scale:,} generated cases, locally (--jobs {args.jobs}: worker processes) and "
          f"on a Dask LocalCluster ({args.jobs} workers × 1 thread) through --scheduler\n")
    out = {}
    for n in (1000, args.scale):
        work = root / f"scale{n}"
        env = environment(work)
        child("setup", work, n, env, log)
        s, m, rep = build(work, env, args.jobs, log)
        assert len(rep["built"]) == n, rep["failed"][:3]
        row(f"(c) ours, cold, {n:,} cases, local", n, s, m, rep["pages_kb"]["mean"],
            f"per 1,000: {s / n * 1000:.1f} s; driver {MEM['driver']:.0f} MB + workers {MEM['others']:.0f} MB")
        out[("local", n)] = (s, m, dict(MEM))
        shutil.rmtree(work / "build")
        cluster = subprocess.Popen([sys.executable, __file__, "--run", "cluster", "--work", str(work), "--n",
                                    str(args.jobs)], env={**env, "PYTHONPATH": str(REPO)}, stdin=subprocess.PIPE,
                                   stdout=subprocess.PIPE, stderr=open(log, "a"), text=True, cwd=str(REPO))
        try:
            address = json.loads(cluster.stdout.readline())["address"]
            s, m, rep = build(work, env, args.jobs, log, scheduler=address, watch=cluster.pid)
        finally:
            cluster.stdin.close()
            cluster.wait(timeout=60)
        assert len(rep["built"]) == n, rep["failed"][:3]
        row(f"(c) ours, cold, {n:,} cases, Dask", n, s, m, rep["pages_kb"]["mean"],
            f"per 1,000: {s / n * 1000:.1f} s; driver {MEM['driver']:.0f} MB + cluster {MEM['others']:.0f} MB")
        out[("dask", n)] = (s, m, dict(MEM))
    print("\n  memory and time at {:,} cases against 1,000 (goal: memory within 1.5×)".format(args.scale))
    for where in ("local", "dask"):
        (s1, m1, _), (s2, m2, _) = out[(where, 1000)], out[(where, args.scale)]
        print(f"  {where:<6} peak PSS {m1:6.0f} MB → {m2:6.0f} MB ({m2 / m1:.2f}×);  time per 1,000 cases "
              f"{s1:6.1f} s → {s2 / args.scale * 1000:6.1f} s")


def table(root: Path, args, log: Path, rows: list, row) -> None:
    work = root / "main"
    env = environment(work)
    child("setup", work, args.cases, env, log)
    k = min(args.baseline_cases, args.cases)
    print(f"\n{args.cases} generated cases; the baselines (a), (b) on the first {k} of them, reported per case\n")

    # (a), (b), (f): timed inside the child, after its imports; (c)-(e): the whole CLI process.
    s, m, r = child("a", work, k, env, log)
    row("(a) papermill + nbconvert(lab), per case", r["cases"], r["seconds"], m, r["page_kb"], f"subset of {k}")
    a = rows[-1]
    s, m, r = child("b", work, k, env, log)
    row("(b) jupyter-cache local-parallel + nbconvert", r["cases"], r["seconds"], m, r["page_kb"], f"subset of {k}")
    b = rows[-1]
    s, m, rep = build(work, env, args.jobs, log)
    assert len(rep["built"]) == args.cases, rep["failed"]
    row("(c) ours, cold (workbench build)", args.cases, s, m, rep["pages_kb"]["mean"],
        f"max page {rep['pages_kb']['max']} KB; {rep['executor']}")
    cold = rows[-1]
    # Where a cold page's time goes, as the workers measured it (the kernel's first start included).
    per_page = {k: statistics.mean(b[k] for b in rep["built"]) for k in ("execute_seconds", "render_seconds")}
    child("edit", work, 3, env, log)
    s, m, rep = build(work, env, args.jobs, log)
    assert len(rep["built"]) == 1 and len(rep["cached"]) == args.cases - 1
    row("(d) ours, one case changed", args.cases, s, m, note="1 built, rest cached")
    s, m, rep = build(work, env, args.jobs, log)
    assert not rep["built"]
    row("(e) ours, nothing changed", args.cases, s, m, note="all cached")
    s, m, r = child("f", work, args.cases, env, log)
    row("(f) floor: page cells in one process", r["cases"], r["seconds"], m, r["page_kb"],
        f"process total {s:.1f} s incl. imports")
    floor = rows[-1]

    large = {}
    if args.large:
        print(f"\n{args.large} cases (the goals for one changed / nothing changed are set for 1,000)\n")
        big = root / "large"
        benv = environment(big)
        child("setup", big, args.large, benv, log)
        s, m, rep = build(big, benv, args.jobs, log)
        row(f"(c) ours, cold, {args.large} cases", args.large, s, m, rep["pages_kb"]["mean"])
        large["cold"] = rows[-1]
        runs = []
        for i in range(args.repeat):
            child("edit", big, 7 + i, benv, log)
            s, m, rep = build(big, benv, args.jobs, log)
            assert len(rep["built"]) == 1 and len(rep["cached"]) == args.large - 1
            runs.append((s, m, CPU["last"]))
        s, m, c = sorted(runs)[len(runs) // 2]
        row(f"(d) ours, one case changed, {args.large} cases", args.large, s, m, cpu=c,
            note=f"1 built; runs {', '.join(f'{r[0]:.2f}' for r in runs)} s; {rep['executor']}")
        large["one"] = rows[-1]
        runs = []
        for i in range(args.repeat):
            s, m, rep = build(big, benv, args.jobs, log)
            assert not rep["built"]
            runs.append((s, m, CPU["last"]))
        s, m, c = sorted(runs)[len(runs) // 2]
        row(f"(e) ours, nothing changed, {args.large} cases", args.large, s, m, cpu=c,
            note=f"all cached; runs {', '.join(f'{r[0]:.2f}' for r in runs)} s")
        large["none"] = rows[-1]

    print("\nRatios (seconds per case)")
    print(f"  (a) / (c)  papermill per case vs ours cold : {a['per_case'] / cold['per_case']:6.1f}×")
    print(f"  (b) / (c)  jupyter-cache vs ours cold      : {b['per_case'] / cold['per_case']:6.1f}×   goal ≥ 40×")
    print(f"  (c) / (f)  ours cold vs the floor          : {cold['per_case'] / floor['per_case']:6.1f}×   goal ≤ 5×")
    if large:
        print(f"             the same at {args.large} cases       : {large['cold']['per_case'] / floor['per_case']:6.1f}×"
              f"   (start-up, imports and the workers' start spread over more pages)")
    print(f"             a cold page, per worker: execute (papermill) {per_page['execute_seconds']:.3f} s"
          f" + render (nbconvert) {per_page['render_seconds']:.3f} s; the floor's page {floor['per_case']:.4f} s")
    print(f"  (c) page size                              : {cold['page_kb']:6.1f} KB (lab template: {a['page_kb']:.0f} KB)   goal ≤ 40 KB")
    if large:
        print(f"  (d) one changed, {args.large} cases              : {large['one']['seconds']:6.2f} s   goal ≤ 1.5 s"
              f"   ({large['one']['cpu_s']:.2f} s CPU incl. the worker)")
        print(f"  (e) nothing changed, {args.large} cases          : {large['none']['seconds']:6.2f} s   goal ≤ 0.5 s"
              f"   ({large['none']['cpu_s']:.2f} s CPU)")
    print(f"  machine: {os.cpu_count()} CPUs, load average at the end {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
