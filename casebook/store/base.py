"""The store's frame: opening (migrating a writable store, checking a read-only one), one
transaction per write, and the health check. The record kinds live beside it as mixins."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, make_url

from casebook.errors import ReadOnlyError, StoreError
from casebook.model import Case
from casebook.settings import Settings
from casebook.store.engine import _make_engine
from casebook.store.schema import (
    ACTIVITY,
    CASES,
    EVALUATIONS,
    HISTORY,
    NOTES,
    OVERRIDES,
    SCHEMA_VERSION,
    SESSIONS,
    TABLES,
    _installed_version,
    migrate,
)

# --- the frame -----------------------------------------------------------------------------------

class StoreBase:
    """Opening, closing, transactions; the record kinds are mixins (cases, sessions, figures)."""

    audit_origin = ""   # where this store's writes come from, for the audit log (an app sets it)

    def __init__(self, url: str, *, read_only: bool = False):
        self.url, self.read_only = url, read_only
        self.engine = _make_engine(url, read_only)
        self.dialect = self.engine.dialect.name
        self._writer = self.engine.execution_options(casebook_write=True)
        try:
            if read_only:
                self._check_readable_schema()
            else:
                migrate(self.engine)
        except BaseException:
            self.engine.dispose()
            raise

    @classmethod
    def open(cls, settings: Settings | None = None, *, read_only: bool = False) -> "StoreBase":
        return cls((settings or Settings.from_env()).store_url, read_only=read_only)

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> "StoreBase":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Store({make_url(self.url).render_as_string(hide_password=True)!r}, read_only={self.read_only})"

    def _check_readable_schema(self) -> None:
        with self._read() as conn:
            installed = _installed_version(conn)
        if installed == 0:
            raise StoreError("ストアが初期化されていません（workbench init を実行してください）")
        if installed != SCHEMA_VERSION:
            raise StoreError(f"ストアの形式（スキーマ {installed}）がこのワークベンチ（スキーマ {SCHEMA_VERSION}）と"
                             "合わないため、読み取り専用では開けません。書き込みできる設定で一度開いて更新してください")

    @contextmanager
    def _read(self, *, snapshot: bool = False) -> Iterator[Connection]:
        with self.engine.connect() as conn:
            if snapshot and self.dialect == "postgresql":  # several queries, one consistent view
                conn.execution_options(isolation_level="REPEATABLE READ")
            yield conn

    @contextmanager
    def _write(self) -> Iterator[Connection]:
        if self.read_only:
            raise ReadOnlyError("このストアは読み取り専用で開かれているため、書き込みできません")
        try:
            with self._writer.begin() as conn:
                yield conn
        except sa.exc.IntegrityError as exc:
            raise StoreError(f"保存できませんでした（データの整合性に反します）: {exc.orig}") from exc
        except sa.exc.OperationalError as exc:
            raise StoreError(f"保存できませんでした（データベースが応答しません。少し待ってからやり直してください）: {exc.orig}") from exc

    def _upsert(self, conn: Connection, table: sa.Table, values: dict) -> None:
        insert = (postgresql.insert if self.dialect == "postgresql" else sqlite.insert)(table).values(**values)
        keys = [c.name for c in table.primary_key.columns]
        conn.execute(insert.on_conflict_do_update(
            index_elements=keys, set_={k: insert.excluded[k] for k in values if k not in keys}))

    def delete_all(self) -> None:
        """Every record goes; the audit log stays (it is append-only)."""
        with self._write() as conn:
            for table in (NOTES, EVALUATIONS, SESSIONS, OVERRIDES, HISTORY, CASES, ACTIVITY):
                conn.execute(table.delete())

    # --- privacy overrides ----------------------------------------------------------------------


    # --- health ---------------------------------------------------------------------------------

    def integrity_check(self) -> list[str]:
        """[] when the database is sound and every case's history runs 1..version and ends at its content."""
        problems: list[str] = []
        with self._read(snapshot=True) as conn:
            if self.dialect == "sqlite":
                result = [r[0] for r in conn.exec_driver_sql("PRAGMA integrity_check")]
                if result != ["ok"]:
                    problems += [f"SQLite の整合性検査: {r}" for r in result]
                for table, rowid, parent, _fk in conn.exec_driver_sql("PRAGMA foreign_key_check"):
                    problems.append(f"表 {table} の行 {rowid} が {parent} にない行を指しています")
            spans = {r.case_id: (r.n, r.lo, r.hi) for r in conn.execute(
                sa.select(HISTORY.c.case_id, sa.func.count().label("n"), sa.func.min(HISTORY.c.version).label("lo"),
                          sa.func.max(HISTORY.c.version).label("hi")).group_by(HISTORY.c.case_id))}
            latest = (sa.select(CASES.c.id, CASES.c.version, CASES.c.status, CASES.c.ward, CASES.c.data,
                                HISTORY.c.data.label("snapshot"))
                      .select_from(CASES.outerjoin(HISTORY, sa.and_(HISTORY.c.case_id == CASES.c.id,
                                                                    HISTORY.c.version == CASES.c.version))))
            for r in conn.execute(latest):
                if spans.get(r.id) != (r.version, 1, r.version):
                    n = spans.get(r.id, (0,))[0]
                    problems.append(f"事例「{r.id}」: 履歴の版が揃っていません（現在の版 {r.version}、履歴 {n} 件）")
                if r.snapshot != r.data:
                    problems.append(f"事例「{r.id}」: 現在の内容が最新の履歴（版 {r.version}）と一致しません")
                try:
                    case = Case.model_validate(r.data)
                except ValueError as exc:
                    problems.append(f"事例「{r.id}」: 保存内容が事例の形式に合いません: {exc}")
                    continue
                if (case.status, case.ward) != (r.status, r.ward):
                    problems.append(f"事例「{r.id}」: 一覧用の列（状態・区）が内容と食い違っています")
        return problems

    def table_counts(self) -> dict[str, int]:
        """Rows per table of the current schema, read in one consistent view."""
        with self._read(snapshot=True) as conn:
            return {t.name: conn.execute(sa.select(sa.func.count()).select_from(t)).scalar() for t in TABLES}

    def schema_version(self) -> int:
        with self._read() as conn:
            return _installed_version(conn)
