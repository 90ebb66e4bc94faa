"""The schema and its migrations: one numbered step per change, each in its own transaction.
The release-1 tables are frozen; a change to the schema is a new step."""
from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Connection, Engine

from casebook.errors import StoreError
from casebook.store.engine import _make_engine
from casebook.store.records import _now, _themes_key

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


def _audit_table(m: sa.MetaData) -> sa.Table:
    """Who did what, when and why, to which record: append-only (triggers refuse UPDATE and DELETE).
    General on purpose: purges write it now, sign-in and other admin actions later."""
    return sa.Table("audit_log", m,
                    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
                    sa.Column("at", Stamp, nullable=False, index=True),
                    sa.Column("actor", sa.Text, nullable=False),
                    sa.Column("action", sa.String(64), nullable=False, index=True),
                    sa.Column("record", sa.Text, nullable=False, default=""),
                    sa.Column("detail", Json, nullable=False),
                    sa.Column("origin", sa.Text, nullable=False, default=""))


AUDIT_REFUSAL = "audit_log is append-only"


def _step4_audit_log(conn: Connection) -> None:
    """The audit log, and triggers that make the database itself refuse to change or remove a row."""
    _audit_table(sa.MetaData()).create(conn)
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql("CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS "
                             f"$$ BEGIN RAISE EXCEPTION '{AUDIT_REFUSAL}'; END $$")
        conn.exec_driver_sql("CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log "
                             "FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()")
        conn.exec_driver_sql("CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log "
                             "FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only()")
    else:
        for event in ("UPDATE", "DELETE"):
            conn.exec_driver_sql(f"CREATE TRIGGER audit_log_no_{event.lower()} BEFORE {event} ON audit_log "
                                 f"BEGIN SELECT RAISE(ABORT, '{AUDIT_REFUSAL}'); END")


def _signin_tables(m: sa.MetaData) -> tuple[sa.Table, sa.Table, sa.Table]:
    """Accounts, signed-in sessions (a cookie names one by its token's hash) and the one-time tickets
    that carry a session into a Voila kernel (redeemed once, then the kernel stays bound to it)."""
    users = sa.Table("users", m,
                     sa.Column("name", sa.String(64), primary_key=True),
                     sa.Column("role", sa.String(16), nullable=False),
                     sa.Column("ward", sa.String(32), nullable=False, default=""),
                     sa.Column("password_hash", sa.Text, nullable=False),
                     sa.Column("must_change", sa.Boolean, nullable=False, default=True),
                     sa.Column("disabled", sa.Boolean, nullable=False, default=False),
                     sa.Column("failed_count", sa.Integer, nullable=False, default=0),
                     sa.Column("locked_until", Stamp, nullable=True),
                     sa.Column("created_at", Stamp, nullable=False),
                     sa.Column("updated_at", Stamp, nullable=False))
    logins = sa.Table("logins", m,
                      sa.Column("id", sa.String(64), primary_key=True),    # sha256 of the cookie's token
                      sa.Column("user_name", sa.Text, nullable=False, index=True),
                      sa.Column("role", sa.String(16), nullable=False),
                      sa.Column("ward", sa.String(32), nullable=False, default=""),
                      sa.Column("session_ref", sa.String(64), nullable=False, default=""),  # a participant's 研修会
                      sa.Column("created_at", Stamp, nullable=False),
                      sa.Column("last_seen", Stamp, nullable=False),
                      sa.Column("ended_at", Stamp, nullable=True),
                      sa.Column("origin", sa.Text, nullable=False, default=""))
    tickets = sa.Table("kernel_tickets", m,
                       sa.Column("id", sa.String(64), primary_key=True),   # sha256 of the ticket
                       sa.Column("login_id", sa.String(64), nullable=False, index=True),
                       sa.Column("created_at", Stamp, nullable=False),
                       sa.Column("used_at", Stamp, nullable=True),
                       sa.Column("kernel_id", sa.String(64), nullable=True, index=True))
    return users, logins, tickets


def _step5_signin(conn: Connection) -> None:
    m = sa.MetaData()
    for table in _signin_tables(m):
        table.create(conn)


def _joins_table(m: sa.MetaData) -> sa.Table:
    """Who joined a session (a participant identity entering it): attendance counts these, not the list."""
    return sa.Table("session_joins", m,
                    sa.Column("session_id", sa.String(64), sa.ForeignKey("sessions.id", ondelete="CASCADE"),
                              primary_key=True),
                    sa.Column("participant", sa.String(200), primary_key=True),
                    sa.Column("ward", sa.Text, nullable=False, default=""),
                    sa.Column("joined_at", Stamp, nullable=False))


def _step6_joins_and_released(conn: Connection) -> None:
    """session_joins; group_notes.released: a point the privacy check flags stays masked on the board
    until the facilitator releases it."""
    m = sa.MetaData()
    _release1_tables(m)
    _joins_table(m).create(conn)
    conn.exec_driver_sql("ALTER TABLE group_notes ADD COLUMN released BOOLEAN NOT NULL DEFAULT FALSE")


MIGRATIONS: list[tuple[str, Callable[[Connection], None]]] = [
    ("release 1: cases, history, sessions, group notes, evaluations, ward activity", _step1_release1),
    ("privacy overrides: an editor's recorded decision per finding", _step2_privacy_overrides),
    ("cases.themes column filled from the stored cases; index on (ward, fiscal_year)", _step3_case_themes),
    ("audit_log: who did what to which record, when and why; append-only", _step4_audit_log),
    ("sign-in: users, logins (server-side sessions), kernel tickets", _step5_signin),
    ("session_joins: who joined a session; group_notes.released (masked on the board until released)",
     _step6_joins_and_released),
]
SCHEMA_VERSION = len(MIGRATIONS)

# The current schema, for queries: release 1 plus what each later step added.
_meta = sa.MetaData()
_release1_tables(_meta)
OVERRIDES = _overrides_table(_meta)
AUDIT = _audit_table(_meta)
USERS, LOGINS, TICKETS = _signin_tables(_meta)
JOINS = _joins_table(_meta)
CASES, HISTORY = _meta.tables["cases"], _meta.tables["case_history"]
CASES.append_column(sa.Column("themes", sa.Text, nullable=False, server_default=""))
SESSIONS, NOTES = _meta.tables["sessions"], _meta.tables["group_notes"]
NOTES.append_column(sa.Column("released", sa.Boolean, nullable=False, server_default=sa.false()))
EVALUATIONS, ACTIVITY = _meta.tables["evaluations"], _meta.tables["ward_activity"]
VERSIONS = _meta.tables["schema_version"]
TABLES = tuple(_meta.sorted_tables)   # every table of the current schema, parents before children


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
