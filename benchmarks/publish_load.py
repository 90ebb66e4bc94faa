"""Readers arriving together at the public pages, quiet and under attack (not a timed test).

    PYTHONPATH=. .venv/bin/python benchmarks/publish_load.py [--readers 50] [--attack-readers 20]

Each reader (its own client address, 127.0.1.N: any 127.x address is this machine) opens the
dashboard and a case page as a browser would: the static page first (what a GET returns), then
the reader asks for the live view (`/published/api/live`, then the Voila page and its kernel
socket: comm_open of the widget control, request_states, until the widgets' states arrive), reads
for a few seconds and leaves. "Usable" is the static page received in full; the live view's own
time is printed beside. The attack (from 127.0.3.x) runs while readers load: 24 held kernel
sockets, 100 page GETs that never open the socket, and a comm_open flood over the held sockets.

Prints p50/p95 of time to usable content, the share of views served live and static, errors (goal
0), and the peak memory of the server and its kernels. Goal: p95 <= 3 s on this machine's 2 cores;
under attack, readers' p95 within 2x of the quiet run and no error page.
"""

from __future__ import annotations

import argparse
import json
import random
import socket
import statistics
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import quote, urlsplit

import psutil
import websocket

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from casebook import vocab  # noqa: E402
from casebook.apps.publish import publish, serve_published  # noqa: E402
from casebook.settings import Settings  # noqa: E402
from casebook.store import Store  # noqa: E402
from tests.kernel_channel import _decode, page_kernel_id  # noqa: E402
from tests.public_support import get, kernels, raw_message  # noqa: E402

READ_SECONDS = 4          # how long a live reader keeps its page open
MEMORY_CEILING_MB = 4500  # stated ceiling for server + kernels (24 kernels x ~140 MB + server; 12 by default), checked below


def seed(settings: Settings) -> list[str]:
    from casebook.exchange import load_sample
    from tests.publish_seed import activity_rows

    with Store(settings.store_url) as store:
        load_sample(store)
        store.put_activity(activity_rows())
    report = publish(settings)
    return [cid for cid, _ in report.published]


class Memory(threading.Thread):
    """Peak resident memory of the server and its kernels, sampled twice a second."""

    def __init__(self, server):
        super().__init__(daemon=True)
        self.server, self.peak, self.peak_kernels, self.stop = server, 0.0, 0, threading.Event()

    def run(self):
        while not self.stop.is_set():
            try:
                procs = [psutil.Process(self.server.proc.pid), *kernels(self.server)]
                total = sum(p.memory_info().rss for p in procs) / 2**20
                if total > self.peak:
                    self.peak, self.peak_kernels = total, len(procs) - 1
            except psutil.Error:
                pass
            time.sleep(0.5)


def connect_ws(server_url: str, kernel_id: str, client: str, timeout: float = 60):
    parts = urlsplit(server_url)
    sock = socket.create_connection((parts.hostname, parts.port), timeout=timeout, source_address=(client, 0))
    return websocket.create_connection(f"ws://{parts.netloc}/api/kernels/{kernel_id}/channels?session_id=x",
                                       socket=sock, timeout=timeout)


def widgets_arrive(ws, timeout: float = 60) -> None:
    """As an ipywidgets page does on connect: open the control comm, ask every widget's state."""
    session = "reader"
    _, frame = raw_message(session, "comm_open", {"comm_id": "ctl", "target_name": "jupyter.widget.control",
                                                  "data": {}}, metadata={"version": "1.0.0"})
    ws.send(frame)
    _, frame = raw_message(session, "comm_msg", {"comm_id": "ctl", "data": {"method": "request_states"}})
    ws.send(frame)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ws.settimeout(max(0.1, deadline - time.monotonic()))
        msg = _decode(ws.recv())
        if msg and (msg.get("content", {}).get("data") or {}).get("method") == "update_states":
            return
    raise TimeoutError("no widget states")


