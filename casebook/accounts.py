"""Accounts and sign-in, as rules: who may sign in, for how long, and what each step writes to the
audit log. No HTTP here (casebook.apps.auth serves it) and no SQL (casebook.store.users keeps it).

    add_user(store, name, role, ward, *, actor, origin) -> one-time password (must be changed)
    import_users(store, path, *, actor, origin) -> [(name, one-time password)]   all-or-nothing
    set_password(store, name, password, *, actor, origin) / disable(store, name, *, actor, origin)
    sign_in(store, name, password, *, origin) -> SignIn(token, login)           or SignInRefused
    current_login(store, token) -> LoginRecord | None                           expiry checked
    sign_out(store, token, *, origin)
    hub_login(store, hub_token, *, name, role, ward, origin) -> LoginRecord | None   a JupyterHub user
    join_session(store, secret, code, *, name, ward, origin) -> SignIn         a participant, no account
    closed_session_of(store, token= | login_id=) -> Session | None             a participant's, once closed
    issue_ticket(store, login) -> str / redeem_ticket(store, ticket, kernel_id) -> User | None
    user_of(login) -> casebook.identity.User

Passwords are hashed with argon2 (argon2-cffi, as Jupyter Server does); a token is kept in the
store only as its SHA-256, so a copy of the store holds no usable session.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import os
import re
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from casebook import vocab
from casebook.errors import NotFoundError, WorkbenchError

if TYPE_CHECKING:
    from casebook.identity import User
    from casebook.store import Store
    from casebook.store.users import LoginRecord

ACCOUNT_ROLES = ("staff", "advisor", "editor", "facilitator", "admin")
ROLE_WORDS = {"職員": "staff", "区社協職員": "staff", "助言者": "advisor", "学識経験者": "advisor",
              "編集者": "editor", "ファシリテーター": "facilitator", "管理者": "admin"}
MIN_PASSWORD = 10
_NAME = re.compile(r"[^\s\x00-\x1f\x7f/\\:]{1,64}")


@dataclass(frozen=True)
class Policy:
    idle: dt.timedelta = dt.timedelta(minutes=60)           # a session unused this long ends
    absolute: dt.timedelta = dt.timedelta(hours=10)         # a working day, then sign in again
    lock_after: int = 5                                     # wrong passwords in a row
    lock_for: dt.timedelta = dt.timedelta(minutes=15)
    slow_from: int = 2                                      # from this failure on, answers are slowed
    ticket_age: dt.timedelta = dt.timedelta(minutes=2)      # a page's ticket must reach its kernel by then

    def delay(self, failed: int) -> float:
        """Seconds to wait before answering a wrong password (grows with each failure, at most 3 s)."""
        return 0.0 if failed < self.slow_from else min(3.0, 0.5 * (failed - self.slow_from + 1))


POLICY = Policy()


class AccountError(WorkbenchError):
    """A refused account change (Japanese message naming what is wrong)."""


class SignInRefused(WorkbenchError):
    """A refused sign-in; `delay` is how long the server should wait before saying so."""

    def __init__(self, message: str, *, delay: float = 0.0):
        super().__init__(message)
        self.delay = delay


@dataclass(frozen=True)
class SignIn:
    token: str                 # goes into the signed cookie; never stored
    login: "LoginRecord"
    must_change: bool = False


def _hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _hasher():
    from argon2 import PasswordHasher

    return PasswordHasher()


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def _verify(password_hash: str, password: str) -> bool:
    from argon2.exceptions import InvalidHashError, VerificationError

    try:
        return _hasher().verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


_DUMMY_HASH = None


def _dummy_verify(password: str) -> None:
    """Spend the same work on an unknown name, so timing does not tell which names exist."""
    global _DUMMY_HASH
    _DUMMY_HASH = _DUMMY_HASH or hash_password(secrets.token_hex(8))
    _verify(_DUMMY_HASH, password)


def one_time_password() -> str:
    return secrets.token_urlsafe(12)


def check_password(password: str) -> str:
    if len(password or "") < MIN_PASSWORD:
        raise AccountError(f"パスワードは{MIN_PASSWORD}文字以上にしてください")
    return password


def parse_role(value: object) -> str:
    text = vocab.normalize(str(value or "")).strip()
    role = ROLE_WORDS.get(text, text.lower())
    if role not in ACCOUNT_ROLES:
        raise AccountError(f"役割「{value}」は使えません（staff / advisor / editor / facilitator / admin）")
    return role


def check_account(name: object, role: object, ward: object) -> tuple[str, str, str]:
    """(name, role, ward) checked: a ward's staff name their ward; others may name one (advisors, editors)."""
    text = str(name or "").strip()
    if not _NAME.fullmatch(text):
        raise AccountError(f"利用者名「{name}」は使えません（空白・記号 / \\ : を含まない64文字以内）")
    role_id = parse_role(role)
    ward_name = ""
    if str(ward or "").strip():
        try:
            ward_name = vocab.parse_ward(ward).name
        except vocab.VocabError as exc:
            raise AccountError(f"区: {exc}") from None
    if role_id == "staff" and not ward_name:
        raise AccountError(f"区社協職員（{text}）には区を指定してください（--ward 生野区）")
    return text, role_id, ward_name


