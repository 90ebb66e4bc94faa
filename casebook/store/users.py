"""Accounts, signed-in sessions ("logins") and kernel tickets: the rows behind sign-in.

The store keeps what sign-in needs and decides nothing: password hashing, lock-out and expiry
rules live in `casebook.accounts`. Secrets are never stored in the clear: a login and a ticket are
kept under the SHA-256 of their token, a password only as its argon2 hash.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

import sqlalchemy as sa

from casebook.errors import DuplicateError, NotFoundError, StoreError
from casebook.store.records import _now, _utc
from casebook.store.schema import LOGINS, TICKETS, USERS


@dataclass(frozen=True)
class UserRecord:
    name: str
    role: str
    ward: str
    password_hash: str
    must_change: bool
    disabled: bool
    failed_count: int
    locked_until: dt.datetime | None
    created_at: dt.datetime
    updated_at: dt.datetime


@dataclass(frozen=True)
class LoginRecord:
    id: str                 # the SHA-256 of the cookie's token
    user_name: str
    role: str
    ward: str
    session_ref: str        # the training session of a participant ("" otherwise)
    created_at: dt.datetime
    last_seen: dt.datetime
    ended_at: dt.datetime | None
    origin: str


def _opt(value):
    return _utc(value) if value is not None else None


def _user(row) -> UserRecord:
    return UserRecord(row.name, row.role, row.ward, row.password_hash, bool(row.must_change), bool(row.disabled),
                      int(row.failed_count), _opt(row.locked_until), _utc(row.created_at), _utc(row.updated_at))


def _login(row) -> LoginRecord:
    return LoginRecord(row.id, row.user_name, row.role, row.ward, row.session_ref, _utc(row.created_at),
                       _utc(row.last_seen), _opt(row.ended_at), row.origin)


class UsersMixin:
    # --- accounts -----------------------------------------------------------------------------------

    def _insert_user(self, conn, *, name: str, role: str, ward: str, password_hash: str, must_change: bool) -> None:
        if conn.execute(sa.select(USERS.c.name).where(USERS.c.name == name)).first():
            raise DuplicateError(f"利用者「{name}」はすでに登録されています", record=name)
        now = _now()
        conn.execute(USERS.insert().values(name=name, role=role, ward=ward or "", password_hash=password_hash,
                                           must_change=must_change, disabled=False, failed_count=0,
                                           locked_until=None, created_at=now, updated_at=now))

    def add_user(self, *, name: str, role: str, ward: str, password_hash: str, must_change: bool = True,
                 audit: dict | None = None) -> None:
        """One account; `audit` (actor, action, detail, origin) is written in the same transaction."""
        with self._write() as conn:
            self._insert_user(conn, name=name, role=role, ward=ward, password_hash=password_hash,
                              must_change=must_change)
            if audit:
                self._append_audit(conn, record=name, **audit)

    def add_users(self, rows: Iterable[dict], *, audit: dict | None = None) -> int:
        """Several accounts in ONE transaction: a duplicate anywhere leaves the store as it was."""
        count = 0
        with self._write() as conn:
            for row in rows:
                self._insert_user(conn, **row)
                count += 1
            if audit:
                self._append_audit(conn, **{**audit, "detail": {**audit.get("detail", {}), "count": count}})
        return count

    def get_user(self, name: str) -> UserRecord | None:
        with self._read() as conn:
            row = conn.execute(sa.select(USERS).where(USERS.c.name == name)).first()
        return _user(row) if row else None

    def list_users(self) -> list[UserRecord]:
        with self._read() as conn:
            return [_user(r) for r in conn.execute(sa.select(USERS).order_by(USERS.c.role, USERS.c.ward, USERS.c.name))]

    def update_user(self, name: str, *, audit: dict | None = None, **changes) -> UserRecord:
        """Change columns of an account (password_hash, must_change, disabled, failed_count, locked_until)."""
        allowed = {"password_hash", "must_change", "disabled", "failed_count", "locked_until", "role", "ward"}
        unknown = set(changes) - allowed
        if unknown:
            raise StoreError(f"利用者の項目 {sorted(unknown)} は変更できません")
        with self._write() as conn:
            if not conn.execute(sa.select(USERS.c.name).where(USERS.c.name == name).with_for_update()).first():
                raise NotFoundError(f"利用者「{name}」は登録されていません", record=name)
            conn.execute(USERS.update().where(USERS.c.name == name).values(**changes, updated_at=_now()))
            if changes.get("disabled") or "password_hash" in changes:   # old sessions end with the old password
                conn.execute(LOGINS.update().where(LOGINS.c.user_name == name, LOGINS.c.ended_at.is_(None))
                             .values(ended_at=_now()))
            if audit:
                self._append_audit(conn, record=name, **audit)
            return _user(conn.execute(sa.select(USERS).where(USERS.c.name == name)).first())

    def count_failure(self, name: str, *, lock_after: int, lock_for: dt.timedelta, audit: dict) -> UserRecord | None:
        """One more wrong password (atomically); the account locks at `lock_after` failures."""
        with self._write() as conn:
            row = conn.execute(sa.select(USERS).where(USERS.c.name == name).with_for_update()).first()
            if row is not None:
                failed = int(row.failed_count) + 1
                values = {"failed_count": failed}
                if failed >= lock_after:
                    values["locked_until"] = _now() + lock_for
                conn.execute(USERS.update().where(USERS.c.name == name).values(**values))
                audit = {**audit, "detail": {**audit.get("detail", {}), "failed": failed,
                                             "locked": failed >= lock_after}}
            self._append_audit(conn, record=name, **audit)
            row = conn.execute(sa.select(USERS).where(USERS.c.name == name)).first()
        return _user(row) if row else None

    # --- logins (server-side sessions) --------------------------------------------------------------

    def create_login(self, *, login_id: str, user_name: str, role: str, ward: str = "", session_ref: str = "",
                     origin: str = "", audit: dict | None = None) -> None:
        """A new signed-in session; a user's failure count is reset in the same transaction."""
        now = _now()
        with self._write() as conn:
            conn.execute(LOGINS.insert().values(id=login_id, user_name=user_name, role=role, ward=ward or "",
                                                session_ref=session_ref or "", created_at=now, last_seen=now,
                                                ended_at=None, origin=origin or ""))
            conn.execute(USERS.update().where(USERS.c.name == user_name).values(failed_count=0, locked_until=None))
            if audit:
                self._append_audit(conn, record=user_name, **audit)

    def get_login(self, login_id: str) -> LoginRecord | None:
        with self._read() as conn:
            row = conn.execute(sa.select(LOGINS).where(LOGINS.c.id == login_id)).first()
        return _login(row) if row else None

    def touch_login(self, login_id: str) -> None:
        with self._write() as conn:
            conn.execute(LOGINS.update().where(LOGINS.c.id == login_id, LOGINS.c.ended_at.is_(None))
                         .values(last_seen=_now()))

    def end_login(self, login_id: str, *, audit: dict | None = None) -> None:
        with self._write() as conn:
            conn.execute(LOGINS.update().where(LOGINS.c.id == login_id, LOGINS.c.ended_at.is_(None))
                         .values(ended_at=_now()))
            if audit:
                self._append_audit(conn, **audit)

    def end_session_logins(self, session_ref: str) -> int:
        """A training session closed: its participants' logins end with it."""
        with self._write() as conn:
            return conn.execute(LOGINS.update().where(LOGINS.c.session_ref == session_ref,
                                                      LOGINS.c.ended_at.is_(None)).values(ended_at=_now())).rowcount

    # --- kernel tickets -----------------------------------------------------------------------------

    def issue_ticket(self, ticket_id: str, login_id: str) -> None:
        with self._write() as conn:
            conn.execute(TICKETS.insert().values(id=ticket_id, login_id=login_id, created_at=_now(), used_at=None,
                                                 kernel_id=None))

    def redeem_ticket(self, ticket_id: str, kernel_id: str, *, max_age: dt.timedelta) -> LoginRecord | None:
        """The login a fresh, unused ticket stands for, binding `kernel_id` to it; None otherwise.
        A ticket is redeemed once: a second redemption (or an old ticket) gets None."""
        with self._write() as conn:
            oldest = _now() - max_age
            done = conn.execute(TICKETS.update().where(TICKETS.c.id == ticket_id, TICKETS.c.used_at.is_(None),
                                                       TICKETS.c.created_at >= oldest)
                                .values(used_at=_now(), kernel_id=kernel_id)).rowcount
            if done != 1:
                return None
            login_id = conn.execute(sa.select(TICKETS.c.login_id).where(TICKETS.c.id == ticket_id)).scalar()
            row = conn.execute(sa.select(LOGINS).where(LOGINS.c.id == login_id)).first()
        return _login(row) if row else None

    def kernel_login(self, kernel_id: str) -> str | None:
        """The login a kernel was bound to by its ticket (None: not bound)."""
        with self._read() as conn:
            return conn.execute(sa.select(TICKETS.c.login_id).where(TICKETS.c.kernel_id == kernel_id)
                                .order_by(TICKETS.c.used_at.desc()).limit(1)).scalar()

    def login_kernels(self, login_id: str) -> list[str]:
        with self._read() as conn:
            return [k for (k,) in conn.execute(sa.select(TICKETS.c.kernel_id).where(
                TICKETS.c.login_id == login_id, TICKETS.c.kernel_id.is_not(None)))]

    def prune_tickets(self, *, older_than: dt.timedelta) -> int:
        """Unused tickets past their age go (redeemed ones stay: they bind kernels to logins)."""
        with self._write() as conn:
            return conn.execute(TICKETS.delete().where(TICKETS.c.used_at.is_(None),
                                                       TICKETS.c.created_at < _now() - older_than)).rowcount
