"""Two app servers behind HAProxy on PostgreSQL: a training day and staff saving cases at once, then
one server is killed (SIGKILL, with its kernels) in the middle of the typing.

Every user signs in (staff: the sign-in page; participants: /join with the session's code) through
the balancer, opens their page (a real Voila page: GET → kernel → notebook run) and drives it over
its kernel websocket, through the balancer, with tests/kernel_channel.py — as a browser would.

    phase 1  all at once: each participant sends two points; each staff member saves their case.
             Every point and save must be in the store; save latency p50/p95, RSS per server.
    phase 2  everyone "types" (a widget update of a few characters every --pace s) and saves or sends
             every 4th update; --kill-after s in, the server with the most users is SIGKILLed. A user
             whose socket dies opens the page again through the balancer (HAProxy sends them to the
             other server) and carries on from what the page shows (staff: their case from the store).
             At the end: every acknowledged save and send is in the store, and the characters typed but
             not in the store are counted per user from the store (not guessed).

    python benchmarks/balanced_load.py --db-url postgresql+psycopg://…/db   # 40 participants, 20 staff
    python benchmarks/balanced_load.py -p 6 -s 4 --db-url …                  # small

Not a timed test: tests/test_balancer.py runs a small version and asserts only what arrived and what
was lost. Needs haproxy (Debian) and a PostgreSQL database (created empty by the caller).
"""
from __future__ import annotations

import argparse
import re
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests"), str(ROOT / "benchmarks")]

from casebook.settings import Settings  # noqa: E402
from signin_support import PASSWORD  # noqa: E402

FORM = "/voila/render/case_analysis.ipynb"
PARTICIPANT = "/voila/render/sessions/{}/session_participant.ipynb"
FIELD = "wb-f-title"                 # a one-line field (200 characters), on the first tab
SESSION = "balanced-load"
SAVED = ("保存しました", "保存済みです", "自動保存しました")


@dataclass
class Client:
    name: str
    kind: str                                   # "staff" or "participant"
    http: object = None                         # requests.Session (cookies: sign-in + WBSERVER)
    kc: object = None                           # KernelChannel
    servers: list[str] = field(default_factory=list)   # WBSERVER values, in order (a move adds one)
    text: str = ""                              # staff: the field as last typed; participant: the draft
    sent: list[str] = field(default_factory=list)       # participant phase 2: sends acknowledged
    typed_chars: int = 0                        # phase 2: characters typed in total
    typed_at: list[tuple[float, int]] = field(default_factory=list)   # (when, chars) of each update
    failures: int = 0
    lost_chars: int = 0                         # staff: counted at the reconnect from the page (= the store)
    lost_age: float = 0.0                       # seconds between the oldest lost keystroke and the kill
    base_len: int = 0                           # staff: length of the field when phase 2 began
    busy: threading.Lock = field(default_factory=threading.Lock)   # held while the user acts
    error: str = ""

    @property
    def server(self) -> str:
        return self.servers[-1] if self.servers else ""


@dataclass
class Result:
    clients: list[Client]
    latencies: list[float] = field(default_factory=list)
    refusals: list[str] = field(default_factory=list)
    phase1_missing: list[str] = field(default_factory=list)
    phase2_missing: list[str] = field(default_factory=list)
    memory: dict[str, tuple[float, float, int]] = field(default_factory=dict)   # server -> (server MB, kernels MB, n)
    killed: str = ""
    killed_at: float = 0.0
    reconnect_seconds: list[float] = field(default_factory=list)
    page_seconds: float = 0.0
    phase1_saves: int = 0                                      # latencies[:phase1_saves] are phase 1's
    open_failures: list[str] = field(default_factory=list)     # first pages that had to be opened again

    @property
    def lost_chars(self) -> int:
        return sum(c.lost_chars for c in self.clients)


def cookie_header(http) -> str:
    return "; ".join(f"{k}={v}" for k, v in http.cookies.items())


def xsrf_of(http, url: str) -> str:
    return re.search(r'name="_xsrf" value="([^"]+)"', http.get(url, timeout=60).text).group(1)