def open_view(server, static_path: str, live_path: str, client: str, stats: dict, lock) -> None:
    """One view: its static page (timed: usable), then the live view if the server has room.
    An error is a page that did not come (not 200, or cut short); a live view that fails while the
    static page stays on screen is counted apart (live_failed)."""
    t = time.perf_counter()
    status, _, body = get(server.url + static_path, client=client)
    usable = time.perf_counter() - t
    ok = status == 200 and "</html>" in body
    with lock:
        stats["usable"].append(usable)
        stats["errors"] += 0 if ok else 1
    if not ok:
        return
    served, live_time = "static", None
    try:
        if json.loads(get(server.url + "/published/api/live", client=client)[2]).get("live"):
            t = time.perf_counter()
            status, path, body = get(server.url + live_path, client=client, timeout=180)
            if status != 200:
                with lock:
                    stats["errors"] += 1
            elif path.startswith("/voila/render/"):
                ws = connect_ws(server.url, page_kernel_id(body), client)
                try:
                    widgets_arrive(ws)
                    live_time, served = time.perf_counter() - t, "live"
                    time.sleep(READ_SECONDS)
                finally:
                    ws.close()
    except Exception as exc:
        with lock:
            stats["live_failed"] += 1
            stats.setdefault("why", []).append(f"live: {type(exc).__name__}: {exc}"[:120])
    with lock:
        stats[served] += 1
        if live_time is not None:
            stats["live_times"].append(live_time)


def reader(server, n: int, start_at: float, cases: list[str], stats: dict, lock) -> None:
    time.sleep(max(0.0, start_at - time.monotonic()))
    client = f"127.0.1.{n + 1}"
    ward = vocab.wards()[n % 24]
    try:
        open_view(server, f"/published/wards/{ward.code}/2024.html",
                  f"/voila/render/ward_dashboard.ipynb?ward={quote(ward.name)}&year=2024", client, stats, lock)
        case = cases[n % len(cases)]
        open_view(server, f"/published/cases/{case}.html", f"/voila/render/casebook_browser.ipynb?case={case}",
                  client, stats, lock)
    except Exception as exc:   # a reader's failure is a figure, not the end of the run
        with lock:
            stats["errors"] += 1
            stats.setdefault("why", []).append(f"{type(exc).__name__}: {exc}"[:120])


def attack(server, stop: threading.Event, report: dict) -> None:
    """24 held sockets, 100 socketless GETs, a comm_open flood; bounded in count and time."""
    page = server.url + "/voila/render/ward_dashboard.ipynb"
    held, kernel_ids = [], []
    for _ in range(24):
        status, path, body = get(page, client="127.0.3.1", timeout=180)
        report["attacker_statuses"].append(status)
        if path.startswith("/voila/render/"):
            kernel_ids.append(page_kernel_id(body))
        if kernel_ids:
            try:
                held.append(connect_ws(server.url, kernel_ids[len(held) % len(kernel_ids)], "127.0.3.1"))
            except Exception:
                report["sockets_refused"] += 1

    def socketless(_):
        return get(page, client="127.0.3.2", timeout=180)[0]

    with ThreadPoolExecutor(8) as pool:
        report["socketless"] = dict(sorted({s: 0 for s in ()}.items()))
        for status in pool.map(socketless, range(100)):
            report["socketless"][status] = report["socketless"].get(status, 0) + 1
    big = "x" * (200 * 1024)
    for ws in held[:3]:
        for i in range(100):
            _, frame = raw_message("attacker", "comm_open", {
                "comm_id": f"f{i}", "target_name": "jupyter.widget",
                "data": {"state": {"_model_name": "TextModel", "value": big}, "buffer_paths": []}})
            try:
                ws.send(frame)
            except Exception:
                break
    stop.wait(120)
    for ws in held:
        try:
            ws.close()
        except Exception:
            pass
    report["held"] = len(held)


def run(settings: Settings, cases: list[str], readers: int, spread: float, with_attack: bool,
        max_kernels: int = 12) -> dict:
    stats = {"usable": [], "live_times": [], "live": 0, "static": 0, "errors": 0, "live_failed": 0}
    lock = threading.Lock()
    with serve_published(settings, max_kernels=max_kernels) as server:
        # One visit first, not timed: Voila compiles its templates on the first request.
        get(server.page_url("ward_dashboard.ipynb"), client="127.0.9.1")
        time.sleep(2)
        memory = Memory(server)
        memory.start()
        stop, attack_report = threading.Event(), {"attacker_statuses": [], "sockets_refused": 0}
        attacker = None
        if with_attack:
            attacker = threading.Thread(target=attack, args=(server, stop, attack_report), daemon=True)
            attacker.start()
            time.sleep(3)
        rnd = random.Random(13)
        t0 = time.monotonic() + 0.5
        with ThreadPoolExecutor(readers) as pool:
            for n in range(readers):
                pool.submit(reader, server, n, t0 + rnd.uniform(0, spread), cases, stats, lock)
        stop.set()
        if attacker:
            attacker.join(60)
        memory.stop.set()
        memory.join()
        log = server.log_path.read_text(errors="replace")
        stats.update(peak_mb=memory.peak, peak_kernels=memory.peak_kernels, attack=attack_report,
                     log_bytes=len(log.encode()), tracebacks=log.count("Traceback"))
    return stats


