"""The store: cases with their full history, training sessions, group notes, evaluations and
ward activity figures, in one SQL database. Only this module talks SQL.

SQLite file by default (WAL, busy timeout, foreign keys, BEGIN IMMEDIATE for every write, so two
writers queue instead of deadlocking on a lock upgrade); any SQLAlchemy URL by setting, PostgreSQL
through psycopg 3 (row lock + conditional UPDATE). Every case write is ONE transaction that checks
the version the editor started from and appends a full snapshot to `case_history`.
"""

from __future__ import annotations

import datetime as dt
import urllib.parse
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.pool import StaticPool

from casebook.errors import (DuplicateError, NotFoundError, ReadOnlyError, SessionClosedError,
                             StoreError, TransitionError)
from casebook import vocab
from casebook.model import AdvisorComment, Case, Evaluation, GroupNote, Session, WardActivity
from casebook.settings import Settings

__all__ = ["Store", "CaseRecord", "CaseDigest", "HistoryEntry", "StoreError", "StaleVersionError", "NotFoundError",
           "DuplicateError", "TransitionError", "ReadOnlyError", "SessionClosedError", "migrate",
           "SCHEMA_VERSION"]

BUSY_TIMEOUT_S = 60          # a writer waits this long for the SQLite write lock before giving up
JST = dt.timezone(dt.timedelta(hours=9), "JST")   # what staff read on the clock; Japan has no DST
ACTIONS = ("create", "save", "status", "restore", "comment", "import")


# --- errors: Japanese, meant to be shown to the user as they are ---------------------------------

class StaleVersionError(StoreError):
    """Someone saved the case after the editor opened it; nothing was written."""

    def __init__(self, case_id: str, base_version: int, current_version: int, saved_by: str,
                 saved_at: dt.datetime):
        self.case_id, self.base_version, self.current_version = case_id, base_version, current_version
        self.saved_by, self.saved_at = saved_by, saved_at
        super().__init__(
            f"この事例は {saved_at.astimezone(JST):%Y-%m-%d %H:%M} に {saved_by} さんが保存しています（版 {current_version}）。"
            f"あなたの編集は版 {base_version} を元にしています。入力内容は保存されていません。"
            "手元の入力は残っていますので、最新の版を開いて見比べてから保存し直してください。")

    def __reduce__(self):  # picklable across processes despite the keyword-rich constructor
        return (type(self), (self.case_id, self.base_version, self.current_version, self.saved_by,
                             self.saved_at))


# --- records -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class CaseRecord:
    case: Case
    version: int
    updated_by: str
    updated_at: dt.datetime
    created_by: str
    created_at: dt.datetime


@dataclass(frozen=True)
class CaseDigest:
    """A case as a batch job checks it for changes: index columns, version and a SHA-256 of the stored
    content (the database's own JSON text), without building the Case."""
    id: str
    version: int
    updated_at: dt.datetime
    ward: str
    fiscal_year: int
    status: str
    themes: tuple[str, ...]
    sha256: str


@dataclass(frozen=True)
class HistoryEntry:
    case_id: str
    version: int
    saved_by: str
    saved_at: dt.datetime
    action: str
    status: str
    note: str


# --- schema --------------------------------------------------------------------------------------

Json = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
Stamp = sa.DateTime(timezone=True)