def sign_in(base: str, name: str):
    import requests

    http = requests.Session()
    reply = http.post(base + "/login", data={"_xsrf": xsrf_of(http, base + "/login"), "name": name,
                                             "password": PASSWORD, "next": "/"}, allow_redirects=False, timeout=60)
    if reply.status_code != 302:
        raise RuntimeError(f"sign-in of {name} refused: {reply.status_code}")
    return http


def join(base: str, code: str, name: str, ward: str):
    import requests

    http = requests.Session()
    reply = http.post(base + "/join", data={"_xsrf": xsrf_of(http, base + "/join"), "code": code, "name": name,
                                            "ward": ward}, allow_redirects=False, timeout=60)
    if reply.status_code != 302:
        raise RuntimeError(f"join of {name} refused: {reply.status_code}")
    return http


def page_url(base: str, client: Client, case_ids: dict[str, str]) -> str:
    if client.kind == "staff":
        return f"{base}{FORM}?case_id={case_ids[client.name]}"
    return base + PARTICIPANT.format(SESSION)


def open_page(base: str, client: Client, case_ids: dict[str, str]) -> None:
    """GET the page through the balancer (its WBSERVER cookie, new or rewritten, lands in the jar) and
    connect to its kernel through the balancer with the same cookies."""
    from kernel_channel import KernelChannel, page_kernel_id

    reply = client.http.get(page_url(base, client, case_ids), timeout=300)
    reply.raise_for_status()
    kernel_id = page_kernel_id(reply.text)
    ws = base.replace("http://", "ws://", 1) + f"/api/kernels/{kernel_id}/channels"
    client.kc = KernelChannel(ws, cookie=cookie_header(client.http), timeout=120)
    client.servers.append(client.http.cookies.get("WBSERVER", "?"))
    client.text = client.kc.state(client.kc.find(dom_class=WIDGETS[client.kind][0]))["value"]


def prepare(settings: Settings, participants: int, staff: int, extra_staff: tuple[str, ...] = ()) -> dict[str, str]:
    """Users, one case per staff member (theirs, 生野区), a prepared session; -> staff name -> case id."""
    import yaml

    from casebook import accounts, sessions
    from casebook.model import Case
    from casebook.store import Store
    from session_load import session_params

    case_ids = {}
    with Store.open(settings) as store:
        for i, name in enumerate([f"職員{i:02d}" for i in range(1, staff + 1)] + list(extra_staff), start=1):
            accounts.add_user(store, name, "staff", "生野区", actor="admin", password=PASSWORD)
            case_id = f"2024-27116-{i:02d}"
            store.create_case(Case.model_validate({
                "id": case_id, "title": f"見守りの事例 {i}", "ward": "生野区", "fiscal_year": 2024,
                "summary": {"main_complaint": "近所の人が気にかけている。"}}), author=name)
            case_ids[name] = case_id
    params = session_params(SESSION, participants)
    path = settings.build_dir / f"{SESSION}.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(params, allow_unicode=True), encoding="utf-8")
    sessions.prepare(path, settings, execute=False)
    return case_ids


def _memory(balanced) -> dict[str, tuple[float, float, int]]:
    import psutil

    out, mb = {}, 1024 * 1024
    for i, server in enumerate(balanced.servers):
        if i in balanced.killed:
            continue
        proc = psutil.Process(server.proc.pid)
        kids = [k for k in proc.children(recursive=True) if "ipykernel" in " ".join(k.cmdline())]
        out[balanced.backends[i].name] = (proc.memory_info().rss / mb, sum(k.memory_info().rss for k in kids) / mb,
                                          len(kids))
    return out


# What each kind of user types into and presses: (text field, button, status line, what success says).
WIDGETS = {"staff": (FIELD, "wb-save", "wb-save-status", SAVED),
           "participant": ("wb-s-q0-text", "wb-s-q0-send", "wb-s-q0-status", ("送信しました",))}


def _save(client: Client, result: Result, lock) -> None:
    """Press save (staff) or send (participant: a new send replaces their point) and read the answer."""
    kc = client.kc
    _, button, status_class, ok_words = WIDGETS[client.kind]
    start = time.perf_counter()
    kc.click(kc.find(dom_class=button))
    took = time.perf_counter() - start
    status = kc.text(kc.find(dom_class=status_class))
    ok = any(w in status for w in ok_words)
    with lock:
        result.latencies.append(took)
        if not ok:
            result.refusals.append(f"{client.name}: {status.strip()}")
    if not ok:
        raise RuntimeError(f"{client.name}: not saved: {status.strip()}")