def show(label: str, s: dict) -> None:
    u = sorted(s["usable"]) or [float("nan")]
    p95 = u[max(0, int(round(0.95 * len(u))) - 1)] if u else float("nan")
    views = s["live"] + s["static"]
    lt = s["live_times"]
    print(f"{label}: usable p50 {statistics.median(u):.3f} s, p95 {p95:.3f} s (n={len(u)}); "
          f"live {s['live']}/{views} ({100 * s['live'] / max(1, views):.0f}%), static {s['static']}; "
          f"errors {s['errors']}, live views that failed with the static page still shown {s['live_failed']}")
    if lt:
        lts = sorted(lt)
        print(f"    live view (page + kernel socket + widget states): p50 {statistics.median(lt):.2f} s, "
              f"p95 {lts[max(0, int(round(0.95 * len(lts))) - 1)]:.2f} s, max {max(lt):.2f} s")
    print(f"    peak memory server + kernels: {s['peak_mb']:.0f} MB with {s['peak_kernels']} kernels "
          f"(ceiling {MEMORY_CEILING_MB} MB: {'held' if s['peak_mb'] <= MEMORY_CEILING_MB else 'NOT held'}); "
          f"log {s['log_bytes'] / 1024:.0f} KB, tracebacks {s['tracebacks']}")
    if s.get("why"):
        print("    errors:", "; ".join(sorted(set(s["why"]))[:5]))
    if s["attack"].get("attacker_statuses"):
        a = s["attack"]
        print(f"    attack: {a.get('held', 0)} sockets held, page GETs {sorted(set(a['attacker_statuses']))}, "
              f"socketless GETs by status {a.get('socketless')}")
    s["p95"] = p95


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--readers", type=int, default=50)
    parser.add_argument("--attack-readers", type=int, default=20)
    parser.add_argument("--spread", type=float, default=10.0, help="readers arrive within this many seconds")
    parser.add_argument("--max-kernels", type=int, default=12, help="the public server's global kernel ceiling")
    args = parser.parse_args()
    import faulthandler

    faulthandler.dump_traceback_later(1200, exit=True)   # a stuck reader shows where, and the run ends
    print(f"load average at start: {', '.join(f'{x:.1f}' for x in psutil.getloadavg())} ({psutil.cpu_count()} cores); "
          f"kernel ceiling {args.max_kernels}")
    with tempfile.TemporaryDirectory() as tmp:
        Path(tmp).chmod(0o755)
        settings = Settings(data_dir=Path(tmp) / "data", build_dir=Path(tmp) / "build")
        settings.data_dir.mkdir(parents=True)
        cases = seed(settings)
        quiet = run(settings, cases, args.readers, args.spread, with_attack=False, max_kernels=args.max_kernels)
        show(f"quiet, {args.readers} readers in {args.spread:.0f} s", quiet)
        quiet_small = run(settings, cases, args.attack_readers, args.spread, with_attack=False, max_kernels=args.max_kernels)
        show(f"quiet, {args.attack_readers} readers", quiet_small)
        attacked = run(settings, cases, args.attack_readers, args.spread, with_attack=True, max_kernels=args.max_kernels)
        show(f"under attack, {args.attack_readers} readers", attacked)
        print(f"goal p95 <= 3 s (quiet): {'met' if quiet['p95'] <= 3 else 'NOT met'}; under attack p95 within 2x "
              f"of the quiet run of as many readers (or within 0.1 s): "
          f"{'met' if attacked['p95'] <= max(2 * quiet_small['p95'], quiet_small['p95'] + 0.1) else 'NOT met'}; "
              f"reader errors under attack: {attacked['errors']}")


if __name__ == "__main__":
    main()