def _release1_tables(m: sa.MetaData) -> None:
    """The schema as release 1 created it. Frozen: change the schema with a new migration step."""
    sa.Table("schema_version", m,
             sa.Column("version", sa.Integer, primary_key=True, autoincrement=False),
             sa.Column("description", sa.Text, nullable=False),
             sa.Column("applied_at", Stamp, nullable=False))
    sa.Table("cases", m,
             sa.Column("id", sa.String(64), primary_key=True),
             sa.Column("ward", sa.String(32), nullable=False, index=True),
             sa.Column("fiscal_year", sa.Integer, nullable=False, index=True),
             sa.Column("status", sa.String(32), nullable=False, index=True),
             sa.Column("title", sa.Text, nullable=False),
             sa.Column("data", Json, nullable=False),
             sa.Column("version", sa.Integer, nullable=False),
             sa.Column("created_by", sa.Text, nullable=False),
             sa.Column("created_at", Stamp, nullable=False),
             sa.Column("updated_by", sa.Text, nullable=False),
             sa.Column("updated_at", Stamp, nullable=False))
    sa.Table("case_history", m,
             sa.Column("case_id", sa.String(64), sa.ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True),
             sa.Column("version", sa.Integer, primary_key=True, autoincrement=False),
             sa.Column("action", sa.String(16), nullable=False),
             sa.Column("status", sa.String(32), nullable=False),
             sa.Column("note", sa.Text, nullable=False, default=""),
             sa.Column("saved_by", sa.Text, nullable=False),
             sa.Column("saved_at", Stamp, nullable=False),
             sa.Column("data", Json, nullable=False))
    sa.Table("sessions", m,
             sa.Column("id", sa.String(64), primary_key=True),
             sa.Column("title", sa.Text, nullable=False),
             sa.Column("date", sa.Date, nullable=False),
             sa.Column("closed", sa.Boolean, nullable=False, default=False),
             sa.Column("data", Json, nullable=False),
             sa.Column("updated_at", Stamp, nullable=False))
    sa.Table("group_notes", m,
             sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
             sa.Column("session_id", sa.String(64), sa.ForeignKey("sessions.id", ondelete="CASCADE"),
                       nullable=False, index=True),
             sa.Column("group_name", sa.Text, nullable=False),
             sa.Column("question", sa.Integer, nullable=False),
             sa.Column("author", sa.Text, nullable=False),
             sa.Column("text", sa.Text, nullable=False),
             sa.Column("pinned", sa.Boolean, nullable=False, default=False),
             sa.Column("created_at", Stamp, nullable=False),
             sa.Column("updated_at", Stamp, nullable=False))
    sa.Table("evaluations", m,
             sa.Column("session_id", sa.String(64), sa.ForeignKey("sessions.id", ondelete="CASCADE"), primary_key=True),
             sa.Column("participant", sa.String(200), primary_key=True),
             sa.Column("data", Json, nullable=False),
             sa.Column("updated_at", Stamp, nullable=False))
    sa.Table("ward_activity", m,
             sa.Column("ward", sa.String(32), primary_key=True),
             sa.Column("fiscal_year", sa.Integer, primary_key=True, autoincrement=False),
             sa.Column("theme", sa.String(64), primary_key=True),
             sa.Column("figure", sa.String(200), primary_key=True),
             sa.Column("value", sa.Float, nullable=False),
             sa.Column("unit", sa.Text, nullable=False, default=""))


def _overrides_table(m: sa.MetaData) -> sa.Table:
    return sa.Table("privacy_overrides", m,
                    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
                    sa.Column("case_id", sa.String(64), sa.ForeignKey("cases.id", ondelete="CASCADE"),
                              nullable=False, index=True),
                    sa.Column("field", sa.Text, nullable=False),
                    sa.Column("kind", sa.Text, nullable=False),
                    sa.Column("text", sa.Text, nullable=False),
                    sa.Column("editor", sa.Text, nullable=False),
                    sa.Column("reason", sa.Text, nullable=False),
                    sa.Column("at", Stamp, nullable=False))


def _step1_release1(conn: Connection) -> None:
    m = sa.MetaData()
    _release1_tables(m)
    m.create_all(conn)


def _step2_privacy_overrides(conn: Connection) -> None:
    m = sa.MetaData()
    _release1_tables(m)
    _overrides_table(m).create(conn)


def _step3_case_themes(conn: Connection) -> None:
    """A `themes` column ("|テーマ|テーマ|") filled from each stored case, so list_cases filters by theme."""
    conn.exec_driver_sql("ALTER TABLE cases ADD COLUMN themes TEXT NOT NULL DEFAULT ''")
    conn.exec_driver_sql("CREATE INDEX ix_cases_ward_year ON cases (ward, fiscal_year)")
    for case_id, data in conn.execute(sa.select(CASES.c.id, CASES.c.data)).all():
        conn.execute(CASES.update().where(CASES.c.id == case_id).values(themes=_themes_key(data.get("themes", []))))


MIGRATIONS: list[tuple[str, Callable[[Connection], None]]] = [
    ("release 1: cases, history, sessions, group notes, evaluations, ward activity", _step1_release1),
    ("privacy overrides: an editor's recorded decision per finding", _step2_privacy_overrides),
    ("cases.themes column filled from the stored cases; index on (ward, fiscal_year)", _step3_case_themes),
]
SCHEMA_VERSION = len(MIGRATIONS)