def _type(client: Client, chunk: str) -> None:
    """The user types `chunk` at the end of the field: in their page first (client.text), then the
    widget's value reaches the kernel (a browser syncs it on change)."""
    client.text += chunk
    client.kc.set(client.kc.find(dom_class=WIDGETS[client.kind][0]), value=client.text)


def keep_alive(clients: list[Client], stop: threading.Event) -> None:
    """Answer the server's websocket pings for users who are idle (a browser does it by itself; a
    socket that leaves pings unanswered for 90 s is closed by Jupyter Server)."""
    while not stop.wait(10):
        for client in clients:
            if client.kc is not None and client.busy.acquire(blocking=False):
                try:
                    client.kc.wait_for(lambda k: False, timeout=0.05)
                except Exception:  # noqa: BLE001 - TimeoutError (nothing came), or a dead socket: the user will see it
                    pass
                finally:
                    client.busy.release()


def phase1(base: str, clients: list[Client], case_ids: dict[str, str], result: Result, lock) -> None:
    barrier = threading.Barrier(len(clients))

    def act(client: Client) -> None:
        try:
            barrier.wait(timeout=600)
        except threading.BrokenBarrierError:
            pass
        with client.busy:
            act_now(client)

    def act_now(client: Client) -> None:
        if client.kind == "staff":
            _type(client, f"【{client.name}の記録】")
            _save(client, result, lock)
        else:
            for q in range(2):
                text = f"{client.name} の意見 {q + 1}: 近所の見守りの輪"
                client.kc.set(client.kc.find(dom_class=f"wb-s-q{q}-text"), value=text)
                start = time.perf_counter()
                client.kc.click(client.kc.find(dom_class=f"wb-s-q{q}-send"))
                with lock:
                    result.latencies.append(time.perf_counter() - start)
                status = client.kc.text(client.kc.find(dom_class=f"wb-s-q{q}-status"))
                if "送信しました" not in status:
                    result.refusals.append(f"{client.name}: {status.strip()}")
            client.text = f"{client.name} の意見 1: 近所の見守りの輪"     # phase 2 goes on writing point 1

    with ThreadPoolExecutor(len(clients)) as pool:
        for future in [pool.submit(act, c) for c in clients]:
            future.result()


def phase2(base: str, clients: list[Client], case_ids: dict[str, str], result: Result, lock, balanced, *,
           rounds: int, pace: float, kill_after: float, kill: str) -> None:
    """Everyone types and saves; `kill_after` s in, the server `kill` dies; the users on it reconnect."""
    start = time.monotonic()
    result.phase1_saves = len(result.latencies)
    for client in clients:
        client.base_len = len(client.text)

    def reconnect(client: Client) -> None:
        t0 = time.perf_counter()
        typed = client.text                     # what this user has typed (the page held it, saved or not)
        client.failures += 1
        client.kc.close()
        for attempt in range(20):     # the balancer may still be noticing the death: try again
            try:
                open_page(base, client, case_ids)
                break
            except Exception:  # noqa: BLE001
                if attempt == 19:
                    raise
                time.sleep(1.0)
        with lock:
            result.reconnect_seconds.append(time.perf_counter() - t0)
        restored = client.text                  # what the new page shows: the store's
        if not typed.startswith(restored):
            raise RuntimeError(f"{client.name}: the page shows text that was never typed: {restored!r}")
        lost = len(typed) - len(restored)
        client.lost_chars += lost
        if lost:
            age, chars = 0.0, 0
            for when, n in reversed(client.typed_at):
                chars += n
                age = result.killed_at - when
                if chars >= lost:
                    break
            client.lost_age = max(client.lost_age, age)

    def run(client: Client) -> None:
        with client.busy:
            run_now(client)

    def run_now(client: Client) -> None:
        try:
            for r in range(rounds):
                chunk = f"、{r:02d}"
                try:
                    with lock:
                        client.typed_at.append((time.monotonic(), len(chunk)))
                        client.typed_chars += len(chunk)
                    _type(client, chunk)
                    if r % 4 == 3:
                        _save(client, result, lock)
                except Exception:  # noqa: BLE001 - the socket died (or the save did not answer)
                    if not result.killed_at:
                        raise
                    reconnect(client)
                time.sleep(pace)
            try:
                _save(client, result, lock)
            except Exception:  # noqa: BLE001 - killed during the last save
                if not result.killed_at:
                    raise
                reconnect(client)
                _save(client, result, lock)
        except Exception as exc:  # noqa: BLE001 - reported, and the test fails on it
            client.error = f"{type(exc).__name__}: {exc}"

    def killer() -> None:
        time.sleep(max(0.0, kill_after - (time.monotonic() - start)))
        with lock:
            result.killed_at = time.monotonic()
        balanced.kill(balanced.server_of(kill))
        result.killed = kill

    with ThreadPoolExecutor(len(clients) + 1) as pool:
        futures = [pool.submit(run, c) for c in clients] + [pool.submit(killer)]
        for future in futures:
            future.result()


