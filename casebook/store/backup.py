"""Backups of the store while the apps keep writing, and their restore into an empty store.

    backup_store(url, folder, keep_days=30, keep_last=3) -> BackupResult
    verify_backup(path) -> (manifest, data file)          refuses a damaged or unfitting backup
    restore_backup(path, url) -> RestoreResult             only into an empty store
    prune_backups(folder, keep_days, keep_last) -> [removed manifests]

SQLite: the online backup API (sqlite3.Connection.backup) copies the whole database in one step under
one read transaction — WAL lets the apps go on writing meanwhile — into a new file that is then put in
rollback-journal mode (one self-contained file), checked (PRAGMA integrity_check) and counted.
PostgreSQL: pg_dump of a snapshot exported by the transaction that counts the rows (casebook.store.pgtools).

A backup is two files in the backup folder (0700), both 0600 — they hold personal data:
    workbench-20250301T021500Z.sqlite   (or .pgdump)   the data
    workbench-20250301T021500Z.json                   the manifest: time, backend, schema version,
                                                      rows per table, size and SHA-256 of the data file
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import sqlite3
import stat
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import make_url

from casebook.store import pgtools
from casebook.store.pgtools import BackupError
from casebook.store.schema import SCHEMA_VERSION

FORMAT = "workbench-backup/1"
PREFIX = "workbench-"
SUFFIX = {"sqlite": ".sqlite", "postgresql": ".pgdump"}

__all__ = [
    "BackupError",
    "BackupResult",
    "RestoreResult",
    "backup_store",
    "list_backups",
    "prune_backups",
    "restore_backup",
    "verify_backup",
]


@dataclass
class BackupResult:
    manifest_path: Path
    data_path: Path
    manifest: dict
    pruned: list[Path] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


@dataclass
class RestoreResult:
    target: str
    counts: dict[str, int]
    schema_from: int
    schema_to: int


# --- files ---------------------------------------------------------------------------------------

def _private_folder(folder: Path) -> list[str]:
    """Make the folder (0700) if missing; a warning when an existing one is open to others."""
    if not folder.exists():
        folder.mkdir(parents=True, mode=0o700)
        os.chmod(folder, 0o700)
        return []
    if folder.stat().st_mode & 0o077:
        return [f"バックアップのフォルダ {folder} はほかの利用者も読めます（chmod 700 {folder} をおすすめします）"]
    return []


def _private_file(path: Path) -> int:
    """A new file only its owner can read and write (0600), opened for writing."""
    return os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _safe_url(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)


def _sqlite_path(url: str) -> Path:
    database = make_url(url).database
    if database in (None, "", ":memory:"):
        raise BackupError("メモリ上のデータベースはバックアップ・復元できません")
    return Path(database).expanduser().resolve()


# --- counting what is in a database ---------------------------------------------------------------

def _count_sqlite(conn: sqlite3.Connection) -> tuple[dict[str, int], int]:
    names = [n for (n,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' "
                                        "AND name NOT LIKE 'sqlite_%' ORDER BY name")]
    counts = {n: conn.execute(f'SELECT count(*) FROM "{n}"').fetchone()[0] for n in names}
    version = conn.execute("SELECT max(version) FROM schema_version").fetchone()[0] if "schema_version" in counts else 0
    return counts, version or 0


def _count_pg(conn) -> tuple[dict[str, int], int]:
    names = [n for (n,) in conn.exec_driver_sql(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() "
        "AND table_type = 'BASE TABLE' ORDER BY table_name")]
    counts = {n: conn.exec_driver_sql(f'SELECT count(*) FROM "{n}"').scalar() for n in names}
    version = conn.exec_driver_sql("SELECT max(version) FROM schema_version").scalar() if "schema_version" in counts else 0
    return counts, version or 0


def _contents(counts: dict[str, int]) -> dict[str, int]:
    """The tables that hold records (schema_version says only how the store is laid out)."""
    return {n: c for n, c in counts.items() if n != "schema_version" and c}


# --- taking a backup -----------------------------------------------------------------------------

def backup_store(url: str, folder: Path, *, keep_days: int | None = 30, keep_last: int = 3,
                 now: dt.datetime | None = None) -> BackupResult:
    """A consistent backup of the store at `url` into `folder`, then the old ones pruned."""
    backend = make_url(url).get_backend_name()
    if backend not in SUFFIX:
        raise BackupError(f"対応していないデータベースです: {backend}")
    folder = Path(folder).expanduser().resolve()
    warnings = _private_folder(folder)
    now = now or dt.datetime.now(dt.UTC)
    stem = f"{PREFIX}{now:%Y%m%dT%H%M%SZ}"
    n = 1
    while (folder / f"{stem}.json").exists() or (folder / f"{stem}{SUFFIX[backend]}").exists():
        n += 1
        stem = f"{PREFIX}{now:%Y%m%dT%H%M%SZ}-{n}"
    data_path, manifest_path = folder / f"{stem}{SUFFIX[backend]}", folder / f"{stem}.json"
    try:
        if backend == "sqlite":
            counts, version, tool = _sqlite_backup(_sqlite_path(url), data_path)
        else:
            fd = _private_file(data_path)
            try:
                counts, version, tool = pgtools.dump(url, fd, _count_pg)
            finally:
                os.close(fd)
        manifest = {"format": FORMAT, "created_at": now.isoformat(timespec="seconds"), "backend": backend,
                    "source": _safe_url(url), "schema_version": version, "tables": counts,
                    "data_file": data_path.name, "size": data_path.stat().st_size,
                    "sha256": _sha256(data_path), "tool": tool}
        fd = _private_file(manifest_path)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(manifest, fh, ensure_ascii=False, indent=1)
    except BaseException:
        data_path.unlink(missing_ok=True)
        manifest_path.unlink(missing_ok=True)
        raise
    pruned = prune_backups(folder, keep_days=keep_days, keep_last=keep_last, now=now)
    return BackupResult(manifest_path, data_path, manifest, pruned, warnings)


def _sqlite_backup(source: Path, target: Path) -> tuple[dict[str, int], int, str]:
    if not source.exists():
        raise BackupError(f"ストアのファイルがありません: {source}")
    os.close(_private_file(target))
    src = sqlite3.connect(source, timeout=60)
    try:
        dst = sqlite3.connect(target)
        try:
            src.backup(dst)                     # pages=-1: one step, one consistent read transaction
            dst.execute("PRAGMA journal_mode = DELETE")   # one self-contained file, no -wal beside it
            problems = [r for (r,) in dst.execute("PRAGMA integrity_check")]
            if problems != ["ok"]:
                raise BackupError("バックアップの整合性検査に失敗しました: " + "; ".join(problems[:5]))
            counts, version = _count_sqlite(dst)
        finally:
            dst.close()
    finally:
        src.close()
    os.chmod(target, 0o600)
    return counts, version, f"sqlite3 online backup (SQLite {sqlite3.sqlite_version})"


# --- pruning -------------------------------------------------------------------------------------

def list_backups(folder: Path) -> list[tuple[Path, dict | None]]:
    """Every manifest in the folder with what it says (None when unreadable), oldest first."""
    found = []
    for path in sorted(Path(folder).glob(f"{PREFIX}*.json")):
        try:
            manifest = json.loads(path.read_text(encoding="utf-8"))
            manifest = manifest if isinstance(manifest, dict) and manifest.get("format") == FORMAT else None
        except (OSError, ValueError):
            manifest = None
        found.append((path, manifest))
    return found


def prune_backups(folder: Path, *, keep_days: int | None, keep_last: int = 3,
                  now: dt.datetime | None = None) -> list[Path]:
    """Remove backups older than `keep_days`, never the newest `keep_last`; returns removed manifests.
    Only this workbench's own backups (a readable manifest) are touched."""
    if keep_days is None:
        return []
    now = now or dt.datetime.now(dt.UTC)
    ours = [(p, m) for p, m in list_backups(folder) if m is not None]
    ours.sort(key=lambda pm: pm[1]["created_at"])
    removed = []
    for path, manifest in ours[:max(0, len(ours) - keep_last)]:
        if now - dt.datetime.fromisoformat(manifest["created_at"]) > dt.timedelta(days=keep_days):
            (path.parent / Path(manifest["data_file"]).name).unlink(missing_ok=True)
            path.unlink(missing_ok=True)
            removed.append(path)
    return removed