# The current schema, for queries: release 1 plus what each later step added.
_meta = sa.MetaData()
_release1_tables(_meta)
OVERRIDES = _overrides_table(_meta)
CASES, HISTORY = _meta.tables["cases"], _meta.tables["case_history"]
CASES.append_column(sa.Column("themes", sa.Text, nullable=False, server_default=""))
SESSIONS, NOTES = _meta.tables["sessions"], _meta.tables["group_notes"]
EVALUATIONS, ACTIVITY = _meta.tables["evaluations"], _meta.tables["ward_activity"]
VERSIONS = _meta.tables["schema_version"]


def _themes_key(themes: Iterable[str]) -> str:
    return "".join(f"|{t}" for t in themes) + "|" if themes else ""


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


def _installed_version(conn: Connection) -> int:
    if not sa.inspect(conn).has_table("schema_version"):
        return 0
    return conn.execute(sa.select(sa.func.max(VERSIONS.c.version))).scalar() or 0


def migrate(target: str | Engine, *, upto: int | None = None) -> int:
    """Bring a store's schema forward to `upto` (default: current), one transaction per step."""
    engine = _make_engine(target, False) if isinstance(target, str) else target
    writer = engine.execution_options(casebook_write=True)
    upto = SCHEMA_VERSION if upto is None else upto
    try:
        with engine.connect() as conn:
            installed = _installed_version(conn)
        if installed > SCHEMA_VERSION:
            raise StoreError(f"このストアは新しい版のワークベンチ（スキーマ {installed}）で作られています。"
                             f"このワークベンチはスキーマ {SCHEMA_VERSION} までしか読めません。ワークベンチを更新してください")
        for step in range(installed + 1, upto + 1):
            with writer.begin() as conn:
                if engine.dialect.name == "postgresql":
                    conn.execute(sa.text("SELECT pg_advisory_xact_lock(727100)"))  # one migrator at a time
                if _installed_version(conn) >= step:
                    continue           # another process applied it while we waited for the lock
                description, apply = MIGRATIONS[step - 1]
                apply(conn)
                conn.execute(VERSIONS.insert().values(version=step, description=description, applied_at=_now()))
        with engine.connect() as conn:
            return _installed_version(conn)
    finally:
        if isinstance(target, str):
            engine.dispose()


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def _utc(value: dt.datetime) -> dt.datetime:
    """SQLite hands back naive UTC, PostgreSQL the session's zone: both become aware UTC."""
    return value.replace(tzinfo=dt.timezone.utc) if value.tzinfo is None else value.astimezone(dt.timezone.utc)


def _status_label(status: str) -> str:
    try:
        return vocab.status_label(status)
    except vocab.VocabError:
        return status


def _transition_message(old: str, new: str, role: str | None) -> str:
    base = f"状態を「{_status_label(old)}」から「{_status_label(new)}」へは変更できません"
    if vocab.allowed_transition(old, new):
        who = next((r["name"] for r in vocab.app_roles() if r["id"] == role), role)
        return f"{base}（{who}にはこの変更の権限がありません）"
    options = "・".join(_status_label(s) for s in vocab.next_statuses(old)) or "なし"
    return f"{base}（「{_status_label(old)}」から変更できるのは: {options}）"


def _record(row, case: Case | None = None) -> CaseRecord:
    return CaseRecord(case=case or Case.model_validate(row.data), version=row.version,
                      updated_by=row.updated_by, updated_at=_utc(row.updated_at),
                      created_by=row.created_by, created_at=_utc(row.created_at))


def _index_columns(case: Case) -> dict:
    return {"ward": case.ward, "fiscal_year": case.fiscal_year, "status": case.status,
            "title": case.title, "themes": _themes_key(case.themes)}


def _require_author(author: str) -> str:
    if not author or not str(author).strip():
        raise StoreError("保存する人の名前（author）が空です")
    return str(author).strip()


_WARD_ORDER = {w.name: w.order for w in vocab.wards()}
_THEME_ORDER = {name: i for i, name in enumerate(vocab.theme_names())}


# --- the store -----------------------------------------------------------------------------------

