"""How fast is `workbench build`? One run, one generated collection, six ways of making the pages.

    python benchmarks/casebook_build.py [--cases 200] [--baseline-cases 20] [--large 1000] [--jobs 2]

(a) papermill + nbconvert per case: a fresh kernel per notebook, the stock `lab` HTML template;
(b) jupyter-cache, executor `local-parallel` (one process per CPU, a fresh kernel per notebook),
    then nbconvert `lab` — the plain tool chain with a cache;
(c) ours, cold: `workbench build` with an empty cache (warm kernels, threads, our template);
(d) ours after one case changed;  (e) ours with nothing changed;
(f) the floor: the notebook's page cells exec'd in one warm Python process, no kernel, no nbconvert.

The slow baselines (a) and (b) run on the first --baseline-cases cases (default 20) and are
reported per case; (a), (b) and (f) are timed inside their process after its imports. (c)–(e) run
the real CLI as a subprocess and are timed from outside, so interpreter start-up and imports count.
Peak memory is the largest total RSS of the scenario's whole process tree (kernels included),
sampled every 50 ms; CPU is the user+system time of that tree (kernels included), which says what
a run costs even when other work on the machine stretches its wall time. --large N repeats (c)–(e)
on N cases for the 1,000-case goals (0 skips it); (d) and (e) run --repeat times there (median shown).
"""

from __future__ import annotations

import argparse
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
    result = load_executor("local-parallel", cache=cache).run_and_cache(timeout=120)
    if result.excepted or result.errored:
        raise SystemExit(f"jupyter-cache failed: {result}")
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


SCENARIOS = {"a": scenario_a, "b": scenario_b, "f": scenario_f, "setup": scenario_setup, "edit": scenario_edit}


# --- the parent: run each scenario as a process tree, time it, sample its memory -----------------

class PeakMemory:
    def __init__(self, pid: int):
        import psutil

        self.root = psutil.Process(pid)
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        import psutil

        while not self._stop.is_set():
            try:
                procs = [self.root] + self.root.children(recursive=True)
                total = 0
                for p in procs:
                    try:
                        total += p.memory_info().rss
                    except psutil.Error:
                        pass
                self.peak = max(self.peak, total)
            except psutil.Error:
                pass
            self._stop.wait(0.05)

    def stop(self) -> float:
        self._stop.set()
        self._thread.join()
        return self.peak / 2**20


CPU = {"last": 0.0}  # CPU seconds of the last run's process tree (read after run())


def _children_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)  # every reaped descendant, kernels included
    return r.ru_utime + r.ru_stime


def run(cmd: list[str], env: dict, log: Path) -> tuple[float, float, str]:
    cpu0 = _children_cpu()
    t = time.perf_counter()
    with open(log, "a") as err:
        proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=err, text=True, cwd=str(REPO))
        mem = PeakMemory(proc.pid)
        out, _ = proc.communicate()
    seconds = time.perf_counter() - t
    peak = mem.stop()
    CPU["last"] = _children_cpu() - cpu0
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}); see {log}\n{out}")
    return seconds, peak, out


def child(name: str, work: Path, n: int, env: dict, log: Path) -> tuple[float, float, dict]:
    seconds, peak, out = run([sys.executable, __file__, "--run", name, "--work", str(work), "--n", str(n)], env, log)
    return seconds, peak, json.loads(out.strip().splitlines()[-1])


def build(work: Path, env: dict, jobs: int, log: Path) -> tuple[float, float, dict]:
    seconds, peak, _ = run([WORKBENCH, "build", "--jobs", str(jobs)], env, log)
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
                     "page_kb": page_kb, "peak_mb": peak, "cpu_s": cpu, "note": note})
        r = rows[-1]
        kb = f"{page_kb:7.1f}" if page_kb is not None else "      -"
        print(f"  {label:<44} {cases:>5} {seconds:9.2f} s {r['per_case']:8.3f} s/case {kb} KB {peak:8.0f} MB "
              f"{cpu:7.2f} s CPU  {note}", flush=True)

    work = root / "main"
    env = environment(work)
    child("setup", work, args.cases, env, log)
    k = min(args.baseline_cases, args.cases)
    print(f"\n{args.cases} generated cases; the baselines (a), (b) on the first {k} of them, reported per case\n")

    # (a), (b), (f): timed inside the child, after its imports; (c)-(e): the whole CLI process.
    s, m, r = child("a", work, k, env, log)
    row("(a) papermill + nbconvert(lab), per case", r["cases"], r["seconds"], m, r["page_kb"], f"subset of {k}")
    s, m, r = child("b", work, k, env, log)
    row("(b) jupyter-cache local-parallel + nbconvert", r["cases"], r["seconds"], m, r["page_kb"], f"subset of {k}")
    s, m, rep = build(work, env, args.jobs, log)
    assert len(rep["built"]) == args.cases, rep["failed"]
    row("(c) ours, cold (workbench build)", args.cases, s, m, rep["pages_kb"]["mean"],
        f"max page {rep['pages_kb']['max']} KB")
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
            note=f"1 built; runs {', '.join(f'{r[0]:.2f}' for r in runs)} s")
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

    a, b = rows[0], rows[1]
    print("\nRatios (seconds per case)")
    print(f"  (a) / (c)  papermill per case vs ours cold : {a['per_case'] / cold['per_case']:6.1f}×")
    print(f"  (b) / (c)  jupyter-cache vs ours cold      : {b['per_case'] / cold['per_case']:6.1f}×   goal ≥ 20×")
    print(f"  (c) / (f)  ours cold vs the floor          : {cold['per_case'] / floor['per_case']:6.1f}×   goal ≤ 2×")
    print(f"             a cold page, per worker: execute (papermill, warm kernel) {per_page['execute_seconds']:.3f} s"
          f" + render (nbconvert) {per_page['render_seconds']:.3f} s; the floor's page {floor['per_case']:.4f} s")
    print(f"  (c) page size                              : {cold['page_kb']:6.1f} KB (lab template: {a['page_kb']:.0f} KB)   goal ≤ 40 KB")
    if large:
        print(f"  (d) one changed, {args.large} cases              : {large['one']['seconds']:6.2f} s   goal ≤ 3 s"
              f"   ({large['one']['cpu_s']:.2f} s CPU incl. the kernel)")
        print(f"  (e) nothing changed, {args.large} cases          : {large['none']['seconds']:6.2f} s   goal ≤ 1.5 s"
              f"   ({large['none']['cpu_s']:.2f} s CPU)")
    print(f"  machine: {os.cpu_count()} CPUs, load average at the end {os.getloadavg()[0]:.1f}")
    (root / "results.json").write_text(json.dumps(rows, ensure_ascii=False, indent=1), encoding="utf-8")
    if not args.keep:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