# --- checking and restoring ----------------------------------------------------------------------

def verify_backup(path: Path) -> tuple[dict, Path]:
    """(manifest, data file) of a backup that is whole and fits this workbench; else BackupError
    naming what is wrong. `path` is the manifest or the data file beside it. Reads only."""
    path = Path(path).expanduser().resolve()
    manifest_path = path if path.suffix == ".json" else path.with_suffix(".json")
    if not path.exists():
        raise BackupError(f"バックアップファイルがありません: {path}")
    if not manifest_path.exists():
        raise BackupError(f"バックアップの目録（{manifest_path.name}）がありません。目録のないファイルは復元できません")
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
            raise ValueError("format")
        data_path = manifest_path.parent / Path(manifest["data_file"]).name
        backend, version = manifest["backend"], int(manifest["schema_version"])
        expected_sha, expected_size = manifest["sha256"], int(manifest["size"])
    except (OSError, ValueError, KeyError, TypeError):
        raise BackupError(f"バックアップの目録 {manifest_path.name} が壊れているか、ワークベンチの目録ではありません")
    if not data_path.exists():
        raise BackupError(f"目録にあるデータファイル {data_path.name} がありません")
    size = data_path.stat().st_size
    if size != expected_size:
        raise BackupError(f"バックアップファイル {data_path.name} の大きさが目録と違います（目録 {expected_size} バイト、"
                          f"実際 {size} バイト）。途中で切れているか、書き換えられています。復元しません")
    if _sha256(data_path) != expected_sha:
        raise BackupError(f"バックアップファイル {data_path.name} のチェックサム（SHA-256）が目録と一致しません。"
                          "ファイルが壊れているか、書き換えられています。復元しません")
    if backend not in SUFFIX:
        raise BackupError(f"目録のデータベースの種類「{backend}」には対応していません")
    if version > SCHEMA_VERSION:
        raise BackupError(f"このバックアップは新しい版のワークベンチ（スキーマ {version}）のものです。"
                          f"このワークベンチはスキーマ {SCHEMA_VERSION} までしか扱えません。ワークベンチを更新してから復元してください")
    if version < 1:
        raise BackupError("このバックアップには初期化済みのストアが入っていません（スキーマの版がありません）")
    if backend == "sqlite":
        _check_sqlite_file(data_path, manifest)
    else:
        pgtools.check_archive(data_path)
    return manifest, data_path