class Store:
    """Cases (versioned, with history), sessions, notes, evaluations and ward figures."""

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
    def open(cls, settings: Settings | None = None, *, read_only: bool = False) -> "Store":
        return cls((settings or Settings.from_env()).store_url, read_only=read_only)

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> "Store":
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

    # --- cases ----------------------------------------------------------------------------------

    def _insert_case(self, conn: Connection, case: Case, author: str, action: str) -> CaseRecord:
        if conn.execute(sa.select(CASES.c.id).where(CASES.c.id == case.id)).first():
            raise DuplicateError(f"事例番号「{case.id}」の事例は既にあります")
        now, data = _now(), case.model_dump(mode="json")
        conn.execute(CASES.insert().values(id=case.id, data=data, version=1, created_by=author, created_at=now,
                                           updated_by=author, updated_at=now, **_index_columns(case)))
        conn.execute(HISTORY.insert().values(case_id=case.id, version=1, action=action, status=case.status,
                                             note="", saved_by=author, saved_at=now, data=data))
        return CaseRecord(Case.model_validate(data), 1, author, now, author, now)

    def _lock_case(self, conn: Connection, case_id: str, base_version: int | None):
        row = conn.execute(sa.select(CASES).where(CASES.c.id == case_id).with_for_update()).first()
        if row is None:
            raise NotFoundError(f"事例番号「{case_id}」の事例はありません")
        if base_version is not None and row.version != base_version:
            raise StaleVersionError(case_id, base_version, row.version, row.updated_by, _utc(row.updated_at))
        return row

    def _update_case(self, conn: Connection, row, data: dict, author: str, action: str, note: str = "") -> CaseRecord:
        case = Case.model_validate(data)
        data = case.model_dump(mode="json")
        version, now = row.version + 1, _now()
        done = conn.execute(CASES.update().where(CASES.c.id == row.id, CASES.c.version == row.version).values(
            data=data, version=version, updated_by=author, updated_at=now, **_index_columns(case)))
        if done.rowcount != 1:  # cannot happen under the row lock; kept so a lost update is impossible
            current = self._lock_case(conn, row.id, None)
            raise StaleVersionError(row.id, row.version, current.version, current.updated_by, _utc(current.updated_at))
        conn.execute(HISTORY.insert().values(case_id=row.id, version=version, action=action, status=case.status,
                                             note=note, saved_by=author, saved_at=now, data=data))
        return CaseRecord(case, version, author, now, row.created_by, _utc(row.created_at))

    def create_case(self, case: Case, *, author: str) -> CaseRecord:
        author = _require_author(author)
        try:
            with self._write() as conn:
                return self._insert_case(conn, case, author, "create")
        except StoreError as exc:
            if isinstance(exc.__cause__, sa.exc.IntegrityError):  # lost a race with another creator
                raise DuplicateError(f"事例番号「{case.id}」の事例は既にあります") from exc
            raise

    def save_case(self, case: Case, *, author: str, base_version: int, role: str | None = None) -> CaseRecord:
        author = _require_author(author)
        with self._write() as conn:
            row = self._lock_case(conn, case.id, base_version)
            note = ""
            if case.status != row.status:
                if not vocab.allowed_transition(row.status, case.status, role):
                    raise TransitionError(_transition_message(row.status, case.status, role))
                note = f"状態: {_status_label(row.status)} → {_status_label(case.status)}"
            return self._update_case(conn, row, case.model_dump(mode="json"), author, "save", note)

    def get_case(self, case_id: str) -> CaseRecord:
        with self._read() as conn:
            row = conn.execute(sa.select(CASES).where(CASES.c.id == case_id)).first()
        if row is None:
            raise NotFoundError(f"事例番号「{case_id}」の事例はありません")
        return _record(row)

    def list_cases(self, *, ward=None, status=None, fiscal_year=None, theme=None) -> list[CaseRecord]:
        query = sa.select(CASES)
        if ward is not None:
            query = query.where(CASES.c.ward == vocab.parse_ward(ward).name)
        if status is not None:
            wanted = [status] if isinstance(status, str) else list(status)
            query = query.where(CASES.c.status.in_([vocab.parse_status(s) for s in wanted]))
        if fiscal_year is not None:
            query = query.where(CASES.c.fiscal_year == vocab.parse_fiscal_year(fiscal_year))
        if theme is not None:
            query = query.where(CASES.c.themes.contains(f"|{vocab.parse_theme(theme)}|", autoescape=True))
        with self._read() as conn:
            rows = conn.execute(query).all()
        rows.sort(key=lambda r: (_WARD_ORDER.get(r.ward, 99), r.fiscal_year, r.id))
        return [_record(r) for r in rows]

    def case_ids(self, *, status=None) -> list[str]:
        """The ids of every case (of `status`), sorted; reads only the id column (for counts and lookups)."""
        query = sa.select(CASES.c.id).order_by(CASES.c.id)
        if status is not None:
            wanted = [status] if isinstance(status, str) else list(status)
            query = query.where(CASES.c.status.in_([vocab.parse_status(s) for s in wanted]))
        with self._read() as conn:
            return list(conn.execute(query).scalars())

    def case_digests(self, *, status=None) -> list[CaseDigest]:
        """Every case (of `status`) as a CaseDigest, in list_cases order; reads no Case object, so a
        rebuild learns what changed since last time for the cost of hashing the stored text."""
        import hashlib

        query = sa.select(CASES.c.id, CASES.c.version, CASES.c.updated_at, CASES.c.ward, CASES.c.fiscal_year,
                          CASES.c.status, CASES.c.themes, sa.cast(CASES.c.data, sa.Text).label("text"))
        if status is not None:
            wanted = [status] if isinstance(status, str) else list(status)
            query = query.where(CASES.c.status.in_([vocab.parse_status(s) for s in wanted]))
        with self._read() as conn:
            rows = conn.execute(query).all()
        rows.sort(key=lambda r: (_WARD_ORDER.get(r.ward, 99), r.fiscal_year, r.id))
        return [CaseDigest(r.id, r.version, _utc(r.updated_at), r.ward, r.fiscal_year, r.status,
                           tuple(t for t in r.themes.split("|") if t),
                           hashlib.sha256(r.text.encode("utf-8")).hexdigest()) for r in rows]

    def change_status(self, case_id: str, new_status: str, *, author: str, role: str | None,
                      base_version: int, note: str = "") -> CaseRecord:
        author = _require_author(author)
        try:
            new = vocab.parse_status(new_status)
        except vocab.VocabError as exc:
            raise TransitionError(str(exc)) from exc
        with self._write() as conn:
            row = self._lock_case(conn, case_id, base_version)
            if row.status == new:
                raise TransitionError(f"この事例は既に「{_status_label(new)}」です")
            if not vocab.allowed_transition(row.status, new, role):
                raise TransitionError(_transition_message(row.status, new, role))
            moved = f"{_status_label(row.status)} → {_status_label(new)}"
            return self._update_case(conn, row, {**row.data, "status": new}, author, "status",
                                     f"{moved}: {note}" if note else moved)

    def add_comment(self, case_id: str, comment: AdvisorComment, *, base_version: int) -> CaseRecord:
        if comment.created_at is None:
            comment = comment.model_copy(update={"created_at": _now()})
        with self._write() as conn:
            row = self._lock_case(conn, case_id, base_version)
            data = {**row.data, "comments": [*row.data.get("comments", []), comment.model_dump(mode="json")]}
            try:
                Case.model_validate(data)
            except ValueError as exc:
                from casebook.model import describe_errors
                raise StoreError("コメントを追加できません: " + " / ".join(describe_errors(exc))) from exc
            kind = "ポイント整理" if comment.kind == "key_points" else "助言"
            return self._update_case(conn, row, data, comment.advisor, "comment", kind)

    def history(self, case_id: str) -> list[HistoryEntry]:
        with self._read() as conn:
            rows = conn.execute(sa.select(HISTORY.c.case_id, HISTORY.c.version, HISTORY.c.saved_by,
                                          HISTORY.c.saved_at, HISTORY.c.action, HISTORY.c.status, HISTORY.c.note)
                                .where(HISTORY.c.case_id == case_id).order_by(HISTORY.c.version)).all()
        if not rows:
            raise NotFoundError(f"事例番号「{case_id}」の事例はありません")
        return [HistoryEntry(r.case_id, r.version, r.saved_by, _utc(r.saved_at), r.action, r.status, r.note or "")
                for r in rows]

    def case_at(self, case_id: str, version: int) -> Case:
        with self._read() as conn:
            data = conn.execute(sa.select(HISTORY.c.data).where(
                HISTORY.c.case_id == case_id, HISTORY.c.version == version)).scalar()
        if data is None:
            raise NotFoundError(f"事例番号「{case_id}」の版 {version} はありません")
        return Case.model_validate(data)

    def restore(self, case_id: str, version: int, *, author: str, base_version: int) -> CaseRecord:
        """The content of `version` becomes a new version; the workflow status stays where it is."""
        author = _require_author(author)
        with self._write() as conn:
            row = self._lock_case(conn, case_id, base_version)
            old = conn.execute(sa.select(HISTORY.c.data).where(
                HISTORY.c.case_id == case_id, HISTORY.c.version == version)).scalar()
            if old is None:
                raise NotFoundError(f"事例番号「{case_id}」の版 {version} はありません")
            return self._update_case(conn, row, {**old, "status": row.status}, author, "restore",
                                     f"版 {version} を復元")

    def next_case_id(self, ward, fiscal_year) -> str:
        """The next free number of a ward's year: 2024-27116-03."""
        prefix = f"{vocab.parse_fiscal_year(fiscal_year)}-{vocab.parse_ward(ward).code}-"
        with self._read() as conn:
            ids = conn.execute(sa.select(CASES.c.id).where(CASES.c.id.startswith(prefix, autoescape=True))).scalars()
            numbers = [int(i[len(prefix):]) for i in ids if i[len(prefix):].isdigit()]
        return f"{prefix}{max(numbers, default=0) + 1:02d}"

    def delete_all(self) -> None:
        with self._write() as conn:
            for table in (NOTES, EVALUATIONS, SESSIONS, OVERRIDES, HISTORY, CASES, ACTIVITY):
                conn.execute(table.delete())

    # --- privacy overrides ----------------------------------------------------------------------

    def record_override(self, case_id: str, *, field: str, kind: str, text: str, editor: str, reason: str) -> None:
        editor = _require_author(editor)
        if not reason or not reason.strip():
            raise StoreError("判断の理由（reason）を入力してください")
        with self._write() as conn:
            self._lock_case(conn, case_id, None)
            conn.execute(OVERRIDES.insert().values(case_id=case_id, field=field, kind=kind, text=text,
                                                   editor=editor, reason=reason.strip(), at=_now()))

    def overrides(self, case_id: str) -> list[dict]:
        with self._read() as conn:
            rows = conn.execute(sa.select(OVERRIDES).where(OVERRIDES.c.case_id == case_id)
                                .order_by(OVERRIDES.c.id)).all()
        return [{"field": r.field, "kind": r.kind, "text": r.text, "editor": r.editor, "reason": r.reason,
                 "at": _utc(r.at)} for r in rows]

    # --- sessions, group notes, evaluations -----------------------------------------------------

    def _put_session(self, conn: Connection, session: Session) -> None:
        stored = conn.execute(sa.select(SESSIONS.c.closed).where(SESSIONS.c.id == session.id)).scalar()
        if stored:  # re-preparing a closed session must not reopen it to submissions
            session = session.model_copy(update={"closed": True})
        self._upsert(conn, SESSIONS, {"id": session.id, "title": session.title, "date": session.date,
                                      "closed": session.closed, "data": session.model_dump(mode="json"),
                                      "updated_at": _now()})

    def _open_session(self, conn: Connection, session_id: str, *, check_closed: bool = True):
        # FOR SHARE: submissions run side by side but wait for (and then see) a closing session.
        row = conn.execute(sa.select(SESSIONS.c.id, SESSIONS.c.title, SESSIONS.c.closed)
                           .where(SESSIONS.c.id == session_id).with_for_update(read=True)).first()
        if row is None:
            raise NotFoundError(f"研修会「{session_id}」はありません")
        if check_closed and row.closed:
            raise SessionClosedError(f"研修会「{row.title}」は終了しているため、入力を受け付けていません")
        return row

    def save_session(self, session: Session) -> None:
        """Upsert by id; a closed session stays closed (reopen_session opens it again)."""
        with self._write() as conn:
            self._put_session(conn, session)

    def get_session(self, session_id: str) -> Session:
        with self._read() as conn:
            row = conn.execute(sa.select(SESSIONS.c.data, SESSIONS.c.closed).where(SESSIONS.c.id == session_id)).first()
        if row is None:
            raise NotFoundError(f"研修会「{session_id}」はありません")
        return Session.model_validate({**row.data, "closed": bool(row.closed)})

    def list_sessions(self) -> list[Session]:
        with self._read() as conn:
            rows = conn.execute(sa.select(SESSIONS.c.data, SESSIONS.c.closed)
                                .order_by(SESSIONS.c.date, SESSIONS.c.id)).all()
        return [Session.model_validate({**r.data, "closed": bool(r.closed)}) for r in rows]

    def _set_closed(self, session_id: str, closed: bool, summary: str | None) -> None:
        with self._write() as conn:
            row = conn.execute(sa.select(SESSIONS.c.data).where(SESSIONS.c.id == session_id).with_for_update()).first()
            if row is None:
                raise NotFoundError(f"研修会「{session_id}」はありません")
            data = {**row.data, "closed": closed, **({"summary": summary} if summary is not None else {})}
            data = Session.model_validate(data).model_dump(mode="json")
            conn.execute(SESSIONS.update().where(SESSIONS.c.id == session_id)
                         .values(closed=closed, data=data, updated_at=_now()))

    def set_session_summary(self, session_id: str, summary: str) -> Session:
        """Only the advisor's 総括, read and written under the row lock; refused once the session is closed."""
        with self._write() as conn:
            row = conn.execute(sa.select(SESSIONS.c.data, SESSIONS.c.closed, SESSIONS.c.title)
                               .where(SESSIONS.c.id == session_id).with_for_update()).first()
            if row is None:
                raise NotFoundError(f"研修会「{session_id}」はありません")
            if row.closed:
                raise SessionClosedError(f"研修会「{row.title}」は終了しているため、入力を受け付けていません")
            session = Session.model_validate({**row.data, "summary": summary, "closed": False})
            conn.execute(SESSIONS.update().where(SESSIONS.c.id == session_id)
                         .values(data=session.model_dump(mode="json"), updated_at=_now()))
        return session

    def close_session(self, session_id: str, *, summary: str | None = None) -> None:
        self._set_closed(session_id, True, summary)

    def reopen_session(self, session_id: str) -> None:
        self._set_closed(session_id, False, None)

    def add_group_note(self, note: GroupNote) -> int:
        with self._write() as conn:
            self._open_session(conn, note.session_id)
            return self._insert_note(conn, note)

    def _insert_note(self, conn: Connection, note: GroupNote) -> int:
        now = _now()
        result = conn.execute(NOTES.insert().values(
            session_id=note.session_id, group_name=note.group, question=note.question, author=note.author,
            text=note.text, pinned=note.pinned, created_at=now, updated_at=now))
        return int(result.inserted_primary_key[0])

    def update_group_note(self, note_id: int, note: GroupNote) -> None:
        """Rewrite a note's text while the session is open; pinning is left to set_note_pinned."""
        with self._write() as conn:
            stored = conn.execute(sa.select(NOTES.c.session_id).where(NOTES.c.id == note_id)).scalar()
            if stored is None:
                raise NotFoundError(f"グループの記録（番号 {note_id}）はありません")
            if stored != note.session_id:
                raise StoreError(f"グループの記録（番号 {note_id}）は研修会「{stored}」のものです")
            self._open_session(conn, stored)
            conn.execute(NOTES.update().where(NOTES.c.id == note_id).values(
                group_name=note.group, question=note.question, author=note.author, text=note.text,
                updated_at=_now()))

    def set_note_pinned(self, note_id: int, pinned: bool) -> None:
        with self._write() as conn:
            done = conn.execute(NOTES.update().where(NOTES.c.id == note_id).values(pinned=bool(pinned)))
            if done.rowcount != 1:
                raise NotFoundError(f"グループの記録（番号 {note_id}）はありません")

    def group_notes(self, session_id: str) -> list[tuple[int, GroupNote]]:
        with self._read() as conn:
            rows = conn.execute(sa.select(NOTES).where(NOTES.c.session_id == session_id).order_by(NOTES.c.id)).all()
        return [(r.id, GroupNote(session_id=r.session_id, group=r.group_name, question=r.question,
                                 author=r.author, text=r.text, pinned=bool(r.pinned))) for r in rows]

    def save_evaluation(self, evaluation: Evaluation) -> None:
        with self._write() as conn:
            self._open_session(conn, evaluation.session_id)
            self._put_evaluation(conn, evaluation)

    def _put_evaluation(self, conn: Connection, evaluation: Evaluation) -> None:
        self._upsert(conn, EVALUATIONS, {"session_id": evaluation.session_id, "participant": evaluation.participant,
                                         "data": evaluation.model_dump(mode="json"), "updated_at": _now()})

    def evaluations(self, session_id: str) -> list[Evaluation]:
        with self._read() as conn:
            rows = conn.execute(sa.select(EVALUATIONS.c.data).where(EVALUATIONS.c.session_id == session_id)
                                .order_by(EVALUATIONS.c.updated_at, EVALUATIONS.c.participant)).scalars()
            return [Evaluation.model_validate(d) for d in rows]

    # --- ward activity --------------------------------------------------------------------------

    def _put_activity(self, conn: Connection, row: WardActivity) -> None:
        self._upsert(conn, ACTIVITY, {"ward": row.ward, "fiscal_year": row.fiscal_year, "theme": row.theme,
                                      "figure": row.figure, "value": row.value, "unit": row.unit})

    def put_activity(self, rows: Iterable[WardActivity]) -> int:
        count = 0
        with self._write() as conn:
            for row in rows:
                self._put_activity(conn, row)
                count += 1
        return count

    def activity(self, *, ward=None, fiscal_year=None, theme=None) -> list[WardActivity]:
        query = sa.select(ACTIVITY)
        if ward is not None:
            query = query.where(ACTIVITY.c.ward == vocab.parse_ward(ward).name)
        if fiscal_year is not None:
            query = query.where(ACTIVITY.c.fiscal_year == vocab.parse_fiscal_year(fiscal_year))
        if theme is not None:
            query = query.where(ACTIVITY.c.theme == vocab.parse_theme(theme))
        with self._read() as conn:
            rows = conn.execute(query).all()
        rows.sort(key=lambda r: (_WARD_ORDER.get(r.ward, 99), r.fiscal_year, _THEME_ORDER.get(r.theme, 99), r.figure))
        return [WardActivity(ward=r.ward, fiscal_year=r.fiscal_year, theme=r.theme, figure=r.figure,
                             value=r.value, unit=r.unit) for r in rows]

    # --- bulk import ----------------------------------------------------------------------------

    def import_all(self, *, cases: Iterable[Case] = (), activity: Iterable[WardActivity] = (),
                   sessions: Iterable[Session] = (), notes: Iterable[GroupNote] = (),
                   evaluations: Iterable[Evaluation] = (), author: str = "import") -> dict[str, int]:
        """Everything in ONE transaction: any failure leaves the store exactly as it was.

        A new case gets version 1, a changed one a new version (action "import", status taken as
        given: this is the editor's bulk path), an identical one is left alone. Notes already present
        (same session, group, question, author, text) are not added twice.
        """
        author = _require_author(author)
        counts = dict.fromkeys(("cases", "cases_new", "cases_updated", "cases_unchanged", "activity",
                                "sessions", "notes", "evaluations"), 0)
        with self._write() as conn:
            seen: set[str] = set()
            for case in cases:
                if case.id in seen:
                    raise DuplicateError(f"取り込む事例の中に事例番号「{case.id}」が2回あります")
                seen.add(case.id)
                row = conn.execute(sa.select(CASES).where(CASES.c.id == case.id).with_for_update()).first()
                data = case.model_dump(mode="json")
                if row is None:
                    self._insert_case(conn, case, author, "import")
                    counts["cases_new"] += 1
                elif row.data == data:
                    counts["cases_unchanged"] += 1
                else:
                    self._update_case(conn, row, data, author, "import")
                    counts["cases_updated"] += 1
                counts["cases"] += 1
            for session in sessions:
                self._put_session(conn, session)
                counts["sessions"] += 1
            for n, note in enumerate(notes, start=1):
                if not conn.execute(sa.select(SESSIONS.c.id).where(SESSIONS.c.id == note.session_id)).first():
                    raise NotFoundError(f"グループの記録 {n} 件目: 研修会「{note.session_id}」はありません")
                same = sa.select(NOTES.c.id).where(
                    NOTES.c.session_id == note.session_id, NOTES.c.group_name == note.group,
                    NOTES.c.question == note.question, NOTES.c.author == note.author, NOTES.c.text == note.text)
                if not conn.execute(same).first():
                    self._insert_note(conn, note)
                counts["notes"] += 1
            for n, evaluation in enumerate(evaluations, start=1):
                if not conn.execute(sa.select(SESSIONS.c.id).where(SESSIONS.c.id == evaluation.session_id)).first():
                    raise NotFoundError(f"アンケート {n} 件目: 研修会「{evaluation.session_id}」はありません")
                self._put_evaluation(conn, evaluation)
                counts["evaluations"] += 1
            for row in activity:
                self._put_activity(conn, row)
                counts["activity"] += 1
        return counts

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

    def schema_version(self) -> int:
        with self._read() as conn:
            return _installed_version(conn)
