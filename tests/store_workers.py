"""Child processes for the store's concurrency and crash tests: each run is its own OS process.

    python store_workers.py contend URL WORKER SAVES SHARED_ID OWN_ID GATE_DIR   -> JSON list on stdout
    python store_workers.py loop URL CASE_ID AUTHOR                            -> one line per committed save
    python store_workers.py open URL GATE_DIR                                  -> the schema version it sees
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from casebook.store import StaleVersionError, Store


def append_marker(case, marker: str):
    """Each save adds one line to the discussion, so the stored text tells which saves landed."""
    lines = [line for line in case.discussion.discussion.split("\n") if line]
    case.discussion.discussion = "\n".join([*lines, marker])
    return case


def contend(url: str, worker: int, saves: int, shared_id: str, own_id: str, gate: Path) -> None:
    store = Store(url)
    (gate / f"ready-{worker}").touch()
    while not (gate / "go").exists():  # start together, so the saves really overlap
        time.sleep(0.005)
    results = []
    for i in range(saves):
        case_id = shared_id if i % 2 == 0 else own_id
        marker = f"w{worker:02d}s{i:02d}"
        record = store.get_case(case_id)  # re-read the version, as a page does before its save
        case = append_marker(record.case, marker)
        try:
            saved = store.save_case(case, author=f"職員{worker:02d}", base_version=record.version)
            results.append({"case": case_id, "marker": marker, "ok": True, "version": saved.version})
        except StaleVersionError as exc:
            results.append({"case": case_id, "marker": marker, "ok": False, "message": str(exc),
                            "base": exc.base_version, "current": exc.current_version, "by": exc.saved_by})
    store.close()
    print(json.dumps(results, ensure_ascii=False))


def loop(url: str, case_id: str, author: str) -> None:
    store = Store(url)
    while True:
        record = store.get_case(case_id)
        saved = store.save_case(append_marker(record.case, f"v{record.version + 1}"), author=author,
                                base_version=record.version)
        print(saved.version, flush=True)  # reported only after the commit returned


if __name__ == "__main__":
    command, *args = sys.argv[1:]
    if command == "contend":
        url, worker, saves, shared_id, own_id, gate = args
        contend(url, int(worker), int(saves), shared_id, own_id, Path(gate))
    elif command == "loop":
        loop(*args)
    elif command == "open":  # many first openings of a brand-new store at the same moment
        url, gate = args
        while not (Path(gate) / "go").exists():
            time.sleep(0.005)
        with Store(url) as store:
            print(store.schema_version())
    else:
        raise SystemExit(f"unknown command {command}")
