"""Load on a training day: N participants' pages on one real Voila, all submitting at the same moment.

Each participant is a real Voila page (GET → kernel → notebook run) driven over its kernel
websocket with tests/kernel_channel.py, as a browser would: pick a name, join, write a point for
each question, fill the survey. After a barrier, every participant presses all their send buttons
at once. The script checks that every point and every survey is in the store, and prints the save
latency (click → kernel done, store write included) p50/p95, the same writes made directly on the
store for comparison, and the memory of the Voila server and its kernels.

    python benchmarks/session_load.py            # 40 participants (about 2-4 minutes on 2 cores)
    python benchmarks/session_load.py -n 10 --db-url postgresql+psycopg://...

Not a timed test: tests/test_sessions_load.py runs a small version and asserts only that all arrived.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from casebook import sessions  # noqa: E402
from casebook.settings import Settings  # noqa: E402
from casebook.store import Store  # noqa: E402

WARDS = ["北区", "都島区", "福島区", "此花区", "中央区", "西区", "港区", "大正区", "天王寺区", "浪速区", "西淀川区",
         "淀川区", "東淀川区", "東成区", "生野区", "旭区", "城東区", "鶴見区", "阿倍野区", "住之江区", "住吉区",
         "東住吉区", "平野区", "西成区"]
QUESTIONS = ["本人・世帯のストレングスは何か", "次の一手として、CSWは誰と何をするか"]


@dataclass
class LoadResult:
    participants: int
    notes: int
    evaluations: int
    expected_notes: int
    latencies: list[float] = field(default_factory=list)     # seconds, one per save (points + survey)
    refusals: list[str] = field(default_factory=list)         # status texts that were not a success
    page_seconds: float = 0.0                                  # opening every page (kernels started)
    submit_seconds: float = 0.0                                # from the barrier until the last save
    server_rss_mb: float = 0.0
    kernels_rss_mb: float = 0.0
    kernels: int = 0

    @property
    def complete(self) -> bool:
        return (self.notes == self.expected_notes and self.evaluations == self.participants
                and not self.refusals)


def session_params(session_id: str, n: int) -> dict:
    return {
        "id": session_id, "title": f"負荷試験 {n}人", "date": "2025-11-20", "kind": "basic2",
        "participants": [{"name": f"参加者{i:02d}", "ward": WARDS[(i - 1) % len(WARDS)], "role": "CSW"}
                         for i in range(1, n + 1)],
        "group_rule": {"size": 6}, "questions": QUESTIONS,
    }


def _memory(pid: int) -> tuple[float, float, int]:
    import psutil

    server = psutil.Process(pid)
    kids = [k for k in server.children(recursive=True) if "ipykernel" in " ".join(k.cmdline())]
    mb = 1024 * 1024
    return server.memory_info().rss / mb, sum(k.memory_info().rss for k in kids) / mb, len(kids)


def run_load(n: int, settings: Settings, *, session_id: str = "load-test", open_workers: int = 4) -> LoadResult:
    """Prepare a session for n participants, serve it, drive n pages at once; the store decides the result."""
    import yaml
    from kernel_channel import KernelChannel

    param_file = settings.build_dir / f"{session_id}.yaml"
    param_file.parent.mkdir(parents=True, exist_ok=True)
    param_file.write_text(yaml.safe_dump(session_params(session_id, n), allow_unicode=True), encoding="utf-8")
    sessions.prepare(param_file, settings, execute=False)
    server = sessions.serve(session_id, settings, pool_size=0, max_kernels=n + 10,
                            log_path=settings.build_dir / "logs" / "session_load_voila.log")
    result = LoadResult(participants=n, notes=0, evaluations=0, expected_notes=n * len(QUESTIONS))
    channels: list[KernelChannel] = []
    lock = threading.Lock()
    try:
        url = server.page_url(sessions.PARTICIPANT_NOTEBOOK)
        t0 = time.perf_counter()

        def open_page(i: int) -> KernelChannel:
            kc = KernelChannel.from_page(url, timeout=240)
            name = f"参加者{i:02d}"
            kc.set(kc.find(dom_class="wb-s-name"), value=name)
            kc.click(kc.find(dom_class="wb-s-join"))
            for q in range(len(QUESTIONS)):
                kc.set(kc.find(dom_class=f"wb-s-q{q}-text"), value=f"{name} の意見 {q + 1}: 近所の見守りの輪")
            for item in sessions.SURVEY_SCORES:
                kc.set(kc.find(dom_class=f"wb-sv-{item}"), index=i % 3)
            kc.set(kc.find(dom_class="wb-sv-comments"), value=f"{name}: 他区の実践が参考になった")
            return kc

        with ThreadPoolExecutor(open_workers) as pool:   # Voila runs each page's notebook on these 2 cores
            channels = list(pool.map(open_page, range(1, n + 1)))
        result.page_seconds = time.perf_counter() - t0

        barrier = threading.Barrier(n)
        done_at: list[float] = []

        def submit(kc: KernelChannel) -> None:
            buttons = [(f"wb-s-q{q}-send", f"wb-s-q{q}-status", "送信しました") for q in range(len(QUESTIONS))]
            buttons.append(("wb-sv-send", "wb-sv-status", "保存しました"))
            barrier.wait()
            for button, status, ok in buttons:
                start = time.perf_counter()
                kc.click(kc.find(dom_class=button))
                took = time.perf_counter() - start
                text = kc.text(kc.find(dom_class=status))
                with lock:
                    result.latencies.append(took)
                    if ok not in text:
                        result.refusals.append(text.strip())
            with lock:
                done_at.append(time.perf_counter())

        with ThreadPoolExecutor(n) as pool:
            start = time.perf_counter()
            list(pool.map(submit, channels))
        result.submit_seconds = max(done_at) - start
        result.server_rss_mb, result.kernels_rss_mb, result.kernels = _memory(server.proc.pid)
    finally:
        for kc in channels:
            kc.close()
        server.stop()
    with Store.open(settings) as store:
        result.notes = len(store.group_notes(session_id))
        result.evaluations = len(store.evaluations(session_id))
    return result


def direct_writes(n: int, settings: Settings, session_id: str = "load-direct") -> list[float]:
    """The plain tool chain: the same n × (points + survey) written straight to the store, one by one."""
    import yaml

    param_file = settings.build_dir / f"{session_id}.yaml"
    param_file.write_text(yaml.safe_dump(session_params(session_id, n), allow_unicode=True), encoding="utf-8")
    sessions.prepare(param_file, settings, execute=False)
    out = []
    with Store.open(settings) as store:
        session = store.get_session(session_id)
        for p in session.participants:
            for q in range(len(QUESTIONS)):
                t = time.perf_counter()
                sessions.submit_point(store, session_id, participant=p.name, group=p.group, question=q, text="意見")
                out.append(time.perf_counter() - t)
            t = time.perf_counter()
            sessions.submit_evaluation(store, session_id, participant=p.name, satisfaction=5, understanding=4,
                                       usefulness=4)
            out.append(time.perf_counter() - t)
    return out


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-n", type=int, default=40, help="participants (default 40)")
    ap.add_argument("--db-url", default=None, help="store URL (default: a fresh SQLite file in a temp folder)")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="session-load-") as tmp:
        settings = Settings(data_dir=Path(tmp) / "data", build_dir=Path(tmp) / "build", db_url=args.db_url)
        settings.data_dir.mkdir(parents=True)
        r = run_load(args.n, settings)
        direct = direct_writes(args.n, settings)
    ms = 1000
    print(f"store: {'SQLite' if not args.db_url else args.db_url.split(':')[0]}  participants: {r.participants}")
    print(f"opening {r.participants} pages (kernel start + notebook run): {r.page_seconds:.1f} s")
    print(f"in the store: {r.notes}/{r.expected_notes} points, {r.evaluations}/{r.participants} surveys"
          f" -> {'ALL ARRIVED' if r.complete else 'MISSING OR REFUSED'}")
    if r.refusals:
        print("refused:", *sorted(set(r.refusals)), sep="\n  ")
    print(f"saves at the same moment: {len(r.latencies)} in {r.submit_seconds:.2f} s; "
          f"latency p50 {_pct(r.latencies, .5) * ms:.0f} ms, p95 {_pct(r.latencies, .95) * ms:.0f} ms, "
          f"max {max(r.latencies) * ms:.0f} ms")
    print(f"plain store writes, one by one in-process: p50 {_pct(direct, .5) * ms:.1f} ms, "
          f"p95 {_pct(direct, .95) * ms:.1f} ms  (page p50 / direct p50 = "
          f"{_pct(r.latencies, .5) / _pct(direct, .5):.0f}x)")
    print(f"memory: Voila server {r.server_rss_mb:.0f} MB; {r.kernels} kernels {r.kernels_rss_mb:.0f} MB "
          f"({r.kernels_rss_mb / max(r.kernels, 1):.0f} MB each)")
    return 0 if r.complete else 1


if __name__ == "__main__":
    raise SystemExit(main())
