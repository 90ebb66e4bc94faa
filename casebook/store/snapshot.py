"""The published snapshot: a separate SQLite file holding only what may be published, written in
one go and checked before anyone reads it. Readers open it `mode=ro` (Store(..., read_only=True))."""
from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from casebook.model import Case, Session, WardActivity
from casebook.store.api import Store


def write_snapshot(path: Path, *, cases: Iterable[Case], activity: Iterable[WardActivity],
                   sessions: Iterable[Session], author: str) -> tuple[dict[str, int], list[str], int]:
    """Write a new snapshot file at `path`; returns (counts, problems found by the check, cases stored).

    The file ends in rollback-journal mode, not WAL: a `mode=ro` reader then needs no -shm file
    beside it (and a read-only folder stays read-only)."""
    with Store(f"sqlite:///{path}") as snap:
        counts = snap.import_all(cases=cases, activity=activity, sessions=sessions, author=author)
        snap.engine.dispose()          # no other connection may hold the WAL open
        raw = snap.engine.raw_connection()   # outside a transaction: the journal mode can change only there
        try:
            raw.cursor().execute("PRAGMA journal_mode=DELETE")
        finally:
            raw.close()
    for suffix in ("-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    with Store(f"sqlite:///{path}", read_only=True) as check:
        return counts, check.integrity_check(), len(check.case_ids())
