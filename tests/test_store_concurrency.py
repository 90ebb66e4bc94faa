"""Many separate processes saving at once, and a process killed mid-save: nothing accepted is lost."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from casebook.store import SCHEMA_VERSION, Store
from test_store import make_case

WORKER = Path(__file__).parent / "store_workers.py"
PROCESSES, SAVES = 40, 25
SHARED = "2024-27116-01"


def _markers(case) -> list[str]:
    return [line for line in case.discussion.discussion.split("\n") if line]


@pytest.mark.slow
def test_forty_processes_saving_at_once_lose_nothing_and_every_refusal_says_why(store_url, tmp_path):
    with Store(store_url) as store:
        store.create_case(make_case(SHARED), author="準備")
        own = [f"2024-27127-{w + 1:02d}" for w in range(PROCESSES)]
        for case_id in own:
            store.create_case(make_case(case_id, ward="北区"), author="準備")

    gate = tmp_path / "gate"
    gate.mkdir()
    started = time.monotonic()
    procs = []
    for w in range(PROCESSES):
        out, err = open(tmp_path / f"out-{w}", "w"), open(tmp_path / f"err-{w}", "w")
        procs.append(subprocess.Popen([sys.executable, str(WORKER), "contend", store_url, str(w), str(SAVES),
                                       SHARED, own[w], str(gate)], stdout=out, stderr=err))
        out.close(), err.close()
    while len(list(gate.glob("ready-*"))) < PROCESSES:
        assert all(p.poll() is None for p in procs), "a worker died before the start"
        time.sleep(0.05)
    (gate / "go").touch()
    codes = [p.wait(timeout=300) for p in procs]
    elapsed = time.monotonic() - started

    errors = {w: (tmp_path / f"err-{w}").read_text() for w in range(PROCESSES)}
    assert codes == [0] * PROCESSES, {w: e for w, e in errors.items() if e}
    assert not any("Traceback" in e for e in errors.values())  # nothing but StaleVersionError was raised
    results = [r for w in range(PROCESSES) for r in json.loads((tmp_path / f"out-{w}").read_text())]
    assert len(results) == PROCESSES * SAVES

    accepted = [r for r in results if r["ok"]]
    refused = [r for r in results if not r["ok"]]
    shared_ok = sorted((r for r in accepted if r["case"] == SHARED), key=lambda r: r["version"])
    print(f"\n{len(procs)} processes × {SAVES} saves on {store_url.split(':')[0]}: {len(accepted)} accepted, "
          f"{len(refused)} refused as stale, {len(shared_ok)} accepted on the shared case, {elapsed:.1f} s")

    with Store(store_url) as store:
        # The shared case: one version per accepted save, no gaps, none overwritten.
        final = store.get_case(SHARED)
        assert final.version == 1 + len(shared_ok)
        assert [r["version"] for r in shared_ok] == list(range(2, final.version + 1))
        history = store.history(SHARED)
        assert [h.version for h in history] == list(range(1, final.version + 1))
        for r in shared_ok:
            assert history[r["version"] - 1].saved_by == f"職員{r['marker'][1:3]}"
            assert _markers(store.case_at(SHARED, r["version"]))[-1] == r["marker"]
        assert _markers(final.case) == [r["marker"] for r in shared_ok]  # every accepted save is in the text

        # Each process's own case: nobody else wrote it, so every one of its saves landed.
        for w, case_id in enumerate(own):
            mine = [r for r in results if r["case"] == case_id]
            assert mine and all(r["ok"] for r in mine)
            record = store.get_case(case_id)
            assert record.version == 1 + len(mine)
            assert [h.version for h in store.history(case_id)] == list(range(1, record.version + 1))
            assert _markers(record.case) == [r["marker"] for r in mine]

        # Every refusal was a stale save on the shared case, and said who saved in between.
        assert refused, "40 processes on one case should have collided at least once"
        for r in refused:
            assert r["case"] == SHARED and r["current"] > r["base"]
            assert f"{r['by']} さんが保存しています（版 {r['current']}）" in r["message"]
            assert f"版 {r['base']} を元に" in r["message"]
            assert r["marker"] not in _markers(final.case)
        assert store.integrity_check() == []


@pytest.mark.slow
def test_a_process_killed_in_the_middle_of_saving_leaves_a_sound_store(store_url):
    with Store(store_url) as store:
        store.create_case(make_case(SHARED), author="準備")
    rng = random.Random(20241112)
    reported = 0
    for round_ in range(3):
        child = subprocess.Popen([sys.executable, str(WORKER), "loop", store_url, SHARED, f"職員{round_}"],
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        seen = 0
        while seen < 15:  # let it commit a good number of saves first
            line = child.stdout.readline()
            assert line, child.stderr.read()
            seen += 1
            reported = int(line)
        time.sleep(rng.uniform(0, 0.05))
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=30)
        assert child.returncode == -signal.SIGKILL
        reported = max([reported, *(int(v) for v in child.stdout.read().split())])
        child.stdout.close(), child.stderr.close()

        with Store(store_url) as store:
            assert store.integrity_check() == []
            record = store.get_case(SHARED)
            # Every save the child saw committed is there; at most one more committed before its report.
            assert reported <= record.version <= reported + 1
            assert [h.version for h in store.history(SHARED)] == list(range(1, record.version + 1))
            assert store.case_at(SHARED, record.version) == record.case
            assert _markers(record.case) == [f"v{v}" for v in range(2, record.version + 1)]
            reported = record.version
    print(f"\nkilled a saving process 3 times on {store_url.split(':')[0]}; the store ends at version {reported}")


@pytest.mark.slow
def test_processes_opening_a_new_store_at_the_same_moment_migrate_it_once(store_url, tmp_path):
    procs = [subprocess.Popen([sys.executable, str(WORKER), "open", store_url, str(tmp_path)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(8)]
    time.sleep(1.0)  # let them all import and wait at the gate
    (tmp_path / "go").touch()
    outputs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0] * 8, [err for _, err in outputs]
    assert [int(out) for out, _ in outputs] == [SCHEMA_VERSION] * 8
    with Store(store_url) as store, store.engine.connect() as conn:
        steps = [v for (v,) in conn.exec_driver_sql("SELECT version FROM schema_version ORDER BY version")]
        assert steps == list(range(1, SCHEMA_VERSION + 1))
        assert store.integrity_check() == []
