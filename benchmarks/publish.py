"""How fast the published dashboard is usable, and what each open page costs in memory.

    /tmp/venv/bin/python benchmarks/publish.py [--pages 20] [--runs 5]

Measures, on the sample data (plus generated figures for any ward the sample lacks):
- usable: Chromium navigates to the dashboard until the 24-ward map is drawn, with preheated kernels
  (`workbench publish`'s default) and, for comparison, plain Voila without a pool (the plain tool chain);
- filter: selecting another fiscal year until the map shows it (a kernel round trip + redraw);
- memory: server + kernels (RSS and USS, psutil) with 1 and with N dashboard pages open.
Goals from the issue: usable <= 1.5 s; <= 150 MB per extra open page. Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from casebook.apps.publish import DASHBOARD_NOTEBOOK, publish, serve_published  # noqa: E402
from casebook.settings import Settings  # noqa: E402
from casebook.store import Store  # noqa: E402

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-dev-shm-usage"]
GOAL_USABLE_S, GOAL_MB_PER_PAGE = 1.5, 150


def seed(settings: Settings) -> None:
    from casebook.exchange import load_sample
    from tests.publish_seed import activity_rows

    with Store(settings.store_url) as store:
        load_sample(store)
        if not store.activity():
            store.put_activity(activity_rows())


def processes(server) -> list[psutil.Process]:
    root = psutil.Process(server.proc.pid)
    return [root] + [p for p in root.children(recursive=True) if p.status() != psutil.STATUS_ZOMBIE]


def memory_mb(server) -> tuple[float, float, int]:
    """(RSS, USS) of Voila and all its kernels in MB, and the number of kernels."""
    rss = uss = 0
    procs = processes(server)
    for p in procs:
        try:
            info = p.memory_full_info()
            rss, uss = rss + info.rss, uss + info.uss
        except psutil.Error:
            pass
    return rss / 2**20, uss / 2**20, len(procs) - 1


def wait_pool(server, kernels: int, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if memory_mb(server)[2] >= kernels:
            time.sleep(1.0)   # let the pooled notebook finish its cells
            return
        time.sleep(0.3)


def wait_quiet(server, timeout: float = 90) -> None:
    """Until Voila and its kernels are idle (a pool refill finished), so runs do not overlap."""
    time.sleep(1.5)   # Voila refills a pool 1 s after a kernel is taken (fill_delay)
    deadline = time.monotonic() + timeout
    procs = processes(server)
    for p in procs:
        p.cpu_percent(None)
    quiet = 0
    while time.monotonic() < deadline and quiet < 4:   # 2 s in a row below 10 % CPU
        time.sleep(0.5)
        busy = 0.0
        for p in processes(server):
            try:
                busy += p.cpu_percent(None)
            except psutil.Error:
                pass
        quiet = quiet + 1 if busy < 10 else 0


def open_dashboard(context, url: str) -> tuple[object, float]:
    page = context.new_page()
    page.route("**/*", lambda r: r.continue_() if r.request.url.startswith(
        ("http://127.0.0.1", "ws://127.0.0.1", "data:", "blob:")) else r.abort())
    start = time.perf_counter()
    page.goto(url, timeout=180_000)
    page.locator(".wb-dash-grid .wb-tile").nth(23).wait_for(timeout=120_000)
    return page, time.perf_counter() - start


def change_year(page, label: str, year: str) -> float:
    start = time.perf_counter()
    page.locator(".wb-dash-year select").select_option(label=label)
    page.wait_for_function(f"document.querySelector('.wb-dash-grid').innerText.includes('{year}年度')",
                           timeout=60_000)
    return time.perf_counter() - start


def summary(name: str, values: list[float]) -> str:
    return (f"{name}: median {statistics.median(values):.2f} s, min {min(values):.2f}, max {max(values):.2f} "
            f"(n={len(values)})")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pages", type=int, default=20)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(data_dir=Path(tmp) / "data", build_dir=Path(tmp) / "build")
        seed(settings)
        t = time.perf_counter()
        report = publish(settings)
        print(f"publish (snapshot + static export): {time.perf_counter() - t:.2f} s; "
              f"{len(report.published)} cases, {report.activity} figure rows")
        results: dict[str, list[float]] = {}
        print(f"load average at start: {', '.join(f'{x:.1f}' for x in psutil.getloadavg())} "
              f"({psutil.cpu_count()} cores; other work on the machine slows every figure)")
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
            for label, pool in (("plain Voila (no pool)", 0), ("preheated (pool 1)", 1)):
                with serve_published(settings, pool_size=pool, max_kernels=args.pages + 6,
                                     cull_idle_timeout=600) as server:
                    times, warm_times, filters, gets = [], [], [], []
                    wait_pool(server, 2 * pool)
                    # One visit first, not timed: Voila compiles its page templates on the first request.
                    warmup = browser.new_context(locale="ja-JP")
                    open_dashboard(warmup, server.page_url(DASHBOARD_NOTEBOOK))
                    warmup.close()
                    for _ in range(args.runs):
                        wait_quiet(server)
                        context = browser.new_context(locale="ja-JP", viewport={"width": 1280, "height": 900})
                        page, took = open_dashboard(context, server.page_url(DASHBOARD_NOTEBOOK))
                        times.append(took)
                        for fy in ("2023", "2024"):
                            filters.append(change_year(page, f"{fy}年度（令和{int(fy) - 2018}年度）", fy))
                        wait_quiet(server)
                        # The same reader opening the page again: the browser has Voila's scripts cached.
                        warm_times.append(open_dashboard(context, server.page_url(DASHBOARD_NOTEBOOK))[1])
                        context.close()
                        wait_quiet(server)
                        # The server's part alone: the page's HTML over plain HTTP (no scripts, no socket).
                        start = time.perf_counter()
                        with urllib.request.urlopen(server.page_url(DASHBOARD_NOTEBOOK), timeout=180) as resp:
                            resp.read()
                        gets.append(time.perf_counter() - start)
                    results[label] = warm_times
                    print(summary(f"page HTML over HTTP, {label}", gets))
                    print(summary(f"usable, {label}, first visit (empty browser cache)", times))
                    print(summary(f"usable, {label}, next visit (scripts cached)", warm_times))
                    print(summary(f"filter change, {label}", filters), flush=True)
            # Memory on a fresh server: 1 page open, then N pages (each holds its own kernel).
            with serve_published(settings, pool_size=1, max_kernels=args.pages + 4, cull_idle_timeout=600) as server:
                wait_pool(server, 2)
                wait_quiet(server)
                context = browser.new_context(locale="ja-JP")
                open_dashboard(context, server.page_url(DASHBOARD_NOTEBOOK))
                wait_quiet(server)
                rss1, uss1, k1 = memory_mb(server)
                for n in range(args.pages - 1):
                    open_dashboard(context, server.page_url(DASHBOARD_NOTEBOOK))
                    print(f"  {n + 2} pages open", end="\r", flush=True)
                wait_quiet(server)
                rssn, ussn, kn = memory_mb(server)
                per_rss = (rssn - rss1) / (args.pages - 1)
                per_uss = (ussn - uss1) / (args.pages - 1)
                print(f"memory, 1 page open: RSS {rss1:.0f} MB, USS {uss1:.0f} MB (Voila + {k1} kernels incl. pool)")
                print(f"memory, {args.pages} pages open: RSS {rssn:.0f} MB, USS {ussn:.0f} MB (Voila + {kn} kernels)")
                print(f"per extra page: RSS {per_rss:.0f} MB, USS {per_uss:.0f} MB "
                      f"(goal <= {GOAL_MB_PER_PAGE} MB: {'met' if per_rss <= GOAL_MB_PER_PAGE else 'NOT met'})")
                context.close()
            browser.close()
        plain = statistics.median(results["plain Voila (no pool)"])
        warm = statistics.median(results["preheated (pool 1)"])
        print(f"preheated vs plain: {warm:.2f} s vs {plain:.2f} s ({plain / warm:.1f}x faster); "
              f"goal usable <= {GOAL_USABLE_S} s: {'met' if warm <= GOAL_USABLE_S else 'NOT met'}")


if __name__ == "__main__":
    main()
