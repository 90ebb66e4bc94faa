"""How long a backup and its restore take, and how big a backup is.

    .venv/bin/python benchmarks/backup.py [--cases 10000] [--runs 3]

Stores: the bundled sample data, and N generated cases (benchmarks/gen_cases.py) with ward figures;
on SQLite always, on PostgreSQL when WORKBENCH_TEST_PG_URL is set (a database of its own, dropped
afterwards). For each: the store's size, backup time (median of runs; SQLite online backup API /
pg_dump of an exported snapshot, plus checking and counting), the backup's size, verify time
(SHA-256 + integrity check) and restore time into an empty store (restore + integrity check + counts).
For comparison: a plain file copy of the SQLite store (what a naive `cp` would take, without
consistency). Prints a table; asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import sqlalchemy as sa
from sqlalchemy.engine import make_url

from casebook.store import Store
from casebook.store.backup import backup_store, restore_backup, verify_backup


def _fill(url: str, what: str, n: int) -> int:
    with Store(url) as store:
        if what == "sample":
            from casebook.exchange import load_sample
            load_sample(store)
        else:
            import gen_cases
            gen_cases.fill_store(store, n)
        return len(store.case_ids())


def _pg_db(base: str, create: bool) -> str:
    name = f"wb_bench_{uuid.uuid4().hex[:8]}"
    if create:
        admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
        admin.dispose()
    return make_url(base).set(database=name).render_as_string(hide_password=False)


def _drop_pg(base: str, url: str) -> None:
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)')
    admin.dispose()


def _store_size(url: str) -> int:
    if url.startswith("sqlite"):
        return os.path.getsize(make_url(url).database)
    with Store(url) as store, store.engine.connect() as conn:
        return conn.exec_driver_sql("SELECT pg_database_size(current_database())").scalar()


def measure(backend: str, what: str, n: int, runs: int, tmp: Path, pg_base: str | None) -> dict:
    src = f"sqlite:///{tmp / f'{what}.sqlite'}" if backend == "sqlite" else _pg_db(pg_base, True)
    made = []
    try:
        cases = _fill(src, what, n)
        row = {"backend": backend, "store": f"{what} ({cases} cases)", "store_mb": _store_size(src) / 1e6}
        times, verify, restore = [], [], []
        for run in range(runs):
            folder = tmp / f"backups-{backend}-{what}-{run}"
            t = time.perf_counter()
            result = backup_store(src, folder, keep_days=None)
            times.append(time.perf_counter() - t)
            row["backup_mb"] = result.data_path.stat().st_size / 1e6
            t = time.perf_counter()
            verify_backup(result.manifest_path)
            verify.append(time.perf_counter() - t)
            target = f"sqlite:///{tmp / f'restored-{what}-{run}.sqlite'}" if backend == "sqlite" else _pg_db(pg_base, False)
            made.append(target)
            t = time.perf_counter()
            restore_backup(result.manifest_path, target)
            restore.append(time.perf_counter() - t)
        row.update(backup_s=statistics.median(times), verify_s=statistics.median(verify),
                   restore_s=statistics.median(restore))
        if backend == "sqlite":
            path = make_url(src).database
            t = time.perf_counter()
            shutil.copyfile(path, tmp / "plain-copy.sqlite")
            row["cp_s"] = time.perf_counter() - t
        return row
    finally:
        if backend == "postgresql":
            for url in [src, *made]:
                _drop_pg(pg_base, url)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    pg_base = os.environ.get("WORKBENCH_TEST_PG_URL")
    backends = ["sqlite"] + (["postgresql"] if pg_base else [])
    rows = []
    with tempfile.TemporaryDirectory(prefix="wb-backup-bench-") as tmp:
        for backend in backends:
            for what in ("sample", "generated"):
                rows.append(measure(backend, what, args.cases, args.runs, Path(tmp), pg_base))
                print(f"  measured {backend} / {rows[-1]['store']}", file=sys.stderr)
    head = f"{'backend':<11} {'store':<26} {'store MB':>9} {'backup s':>9} {'backup MB':>10} {'verify s':>9} " \
           f"{'restore s':>10} {'cp s':>7}"
    print(head)
    print("-" * len(head))
    for r in rows:
        cp = f"{r['cp_s']:.3f}" if "cp_s" in r else "-"
        print(f"{r['backend']:<11} {r['store']:<26} {r['store_mb']:>9.1f} {r['backup_s']:>9.3f} {r['backup_mb']:>10.1f} "
              f"{r['verify_s']:>9.3f} {r['restore_s']:>10.3f} {cp:>7}")
    if not pg_base:
        print("(PostgreSQL: set WORKBENCH_TEST_PG_URL to measure it too)")


if __name__ == "__main__":
    main()
