"""The store: cases with their full history, training sessions, group notes, evaluations and
ward activity figures, in one SQL database. Only this package talks SQL.

SQLite file by default, any SQLAlchemy URL by setting (PostgreSQL through psycopg 3). Modules:
`engine` (connections), `schema` (tables and numbered migrations), `records` (what reads return),
`base` (opening, transactions, health), `cases` / `sessions` / `figures` / `audit` (one mixin per
kind of record; `audit` also purges a case), `api` (`Store`, and the bulk import that spans them),
`snapshot` (the published copy), `backup` (backups and their restore).
"""
from casebook.errors import (
                             DuplicateError,
                             NotFoundError,
                             ReadOnlyError,
                             SessionClosedError,
                             StoreError,
                             TransitionError,
)
from casebook.store.api import Store
from casebook.store.audit import AuditEntry
from casebook.store.records import (
                             ACTIONS,
                             JST,
                             CaseDigest,
                             CaseRecord,
                             HistoryEntry,
                             StaleVersionError,
)
from casebook.store.schema import MIGRATIONS, SCHEMA_VERSION, migrate

__all__ = ["Store", "CaseRecord", "CaseDigest", "HistoryEntry", "StoreError", "StaleVersionError", "NotFoundError",
           "DuplicateError", "TransitionError", "ReadOnlyError", "SessionClosedError", "migrate",
           "SCHEMA_VERSION", "MIGRATIONS", "ACTIONS", "JST", "AuditEntry"]