def _check_sqlite_file(data_path: Path, manifest: dict) -> None:
    uri = f"file:{data_path}?mode=ro&immutable=1"
    try:
        conn = sqlite3.connect(uri, uri=True)
        try:
            problems = [r for (r,) in conn.execute("PRAGMA integrity_check")]
            counts, version = _count_sqlite(conn)
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"バックアップファイル {data_path.name} は SQLite のデータベースとして読めません: {exc}")
    if problems != ["ok"]:
        raise BackupError(f"バックアップファイル {data_path.name} の整合性検査に失敗しました: " + "; ".join(problems[:5]))
    if version != manifest["schema_version"] or counts != manifest["tables"]:
        raise BackupError(f"バックアップファイル {data_path.name} の中身（スキーマ {version}）が目録と一致しません")


def _target_state(url: str, backend: str) -> tuple[dict[str, int], bool]:
    """(rows per table, whether the database exists) of a restore target, read without changing it."""
    if backend == "sqlite":
        path = _sqlite_path(url)
        if not path.exists() or path.stat().st_size == 0:
            return {}, False
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=60)
        try:
            return _count_sqlite(conn)[0], True
        finally:
            conn.close()
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return _count_pg(conn)[0], True
    except sa.exc.OperationalError as exc:
        if "does not exist" in str(exc):
            return {}, False
        raise BackupError(f"復元先のデータベースに接続できません（{_safe_url(url)}）: {exc.orig}") from exc
    finally:
        engine.dispose()


def restore_backup(path: Path, url: str) -> RestoreResult:
    """Restore a verified backup into the store at `url`, which must be empty (no records; a freshly
    made schema is fine). Nothing is written before every check has passed."""
    from casebook.store.api import Store

    manifest, data_path = verify_backup(path)
    backend = make_url(url).get_backend_name()
    if backend != manifest["backend"]:
        raise BackupError(f"このバックアップは {manifest['backend']} のものです。{backend} のストアには復元できません"
                          "（同じ種類のデータベースを --into で指定してください）")
    counts, exists = _target_state(url, backend)
    held = _contents(counts)
    if held:
        shown = "、".join(f"{n} {c}行" for n, c in sorted(held.items()))
        raise BackupError(f"復元先のストア（{_safe_url(url)}）は空ではありません（{shown}）。上書きはしません。"
                          "空のストアを --into で指定してください")
    if backend == "sqlite":
        target = _sqlite_path(url)
        target.parent.mkdir(parents=True, exist_ok=True)
        if not target.exists():
            os.close(_private_file(target))
        src = sqlite3.connect(f"file:{data_path}?mode=ro&immutable=1", uri=True)
        dst = sqlite3.connect(target, timeout=60)
        try:
            src.backup(dst)   # replaces the (empty) target's pages in one transaction
            dst.execute("PRAGMA journal_mode = WAL")
        finally:
            dst.close()
            src.close()
        if target.stat().st_mode & 0o077:
            os.chmod(target, stat.S_IRUSR | stat.S_IWUSR)
    else:
        if not exists:
            pgtools.ensure_database(url)
        pgtools.restore(data_path, url, has_tables=bool(counts))
    with Store(url) as store:      # opening brings an older schema forward
        problems = store.integrity_check()
        restored = store.table_counts()
        schema_to = store.schema_version()
    if problems:
        raise BackupError("復元したストアの整合性検査で問題が見つかりました: " + "; ".join(problems[:5]))
    lost = {n: (c, restored.get(n, 0)) for n, c in manifest["tables"].items()
            if n != "schema_version" and restored.get(n, 0) < c}
    if lost:
        raise BackupError("復元した行数が目録より少なくなっています: " +
                          "、".join(f"{n}（目録 {a}、復元 {b}）" for n, (a, b) in lost.items()))
    return RestoreResult(_safe_url(url), restored, int(manifest["schema_version"]), schema_to)