def _audit(actor: str, action: str, origin: str, **detail) -> dict:
    return {"actor": actor or "system", "action": action, "origin": origin or "", "detail": detail}


def add_user(store: "Store", name: str, role: str, ward: str = "", *, actor: str, origin: str = "",
             password: str | None = None) -> str:
    """Register an account; returns its password (a one-time one unless given), to change at first sign-in."""
    name, role, ward = check_account(name, role, ward)
    given = password is not None
    password = check_password(password) if given else one_time_password()
    store.add_user(name=name, role=role, ward=ward, password_hash=hash_password(password), must_change=not given,
                   audit=_audit(actor, "user.add", origin, role=role, ward=ward))
    return password


def read_user_rows(path: Path | str) -> list[tuple[str, str, str]]:
    """The staff list (Excel: columns 利用者名 / 役割 / 区, header on the first row), every row checked;
    one bad row refuses the file, naming its row."""
    from openpyxl import load_workbook

    try:
        book = load_workbook(str(path), read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - any unreadable file gets the same message
        raise AccountError(f"{Path(path).name} を Excel ファイルとして読めません: {exc}") from None
    rows = list(book.active.iter_rows(values_only=True))
    if not rows:
        raise AccountError(f"{Path(path).name} は空です")
    header = [vocab.normalize(str(h or "")).strip() for h in rows[0]]
    columns = {}
    for key, words in (("name", ("利用者名", "名前", "氏名", "name")), ("role", ("役割", "role")),
                       ("ward", ("区", "区社協", "ward"))):
        found = [i for i, h in enumerate(header) if h in words]
        if not found:
            raise AccountError(f"1行目に「{words[0]}」の列がありません（利用者名・役割・区）")
        columns[key] = found[0]
    problems, checked, seen = [], [], set()
    for n, row in enumerate(rows[1:], start=2):
        if all(v in (None, "") for v in row):
            continue
        try:
            account = check_account(*(row[columns[k]] if columns[k] < len(row) else "" for k in ("name", "role", "ward")))
        except AccountError as exc:
            problems.append(f"{n}行目: {exc}")
            continue
        if account[0] in seen:
            problems.append(f"{n}行目: 利用者名「{account[0]}」が2回あります")
        seen.add(account[0])
        checked.append(account)
    if problems:
        raise AccountError("取り込みませんでした（1件も登録していません）:\n" + "\n".join(problems))
    return checked


def import_users(store: "Store", path: Path | str, *, actor: str, origin: str = "") -> list[tuple[str, str]]:
    """Every row of the staff list as a new account, all or nothing; [(name, one-time password)]."""
    from casebook.errors import DuplicateError

    accounts = read_user_rows(path)
    issued = [(name, one_time_password()) for name, _, _ in accounts]
    rows = [{"name": name, "role": role, "ward": ward, "password_hash": hash_password(pw), "must_change": True}
            for (name, role, ward), (_, pw) in zip(accounts, issued)]
    try:
        store.add_users(rows, audit=_audit(actor, "user.import", origin, file=Path(path).name))
    except DuplicateError as exc:
        raise AccountError(f"取り込みませんでした（1件も登録していません）: {exc}") from None
    return issued


def set_password(store: "Store", name: str, password: str, *, actor: str, origin: str = "",
                 must_change: bool = False) -> None:
    check_password(password)
    store.update_user(name, password_hash=hash_password(password), must_change=must_change, failed_count=0,
                      locked_until=None, audit=_audit(actor, "user.passwd", origin))


def change_own_password(store: "Store", login: "LoginRecord", current: str, new: str, *, origin: str = "") -> None:
    """A signed-in user replaces their password (the one-time one, or any): the current one is asked."""
    user = store.get_user(login.user_name)
    if user is None or not _verify(user.password_hash, current or ""):
        raise AccountError("今のパスワードが違います")
    if new == current:
        raise AccountError("新しいパスワードは今のものと別にしてください")
    set_password(store, user.name, new, actor=user.name, origin=origin)


def disable(store: "Store", name: str, *, actor: str, origin: str = "") -> None:
    store.update_user(name, disabled=True, audit=_audit(actor, "user.disable", origin))


def _login_id(token: str) -> str:
    return _hash_token(token)


def sign_in(store: "Store", name: str, password: str, *, origin: str = "", policy: Policy = POLICY) -> SignIn:
    """A new signed-in session, or SignInRefused saying why (the same words for an unknown name and a
    wrong password). Each failure counts; at `lock_after` the account locks for `lock_for`."""
    name = str(name or "").strip()
    user = store.get_user(name) if name else None
    now = dt.datetime.now(dt.timezone.utc)
    if user is not None and user.locked_until is not None and user.locked_until > now:
        store.append_audit(actor=name, action="user.sign_in_refused", record=name, origin=origin,
                           detail={"why": "locked"})
        until = user.locked_until.astimezone(dt.timezone(dt.timedelta(hours=9))).strftime("%H:%M")
        raise SignInRefused(f"パスワードを続けて間違えたため、このアカウントは {until} まで使えません。"
                            "急ぐときは管理者に連絡してください。", delay=policy.delay(user.failed_count))
    if user is None:
        _dummy_verify(password or "")
        ok = False
    else:
        ok = _verify(user.password_hash, password or "")
    if not ok:
        counted = store.count_failure(name or "(空)", lock_after=policy.lock_after, lock_for=policy.lock_for,
                                      audit=_audit(name or "(空)", "user.sign_in_failed", origin))
        failed = counted.failed_count if counted else 1
        if counted is not None and counted.failed_count >= policy.lock_after:
            raise SignInRefused(f"パスワードを{policy.lock_after}回続けて間違えたため、このアカウントを"
                                f"{int(policy.lock_for.total_seconds() // 60)}分間ロックしました。",
                                delay=policy.delay(failed))
        raise SignInRefused("利用者名またはパスワードが違います", delay=policy.delay(failed))
    if user.disabled:
        store.append_audit(actor=name, action="user.sign_in_refused", record=name, origin=origin,
                           detail={"why": "disabled"})
        raise SignInRefused("このアカウントは使えなくなっています。管理者に連絡してください。")
    token = secrets.token_urlsafe(32)
    store.create_login(login_id=_login_id(token), user_name=user.name, role=user.role, ward=user.ward, origin=origin,
                       audit=_audit(user.name, "user.sign_in", origin))
    return SignIn(token, store.get_login(_login_id(token)), must_change=user.must_change)


def current_login(store: "Store", token: str | None, *, policy: Policy = POLICY,
                  touch: bool = True) -> "LoginRecord | None":
    """The live login a cookie's token stands for (None: unknown, ended, idle or too old, account
    disabled, or a participant's session closed)."""
    if not token:
        return None
    login = store.get_login(_login_id(token))
    return login if login is not None and _alive(store, login, policy, touch=touch) else None


def _alive(store: "Store", login: "LoginRecord", policy: Policy, *, touch: bool) -> bool:
    now = dt.datetime.now(dt.timezone.utc)
    if login.ended_at is not None or now - login.last_seen > policy.idle or now - login.created_at > policy.absolute:
        return False
    if login.session_ref:
        try:
            if store.get_session(login.session_ref).closed:
                return False
        except NotFoundError:
            return False
    else:
        user = store.get_user(login.user_name)
        if user is None or user.disabled:
            return False
    if touch and now - login.last_seen > dt.timedelta(seconds=30):   # one write a minute at most
        store.touch_login(login.id)
    return True


def login_alive(store: "Store", login_id: str, *, policy: Policy = POLICY) -> bool:
    """For a kernel that holds a login's id (not its token): is that session still live?"""
    login = store.get_login(login_id)
    return login is not None and _alive(store, login, policy, touch=True)


def sign_out(store: "Store", token: str | None, *, origin: str = "") -> "LoginRecord | None":
    login = store.get_login(_login_id(token)) if token else None
    if login is not None:
        store.end_login(login.id, audit=_audit(login.user_name, "user.sign_out", origin))
    return login


# --- JupyterHub: the hub signs in, the store learns who came ------------------------------------------

def hub_login(store: "Store", token: str, *, name: str, role: str, ward: str = "", origin: str = "",
              policy: Policy = POLICY) -> "LoginRecord | None":
    """The login that a hub OAuth token stands for, with the role and ward the user's hub groups give
    (casebook.apps.hub_groups). On a user's first visit the store learns them (an account with no
    password: signing in is the hub's); a change of groups changes the account and starts another login.
    None when that login has ended or expired (the caller sends the browser back to the hub)."""
    text = str(name or "").strip()
    if not _NAME.fullmatch(text):
        raise SignInRefused(f"ハブの利用者名「{name}」はこのワークベンチでは使えません（空白・記号 / \\ : を含まない64文字以内）")
    user = store.get_user(text)
    if user is None:
        from casebook.errors import DuplicateError

        try:
            store.add_user(name=text, role=role, ward=ward, password_hash="", must_change=False,
                           audit=_audit(text, "user.hub_add", origin, role=role, ward=ward))
        except DuplicateError:   # a second page of the same user got there first
            pass
    elif user.disabled:
        store.append_audit(actor=text, action="user.sign_in_refused", record=text, origin=origin,
                           detail={"why": "disabled", "via": "hub"})
        raise SignInRefused("このアカウントは使えなくなっています。管理者に連絡してください。")
    elif (user.role, user.ward) != (role, ward):
        store.update_user(text, role=role, ward=ward,
                          audit=_audit(text, "user.hub_groups", origin, role=role, ward=ward, was=[user.role, user.ward]))
    login_id = _hash_token(f"hub:{role}:{ward}:{token}")
    login = store.get_login(login_id)
    if login is None:
        store.create_login(login_id=login_id, user_name=text, role=role, ward=ward, origin=origin,
                           audit=_audit(text, "user.sign_in", origin, via="hub"))
        return store.get_login(login_id)
    return login if _alive(store, login, policy, touch=True) else None


# --- training participants: a join code, no account ---------------------------------------------------

def join_code(secret: bytes, session_id: str) -> str:
    """The session's 6-digit join code, derived from the server's secret (nothing to store or leak)."""
    digest = hmac.new(secret, f"join:{session_id}".encode("utf-8"), hashlib.sha256).digest()
    return f"{int.from_bytes(digest[:6], 'big') % 1_000_000:06d}"


def join_session(store: "Store", secret: bytes, code: str, *, name: str = "", ward: str = "",
                 origin: str = "") -> SignIn:
    """A participant identity for the open session whose code this is, until the session closes, under
    the `name` and `ward` typed on the join page (the participant page takes them; no name: 参加者-xxxxxx)."""
    code = vocab.normalize(str(code or "")).strip()
    if not re.fullmatch(r"\d{6}", code):
        raise SignInRefused("参加コードは6桁の数字です")
    from casebook.sessions.submissions import SubmissionError, check_joiner

    try:
        name, ward = check_joiner(vocab.normalize(str(name or "")), ward)
    except SubmissionError as exc:
        raise SignInRefused(str(exc)) from None
    for session in store.list_sessions():
        if not session.closed and hmac.compare_digest(join_code(secret, session.id), code):
            token = secrets.token_urlsafe(32)
            name = name or f"参加者-{secrets.token_hex(3)}"
            store.create_login(login_id=_login_id(token), user_name=name, role="participant", ward=ward,
                               session_ref=session.id, origin=origin, audit=_audit(name, "session.join", origin, session=session.id))
            return SignIn(token, store.get_login(_login_id(token)))
    store.append_audit(actor="(参加者)", action="session.join_refused", origin=origin, detail={})
    raise SignInRefused("参加コードが違うか、研修会が終了しています", delay=1.0)


def closed_session_of(store: "Store", *, token: str | None = None, login_id: str | None = None):
    """The session a participant's login (cookie token or id) joined, if closed since: pages say so."""
    key = login_id or (_login_id(token) if token else None)
    login = store.get_login(key) if key else None
    try:
        session = store.get_session(login.session_ref) if login is not None and login.session_ref else None
    except NotFoundError:
        return None
    return session if session is not None and session.closed else None


# --- the ticket that carries a login into a kernel ---------------------------------------------------

def issue_ticket(store: "Store", login: "LoginRecord") -> str:
    ticket = secrets.token_urlsafe(24)
    store.issue_ticket(_hash_token(ticket), login.id)
    return ticket


def redeem_ticket(store: "Store", ticket: str, kernel_id: str, *, policy: Policy = POLICY) -> "LoginRecord | None":
    """Once per ticket, within its age, and only for a live login: binds the kernel to that login."""
    if not ticket:
        return None
    login = store.redeem_ticket(_hash_token(ticket), kernel_id or "", max_age=policy.ticket_age)
    return login if login is not None and _alive(store, login, policy, touch=False) else None


def user_of(login: "LoginRecord") -> "User":
    from casebook.identity import User

    return User(login.user_name, login.role, login.ward, login.session_ref)


# --- the server's secret ------------------------------------------------------------------------------

SECRET_FILE_ENV = "WORKBENCH_SECRET_FILE"   # one secret for several app servers (casebook.apps.balancer)


def cookie_secret(data_dir: Path) -> bytes:
    """The key that signs cookies (and makes join codes), from a 0600 file, so a restart or a second
    process keeps everyone signed in. The file is WORKBENCH_SECRET_FILE when set (every app server
    behind a balancer is given the same one; it must exist, 0600), else data_dir/cookie_secret,
    made on first use."""
    given = os.environ.get(SECRET_FILE_ENV)
    if given:
        return _given_secret(Path(given).expanduser())
    path = Path(data_dir) / "cookie_secret"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(str(path), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:   # another process made it first
            pass
        else:
            with os.fdopen(fd, "w") as f:
                f.write(secrets.token_hex(32))
    return path.read_text().strip().encode("ascii")


def _given_secret(path: Path) -> bytes:
    if not path.is_file():
        raise AccountError(f"{SECRET_FILE_ENV}: 署名鍵のファイル {path} がありません（各サーバーに同じファイルを置いてください）",
                           field=SECRET_FILE_ENV)
    if path.stat().st_mode & 0o077:
        raise AccountError(f"{SECRET_FILE_ENV}: 署名鍵のファイル {path} をほかの利用者が読めます。"
                           f"chmod 600 {path} で本人だけが読めるようにしてください", field=SECRET_FILE_ENV)
    secret = path.read_text().strip()
    if len(secret) < 32:
        raise AccountError(f"{SECRET_FILE_ENV}: 署名鍵のファイル {path} が短すぎます（32 文字以上。"
                           "例: python -c 'import secrets; print(secrets.token_hex(32))'）", field=SECRET_FILE_ENV)
    return secret.encode("ascii")
