"""PostgreSQL's own tools for backups: pg_dump of an exported snapshot, pg_restore into an empty
database. The client matching the server is taken from /usr/lib/postgresql/<version>/bin (Debian's
postgresql-client packages); the password travels in the environment, never on a command line."""
from __future__ import annotations

import glob
import os
import re
import shutil
import subprocess
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import make_url

from casebook.errors import StoreError

PG_BIN_GLOB = "/usr/lib/postgresql/*/bin"


class BackupError(StoreError):
    """A backup or restore refused or failed; str(e) says in Japanese what is wrong."""


def _major(text: str) -> int:
    return int(re.match(r"\d+", text).group())


def pg_tool(name: str, server_major: int | None = None) -> str:
    """The path of pg_dump / pg_restore for a server of `server_major`: that version's binary if
    installed, else the newest installed one that is not older than the server."""
    found = {}
    for folder in glob.glob(PG_BIN_GLOB):
        path = Path(folder) / name
        if path.is_file() and os.access(path, os.X_OK):
            found[_major(path.parent.parent.name)] = str(path)
    if server_major is not None and server_major in found:
        return found[server_major]
    newest = max(found, default=None)
    if newest is not None and (server_major is None or newest >= server_major):
        return found[newest]
    fallback = shutil.which(name)
    if fallback and server_major is None:
        return fallback
    have = "、".join(str(v) for v in sorted(found)) or "なし"
    raise BackupError(f"{name} が見つかりません（サーバーは PostgreSQL {server_major}、インストール済みのクライアント: {have}）。"
                      f"apt-get install postgresql-client-{server_major or ''} を実行してください（.ci/setup.sh も入れます）")


def libpq_env(url: str) -> dict[str, str]:
    """The environment that points pg_dump / pg_restore at the database of a SQLAlchemy URL."""
    u = make_url(url)
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    for key, value in (("PGHOST", u.host), ("PGPORT", u.port), ("PGUSER", u.username),
                       ("PGPASSWORD", u.password), ("PGDATABASE", u.database)):
        if value is not None:
            env[key] = str(value)
    for param, var in (("sslmode", "PGSSLMODE"), ("host", "PGHOST")):
        if param in u.query:
            env[var] = str(u.query[param])
    return env


def server_major(conn) -> int:
    return int(conn.exec_driver_sql("SHOW server_version_num").scalar()) // 10000


def _run(cmd: list[str], env: dict[str, str], what: str, **kw) -> subprocess.CompletedProcess:
    proc = subprocess.run(cmd, env=env, stderr=subprocess.PIPE, text=True, check=False, **kw)
    if proc.returncode != 0:
        tail = "\n".join(proc.stderr.strip().splitlines()[-5:])
        raise BackupError(f"{what}に失敗しました（{Path(cmd[0]).name} 終了コード {proc.returncode}）:\n{tail}")
    return proc


def dump(url: str, out_fd: int, count_tables) -> tuple[dict[str, int], int, str]:
    """pg_dump (custom format) into `out_fd` of a snapshot exported by a REPEATABLE READ transaction,
    in which `count_tables(conn)` also runs: (counts, schema version) are exactly those of the dump.
    Returns (counts, schema version, the tool's version line)."""
    engine = sa.create_engine(url)
    try:
        with engine.connect().execution_options(isolation_level="REPEATABLE READ") as conn:
            with conn.begin():
                conn.exec_driver_sql("SET TRANSACTION READ ONLY")
                snapshot = conn.exec_driver_sql("SELECT pg_export_snapshot()").scalar()
                counts, version = count_tables(conn)
                tool = pg_tool("pg_dump", server_major(conn))
                cmd = [tool, "--format=custom", "--no-owner", "--no-privileges", f"--snapshot={snapshot}"]
                _run(cmd, libpq_env(url), "pg_dump によるバックアップ", stdout=out_fd)
        tool_version = subprocess.run([tool, "--version"], capture_output=True, text=True, check=False).stdout.strip()
        return counts, version, tool_version
    finally:
        engine.dispose()


def check_archive(path: Path) -> None:
    """pg_restore --list reads the whole table of contents: a damaged archive is refused here."""
    _run([pg_tool("pg_restore"), "--list", str(path)], dict(os.environ), "バックアップファイルの読み取り",
         stdout=subprocess.DEVNULL)


def ensure_database(url: str) -> None:
    """Create the database of `url` when it does not exist yet (a restore into a new store)."""
    u = make_url(url)
    engine = sa.create_engine(u.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            exists = conn.exec_driver_sql("SELECT 1 FROM pg_database WHERE datname = %(n)s",
                                          {"n": u.database}).first()
            if not exists:
                conn.exec_driver_sql(f'CREATE DATABASE "{u.database.replace(chr(34), "")}"')
    finally:
        engine.dispose()


def restore(path: Path, url: str, *, has_tables: bool) -> None:
    """pg_restore the archive into the (checked empty) database of `url`, in one transaction; tables
    an empty store already has (made by a first opening) are dropped first."""
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            tool = pg_tool("pg_restore", server_major(conn))
    finally:
        engine.dispose()
    cmd = [tool, "--no-owner", "--no-privileges", "--single-transaction", "--exit-on-error",
           *(["--clean", "--if-exists"] if has_tables else []), f"--dbname={make_url(url).database}", str(path)]
    _run(cmd, libpq_env(url), "pg_restore による復元")
