"""Engines: SQLite (WAL, busy timeout, foreign keys, BEGIN IMMEDIATE for every write, so two writers
queue instead of deadlocking on a lock upgrade; read-only opened `mode=ro` by the driver) and
PostgreSQL through psycopg 3 (read-only enforced by the server for every transaction)."""
from __future__ import annotations

import urllib.parse
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.pool import StaticPool

from casebook.errors import StoreError

BUSY_TIMEOUT_S = 60          # a writer waits this long for the SQLite write lock before giving up


# --- engine --------------------------------------------------------------------------------------

def _make_engine(url: str, read_only: bool) -> Engine:
    u = make_url(url)
    backend = u.get_backend_name()
    if backend == "postgresql":
        # Read-only is enforced by the server for every transaction of the session, not just by us.
        args = {"options": "-c default_transaction_read_only=on"} if read_only else {}
        return sa.create_engine(u, connect_args=args, pool_pre_ping=True)
    if backend != "sqlite":
        raise StoreError(f"対応していないデータベースです: {backend}（SQLite か PostgreSQL を指定してください）")
    memory = u.database in (None, "", ":memory:")
    kwargs: dict = {"poolclass": StaticPool} if memory else {}
    if not memory:
        path = Path(u.database).expanduser().resolve()
        if read_only:
            if not path.exists():
                raise StoreError(f"ストアのファイルがありません: {path}")
            u = u.set(database=f"file:{urllib.parse.quote(str(path))}", query={"mode": "ro", "uri": "true"})
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
    engine = sa.create_engine(u, connect_args={"timeout": BUSY_TIMEOUT_S, "check_same_thread": False}, **kwargs)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):
        dbapi_conn.isolation_level = None   # pysqlite's own implicit BEGIN is deferred; we issue ours
        cur = dbapi_conn.cursor()
        cur.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_S * 1000}")
        cur.execute("PRAGMA foreign_keys = ON")
        if not read_only and not memory:
            cur.execute("PRAGMA journal_mode = WAL")
            cur.execute("PRAGMA synchronous = FULL")   # a committed save survives power loss too
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        # IMMEDIATE takes the write lock up front: no reader-turned-writer can deadlock another.
        conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get("casebook_write") else "BEGIN")

    return engine


def display_url(url: str) -> str:
    """A store URL as a person may see it: the password hidden."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return "（URL を表示できません）"