def run_load(settings: Settings, *, participants: int = 40, staff: int = 20, rounds: int = 16, pace: float = 0.5,
             kill_after: float = 4.0, open_workers: int = 4, pool_size: int = 1, on_ready=None, after=None,
             reload_after: int = 20) -> Result:
    """The whole run on fresh servers. `on_ready(balanced, base, case_ids)` runs before phase 2 and
    returns the name of the server to kill (None: the one with most users); `after(balanced)` runs
    after phase 2, before the servers stop; `reload_after` is the pages' own reload delay."""
    from casebook import accounts
    from casebook.apps.balancer import serve_balanced
    from casebook.store import Store

    case_ids = prepare(settings, participants, staff, extra_staff=("職員B",))
    balanced = serve_balanced(settings, servers=2, pool_size=pool_size, max_kernels=participants + staff + 12,
                              reload_after=reload_after)
    base = balanced.url
    code = accounts.join_code(accounts.cookie_secret(settings.data_dir), SESSION)
    from session_load import WARDS

    clients = ([Client(f"参加者{i:02d}", "participant") for i in range(1, participants + 1)]
               + [Client(f"職員{i:02d}", "staff") for i in range(1, staff + 1)])
    result = Result(clients=clients)
    lock = threading.Lock()
    stop = threading.Event()
    threading.Thread(target=keep_alive, args=(clients, stop), daemon=True).start()
    try:
        def start(client: Client) -> None:
            i = int(client.name[-2:])
            client.http = (sign_in(base, client.name) if client.kind == "staff"
                           else join(base, code, client.name, WARDS[(i - 1) % len(WARDS)]))
            for attempt in range(3):        # a page cut off under load is opened again, and counted
                try:
                    with client.busy:
                        open_page(base, client, case_ids)
                    return
                except Exception as exc:  # noqa: BLE001
                    with lock:
                        result.open_failures.append(f"{client.name}: {type(exc).__name__}")
                    if attempt == 2:
                        raise

        t0 = time.perf_counter()
        with ThreadPoolExecutor(open_workers) as pool:
            list(pool.map(start, clients))
        result.page_seconds = time.perf_counter() - t0
        phase1(base, clients, case_ids, result, lock)
        result.memory = _memory(balanced)
        with Store.open(settings) as store:
            notes = {(n.author, n.text) for _, n in store.group_notes(SESSION)}
            for c in clients:
                if c.kind == "participant":
                    for q in range(2):
                        if (c.name, f"{c.name} の意見 {q + 1}: 近所の見守りの輪") not in notes:
                            result.phase1_missing.append(f"{c.name} q{q}")
                elif not store.get_case(case_ids[c.name]).case.title.endswith(f"【{c.name}の記録】"):
                    result.phase1_missing.append(c.name)
        kill = on_ready(balanced, base, case_ids) if on_ready else None
        if kill is None:
            counts = {b.name: sum(c.server == b.name for c in clients) for b in balanced.backends}
            kill = max(counts, key=counts.get)
        phase2(base, clients, case_ids, result, lock, balanced, rounds=rounds, pace=pace, kill_after=kill_after,
               kill=kill)
        with Store.open(settings) as store:
            points = {n.author: n.text for _, n in store.group_notes(SESSION) if n.question == 0}
            for c in clients:
                stored = store.get_case(case_ids[c.name]).case.title if c.kind == "staff" else points.get(c.name, "")
                if stored != c.text or len(stored) - c.base_len != c.typed_chars - c.lost_chars:
                    result.phase2_missing.append(f"{c.name}: the store has {len(stored)} characters, the page "
                                                 f"{len(c.text)}; typed {c.typed_chars}, lost {c.lost_chars}")
        if after is not None:
            after(balanced)
    finally:
        stop.set()
        for c in clients:
            if c.kc is not None:
                c.kc.close()
        balanced.stop()
    return result


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values) or [0.0]
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def report(r: Result) -> str:
    ms = 1000
    moved = [c for c in r.clients if len(c.servers) > 1]
    on_killed = [c for c in r.clients if c.servers and c.servers[0] == r.killed]
    lines = [
        f"users: {sum(c.kind == 'participant' for c in r.clients)} participants, "
        f"{sum(c.kind == 'staff' for c in r.clients)} staff; opening every page: {r.page_seconds:.1f} s",
        "per server at the start: " + ", ".join(
            f"{s}: {sum(c.servers[:1] == [s] for c in r.clients)} users" for s in sorted({c.servers[0] for c in r.clients})),
        f"first pages opened again after an error: {len(r.open_failures)} {r.open_failures[:3]}",
        f"phase 1 missing from the store: {len(r.phase1_missing)}  refused: {len(r.refusals)}",
        *[f"save/send latency, {label} ({len(part)} saves): p50 {_pct(part, .5) * ms:.0f} ms, "
          f"p95 {_pct(part, .95) * ms:.0f} ms, max {max(part or [0]) * ms:.0f} ms"
          for label, part in (("phase 1, all at once", r.latencies[:r.phase1_saves]),
                              ("phase 2, typing, the kill, the reopened pages", r.latencies[r.phase1_saves:]))],
    ]
    for name, (server_mb, kernels_mb, n) in sorted(r.memory.items()):
        lines.append(f"memory {name} (after phase 1): Voila {server_mb:.0f} MB, {n} kernels {kernels_mb:.0f} MB "
                     f"({kernels_mb / max(n, 1):.0f} MB each)")
    lines += [
        f"killed {r.killed} (SIGKILL, with its kernels): {len(on_killed)} users on it, {len(moved)} reconnected "
        f"elsewhere ({', '.join(sorted({c.server for c in moved})) or '-'}); reopen p50 "
        f"{_pct(r.reconnect_seconds, .5):.1f} s, max {max(r.reconnect_seconds or [0]):.1f} s",
        f"phase 2 acknowledged saves missing from the store: {len(r.phase2_missing)}",
        f"keystrokes lost (typed, never in the store): {r.lost_chars} characters of "
        f"{sum(c.typed_chars for c in r.clients)} typed, by {sum(1 for c in r.clients if c.lost_chars)} users; "
        f"the oldest was typed {max([c.lost_age for c in r.clients] or [0]):.1f} s before the kill",
    ]
    if r.phase1_missing or r.phase2_missing or r.refusals:
        lines.append("missing or refused: " + "; ".join((r.phase1_missing + r.phase2_missing + r.refusals)[:8]))
    errors = [f"{c.name}: {c.error}" for c in r.clients if c.error]
    if errors:
        lines.append("errors: " + "; ".join(errors[:5]))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-p", "--participants", type=int, default=40)
    ap.add_argument("-s", "--staff", type=int, default=20)
    ap.add_argument("--rounds", type=int, default=16)
    ap.add_argument("--pace", type=float, default=0.5)
    ap.add_argument("--kill-after", type=float, default=4.0)
    ap.add_argument("--db-url", required=True, help="an empty PostgreSQL database (postgresql+psycopg://…)")
    args = ap.parse_args(argv)
    tmp = Path(tempfile.mkdtemp(prefix="balanced-load-"))      # kept: the servers' and HAProxy's logs
    settings = Settings(data_dir=tmp / "data", build_dir=tmp / "build", db_url=args.db_url)
    settings.data_dir.mkdir(parents=True)
    r = run_load(settings, participants=args.participants, staff=args.staff, rounds=args.rounds,
                 pace=args.pace, kill_after=args.kill_after)
    print(report(r))
    print(f"logs: {settings.build_dir / 'balancer'}")
    ok = not (r.phase1_missing or r.phase2_missing or r.refusals or any(c.error for c in r.clients))
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
