"""How the cross-case analysis scales: prints figures, asserts nothing.

On N generated cases (benchmarks/gen_cases.py, default 1,000):
- corpus: SudachiPy words of every case, cold (first time in the process) and warm (texts cached);
- analysis: everything the report shows (matrix, trends, key points, characteristic words, cases to
  read first) from the corpus, and the report's HTML fragments;
- similar cases: building the TF-IDF index, then one query (goal ≤ 50 ms at 1,000 cases), for an
  editor and for a ward's staff (who must skip the cases they may not read), and through a SQLite
  store (the digests query that decides whether the cached index is still current, plus the query);
- memory: peak traced Python allocation during corpus + analysis, and the process's max RSS.

Run: PYTHONPATH=. python benchmarks/analysis.py [N] [--queries 200]
"""
from __future__ import annotations

import argparse
import resource
import statistics
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))


def ms(seconds: float) -> str:
    return f"{seconds * 1000:8.1f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", type=int, nargs="?", default=1000)
    parser.add_argument("--queries", type=int, default=200)
    args = parser.parse_args()

    from gen_cases import make_activity, make_cases

    from casebook.analysis import similar
    from casebook.analysis.corpus import corpus, terms_of
    from casebook.analysis.report import analyse
    from casebook.identity import User
    from casebook.pipeline.params import AnalysisParams
    from casebook.privacy import load_dictionary
    from casebook.render import analysis as part

    cases = make_cases(args.n, seed=1)
    activity = make_activity(seed=1)
    load_dictionary()
    chars = sum(len(t) for c in cases for _, t in c.text_fields())
    print(f"{args.n} generated cases, {chars:,} characters of text")

    t0 = time.perf_counter()
    docs = corpus(cases)
    t1 = time.perf_counter()
    terms_of.cache_clear()
    t2 = time.perf_counter()
    docs = corpus(cases)
    t3 = time.perf_counter()
    docs_warm = corpus(cases)
    t4 = time.perf_counter()
    params = AnalysisParams(statuses=["approved"])
    data = analyse(docs_warm, params, activity)
    t5 = time.perf_counter()
    html = part.report_html(data)
    t6 = time.perf_counter()
    # Memory in a second pass: tracing slows Python several times, so it is not in the times above.
    terms_of.cache_clear()
    tracemalloc.start()
    analyse(corpus(cases), params, activity)
    _cur, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"corpus, first in process    {ms(t1 - t0)}")
    print(f"corpus, cold word cache     {ms(t3 - t2)}")
    print(f"corpus, warm word cache     {ms(t4 - t3)}")
    print(f"analysis (all sections)     {ms(t5 - t4)}   ({len(data.words)} themes, {data.points.points} key points)")
    print(f"report HTML fragments       {ms(t6 - t5)}   ({len(html) / 1024:,.0f} KiB)")
    print(f"peak traced memory          {peak / 2**20:8.1f} MiB (corpus + analysis)")

    t0 = time.perf_counter()
    index = similar.SimilarityIndex(docs)
    t1 = time.perf_counter()
    print(f"similarity index build      {ms(t1 - t0)}   ({len(index.vocab):,} words, {len(index.data):,} non-zeros)")
    editor = User("編集者", "editor")
    staff = User("生野区の職員", "staff", ward="生野区")
    ikuno = [d.id for d in docs if d.ward == "生野区"]
    ids = [d.id for d in docs]
    for label, user, pool in (("editor", editor, ids), ("staff of 生野区", staff, ikuno)):
        times = []
        for q in range(args.queries):
            case_id = pool[q % len(pool)]
            t0 = time.perf_counter()
            similar.similar_cases(index, case_id, user, k=5)
            times.append(time.perf_counter() - t0)
        times.sort()
        print(f"similar query, {label:<14} median {ms(statistics.median(times))}  p95 {ms(times[int(len(times) * .95)])}"
              f"  (goal ≤ 50 ms)")

    from casebook.store import Store

    with tempfile.TemporaryDirectory() as tmp:
        with Store(f"sqlite:///{tmp}/bench.sqlite") as store:
            store.import_all(cases=cases, author="bench")
            t0 = time.perf_counter()
            similar.similar_cases(store, ids[0], editor)
            t1 = time.perf_counter()
            times = []
            for q in range(min(args.queries, 50)):
                t2 = time.perf_counter()
                similar.similar_cases(store, ids[q], editor)
                times.append(time.perf_counter() - t2)
        print(f"store: first query (builds) {ms(t1 - t0)}")
        print(f"store: cached index query   median {ms(statistics.median(times))}  (versions query + similar)")
    print(f"max RSS of this process     {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:8.1f} MiB")


if __name__ == "__main__":
    main()
