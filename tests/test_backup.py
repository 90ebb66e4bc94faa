"""Backups and their restore, as the administrator meets them: a nightly backup while staff keep
saving, restored after a disk failure with every committed save in it; a damaged copy refused before
anything is written; files only their owner can read; old backups pruned. SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import json
import os
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from conftest import _drop_pg_database, _fresh_pg_database
from sqlalchemy.engine import make_url
from test_store import make_case
from typer.testing import CliRunner

from casebook.cli import app
from casebook.store import SCHEMA_VERSION, Store, StoreError
from casebook.store.backup import (
    BackupError,
    backup_store,
    list_backups,
    restore_backup,
    verify_backup,
)
from casebook.store.pgtools import ensure_database

WORKER = Path(__file__).parent / "store_workers.py"
PROCESSES = 20


@pytest.fixture
def empty_url(store_url, tmp_path):
    """A second, empty store on the same backend: where a backup is restored to."""
    if store_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'restored' / 'store.sqlite'}"
        return
    url = make_url(_fresh_pg_database())
    _drop_pg_database(url.render_as_string(hide_password=False))   # restore makes it itself
    url = url.render_as_string(hide_password=False)
    yield url
    _drop_pg_database(url)


def _markers(case) -> list[str]:
    return [line for line in case.discussion.discussion.split("\n") if line]


class _Saver:
    """One `store_workers.py loop` process: saves one case over and over; each line it prints is a
    version that had committed, stamped here with the time it was read."""

    def __init__(self, url: str, case_id: str, n: int):
        self.case_id, self.reports = case_id, []
        self.proc = subprocess.Popen([sys.executable, str(WORKER), "loop", url, case_id, f"職員{n:02d}"],
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self) -> None:
        for line in self.proc.stdout:
            self.reports.append((time.monotonic(), int(line)))

    def committed_before(self, moment: float) -> int:
        return max((v for t, v in self.reports if t < moment), default=1)

    def stop(self) -> str:
        self.proc.kill()
        self.proc.wait(timeout=30)
        self.thread.join(timeout=30)
        return self.proc.stderr.read()


@pytest.mark.slow
def test_a_backup_taken_while_twenty_processes_save_holds_every_save_committed_before_it(store_url, empty_url,
                                                                                         tmp_path):
    ids = [f"2024-27116-{n + 1:02d}" for n in range(PROCESSES)]
    with Store(store_url) as store:
        for case_id in ids:
            store.create_case(make_case(case_id), author="準備")
    savers = [_Saver(store_url, case_id, n) for n, case_id in enumerate(ids)]
    try:
        deadline = time.monotonic() + 120
        while min(len(s.reports) for s in savers) < 5:
            assert all(s.proc.poll() is None for s in savers), [s.proc.stderr.read() for s in savers]
            assert time.monotonic() < deadline, "the savers did not get going"
            time.sleep(0.05)
        started = time.monotonic()
        result = backup_store(store_url, tmp_path / "backups")
        finished = time.monotonic()
        time.sleep(0.5)   # the savers go on after the backup too
    finally:
        errors = [s.stop() for s in savers]
    assert not any("Traceback" in e for e in errors), errors
    before = {s.case_id: s.committed_before(started) for s in savers}
    during = sum(1 for s in savers for t, _ in s.reports if started <= t < finished)
    after = sum(1 for s in savers for t, _ in s.reports if t >= finished)
    print(f"\nbackup on {store_url.split(':')[0]} in {finished - started:.2f} s while {PROCESSES} processes saved: "
          f"{during} saves committed during it, {after} in the 0.5 s after")
    assert after > 0, "the apps must be able to go on saving after a backup"

    restored = restore_backup(result.manifest_path, empty_url)
    assert restored.counts["cases"] == PROCESSES
    assert restored.counts == result.manifest["tables"]
    with Store(empty_url) as store, Store(store_url) as source:
        assert store.integrity_check() == []     # PRAGMA integrity_check too, on SQLite
        for case_id in ids:
            record = store.get_case(case_id)
            assert record.version >= before[case_id], (case_id, record.version, before[case_id])
            assert record.version <= source.get_case(case_id).version
            assert [h.version for h in store.history(case_id)] == list(range(1, record.version + 1))
            assert _markers(record.case) == [f"v{v}" for v in range(2, record.version + 1)]


def _backup_with_cases(store_url: str, folder: Path):
    with Store(store_url) as store:
        store.create_case(make_case(), author="山田")
        store.create_case(make_case("2024-27116-02", title="二つ目の事例"), author="山田")
    return backup_store(store_url, folder)


def _target_untouched(url: str) -> bool:
    if url.startswith("sqlite"):
        return not Path(make_url(url).database).exists()
    try:
        Store(url, read_only=True).close()
    except Exception as exc:  # noqa: BLE001 - the database must not even exist
        return "does not exist" in str(exc)
    return False


def test_a_backup_with_one_byte_flipped_is_refused_and_nothing_is_written(store_url, empty_url, tmp_path):
    result = _backup_with_cases(store_url, tmp_path / "backups")
    data = bytearray(result.data_path.read_bytes())
    data[len(data) // 2] ^= 0x01
    result.data_path.write_bytes(bytes(data))
    with pytest.raises(BackupError, match="チェックサム（SHA-256）が目録と一致しません"):
        restore_backup(result.data_path, empty_url)
    assert _target_untouched(empty_url)
    cli = CliRunner().invoke(app, ["restore-backup", str(result.manifest_path), "--into", empty_url])
    assert cli.exit_code == 1 and "チェックサム" in cli.output and "Traceback" not in cli.output
    assert _target_untouched(empty_url)


def test_a_truncated_backup_is_refused_and_nothing_is_written(store_url, empty_url, tmp_path):
    result = _backup_with_cases(store_url, tmp_path / "backups")
    with open(result.data_path, "r+b") as fh:
        fh.truncate(result.data_path.stat().st_size // 2)
    with pytest.raises(BackupError, match="大きさが目録と違います.*途中で切れて"):
        restore_backup(result.manifest_path, empty_url)
    assert _target_untouched(empty_url)


def test_a_backup_from_a_newer_schema_a_missing_manifest_and_a_full_store_are_refused(store_url, empty_url,
                                                                                       tmp_path):
    result = _backup_with_cases(store_url, tmp_path / "backups")
    manifest = json.loads(result.manifest_path.read_text())
    result.manifest_path.write_text(json.dumps({**manifest, "schema_version": SCHEMA_VERSION + 1}))
    with pytest.raises(BackupError, match=f"新しい版のワークベンチ（スキーマ {SCHEMA_VERSION + 1}）"):
        restore_backup(result.data_path, empty_url)
    result.manifest_path.write_text(json.dumps(manifest))
    os.rename(result.manifest_path, tmp_path / "elsewhere.json")
    with pytest.raises(BackupError, match="目録.*がありません"):
        restore_backup(result.data_path, empty_url)
    assert _target_untouched(empty_url)
    os.rename(tmp_path / "elsewhere.json", result.manifest_path)
    with pytest.raises(BackupError, match="空ではありません（.*cases 2行"):
        restore_backup(result.data_path, store_url)           # the store it came from still holds them
    with Store(store_url) as store:
        assert len(store.case_ids()) == 2
    # and an empty store that was opened once (its schema made) takes it
    if not empty_url.startswith("sqlite"):
        ensure_database(empty_url)
    Store(empty_url).close()
    assert restore_backup(result.data_path, empty_url).counts["cases"] == 2


def test_backup_files_are_readable_only_by_their_owner_and_the_manifest_says_what_is_in_them(settings):
    runner = CliRunner()
    assert runner.invoke(app, ["init", "--sample"]).exit_code == 0
    out = runner.invoke(app, ["backup"])
    assert out.exit_code == 0, out.output
    folder = settings.data_dir / "backups"
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    files = sorted(folder.iterdir())
    assert [f.suffix for f in files] == [".json", ".sqlite"]
    assert all(stat.S_IMODE(f.stat().st_mode) == 0o600 for f in files)
    manifest, data = verify_backup(files[0])
    assert data == files[1] and manifest["schema_version"] == SCHEMA_VERSION
    with Store.open(settings) as store:
        assert manifest["tables"]["cases"] == len(store.case_ids()) > 0
    assert "事例" in out.output and str(manifest["tables"]["cases"]) in out.output
    restored = runner.invoke(app, ["restore-backup", str(data), "--into", f"sqlite:///{settings.data_dir / 'r.sqlite'}"])
    assert restored.exit_code == 0 and "復元しました" in restored.output
    assert stat.S_IMODE((settings.data_dir / "r.sqlite").stat().st_mode) == 0o600
    # `workbench restore FILE` is the same restore (the name for it); a second, non-empty
    # target is refused, and a name that is neither a file nor given a version says what to do.
    again = runner.invoke(app, ["restore", str(data), "--into", f"sqlite:///{settings.data_dir / 'r.sqlite'}"])
    assert again.exit_code == 1 and "空" in again.output
    fresh = runner.invoke(app, ["restore", str(data), "--into", f"sqlite:///{settings.data_dir / 'r2.sqlite'}"])
    assert fresh.exit_code == 0 and "復元しました" in fresh.output
    missing = runner.invoke(app, ["restore", str(settings.data_dir / "nothing.sqlite")])
    assert missing.exit_code == 2 and "バックアップのファイルはありません" in missing.output


def test_old_backups_are_pruned_but_the_newest_are_always_kept(settings, tmp_path):
    with Store.open(settings) as store:
        store.create_case(make_case(), author="山田")
    folder = tmp_path / "backups"
    now = dt.datetime(2025, 3, 31, 2, 0, tzinfo=dt.UTC)
    for days_ago in (90, 60, 40, 10, 1):
        backup_store(settings.store_url, folder, keep_days=None, now=now - dt.timedelta(days=days_ago))
    assert len(list_backups(folder)) == 5
    (folder / "someone-elses.json").write_text("{}")       # not ours: never touched
    result = backup_store(settings.store_url, folder, keep_days=30, keep_last=2, now=now)
    left = [m["created_at"][:10] for _, m in list_backups(folder)]
    assert left == ["2025-03-21", "2025-03-30", "2025-03-31"] and len(result.pruned) == 3
    assert (folder / "someone-elses.json").exists()
    assert len(list(folder.glob("*.sqlite"))) == 3
    # keep_last protects backups however old, when no newer ones are made (a stopped timer)
    backup_store(settings.store_url, folder, keep_days=0, keep_last=4, now=now + dt.timedelta(days=400))
    assert len([m for _, m in list_backups(folder) if m]) == 4


def test_the_audit_log_only_grows(store_url):
    with Store(store_url) as store:
        first = store.append_audit(actor="管理者", action="test.note", record="x", detail={"reason": "試験"},
                                   origin="pytest")
        store.delete_all()                                   # records go, the audit log stays
        entries = store.audit_log()
        assert [(e.id, e.actor, e.action, e.record, e.detail, e.origin) for e in entries] == [
            (first, "管理者", "test.note", "x", {"reason": "試験"}, "pytest")]
        assert not any(hasattr(store, name) for name in ("update_audit", "delete_audit"))
        for sql in ("UPDATE audit_log SET actor = 'someone'", "DELETE FROM audit_log"):
            with pytest.raises(Exception, match="append-only"):
                with store.engine.begin() as conn:
                    conn.exec_driver_sql(sql)
        with pytest.raises(StoreError, match="author"):
            store.append_audit(actor=" ", action="test.note")
        assert [e.actor for e in store.audit_log()] == ["管理者"]
