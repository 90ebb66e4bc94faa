"""Accounts and sign-in as rules (casebook.accounts over a real store): the council's administrator
registers staff, a staff member signs in, a guesser is slowed and then locked out, a session ends,
and every step is in the audit log."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from openpyxl import Workbook

from casebook import accounts
from casebook.accounts import AccountError, Policy, SignInRefused
from casebook.model import Session
from casebook.store import Store

PASSWORD = "ikuno-2024-staff"


@pytest.fixture
def store(store_url):
    with Store(store_url) as s:
        yield s


def test_admin_registers_staff_who_signs_in_with_their_ward(store):
    one_time = accounts.add_user(store, "山田", "staff", "生野", actor="admin")
    user = store.get_user("山田")
    assert (user.role, user.ward, user.must_change) == ("staff", "生野区", True)
    assert one_time not in user.password_hash and user.password_hash.startswith("$argon2")
    signed = accounts.sign_in(store, "山田", one_time, origin="10.0.0.5")
    assert signed.must_change
    login = accounts.current_login(store, signed.token)
    assert accounts.user_of(login) == accounts.user_of(login).__class__("山田", "staff", "生野区", "")
    actions = [(e.action, e.actor, e.origin) for e in store.audit_log(action="user.")]
    assert actions == [("user.add", "admin", ""), ("user.sign_in", "山田", "10.0.0.5")]


def test_staff_without_a_ward_or_an_unknown_role_is_refused_and_nothing_is_added(store):
    with pytest.raises(AccountError, match="区を指定してください"):
        accounts.add_user(store, "佐藤", "staff", "", actor="admin")
    with pytest.raises(AccountError, match="役割「boss」は使えません"):
        accounts.add_user(store, "佐藤", "boss", "北区", actor="admin")
    assert store.list_users() == [] and store.audit_log() == []


def test_wrong_passwords_are_slowed_then_lock_the_account_even_against_the_right_one(store):
    accounts.add_user(store, "山田", "staff", "生野区", actor="admin", password=PASSWORD)
    delays = []
    for _ in range(4):
        with pytest.raises(SignInRefused, match="利用者名またはパスワードが違います") as refused:
            accounts.sign_in(store, "山田", "wrong-password", origin="10.0.0.9")
        delays.append(refused.value.delay)
    assert delays[0] == 0 and delays == sorted(delays) and delays[-1] > 0   # each guess costs more
    with pytest.raises(SignInRefused, match="5回続けて間違えたため"):
        accounts.sign_in(store, "山田", "wrong-password")
    with pytest.raises(SignInRefused, match="まで使えません"):
        accounts.sign_in(store, "山田", PASSWORD)                # the right password waits too
    assert store.get_user("山田").locked_until is not None
    assert store.get_login is not None and not [e for e in store.audit_log(action="user.sign_in")]
    failed = store.audit_log(action="user.sign_in_failed")
    assert [e.detail["failed"] for e in failed] == [1, 2, 3, 4, 5] and failed[-1].detail["locked"]
    # The administrator resets the password: the lock goes with it.
    accounts.set_password(store, "山田", "a-new-password-2", actor="admin")
    assert accounts.sign_in(store, "山田", "a-new-password-2").token


def test_an_unknown_name_gets_the_same_answer_as_a_wrong_password(store):
    accounts.add_user(store, "山田", "staff", "生野区", actor="admin", password=PASSWORD)
    with pytest.raises(SignInRefused) as unknown:
        accounts.sign_in(store, "存在しない人", PASSWORD)
    with pytest.raises(SignInRefused) as wrong:
        accounts.sign_in(store, "山田", "not-the-password")
    assert str(unknown.value) == str(wrong.value)


def test_sessions_end_on_sign_out_idle_age_disable_and_password_change(store):
    accounts.add_user(store, "山田", "staff", "生野区", actor="admin", password=PASSWORD)
    token = accounts.sign_in(store, "山田", PASSWORD).token
    assert accounts.current_login(store, token) is not None
    assert accounts.current_login(store, token, policy=Policy(idle=dt.timedelta(0))) is None
    assert accounts.current_login(store, token, policy=Policy(absolute=dt.timedelta(0))) is None
    accounts.sign_out(store, token)
    assert accounts.current_login(store, token) is None
    token = accounts.sign_in(store, "山田", PASSWORD).token
    accounts.disable(store, "山田", actor="admin")
    assert accounts.current_login(store, token) is None
    with pytest.raises(SignInRefused, match="使えなくなっています"):
        accounts.sign_in(store, "山田", PASSWORD)
    assert accounts.current_login(store, "made-up-token") is None and accounts.current_login(store, None) is None


def test_a_kernel_ticket_is_redeemed_once_and_binds_the_kernel(store):
    accounts.add_user(store, "山田", "staff", "生野区", actor="admin", password=PASSWORD)
    signed = accounts.sign_in(store, "山田", PASSWORD)
    ticket = accounts.issue_ticket(store, signed.login)
    login = accounts.redeem_ticket(store, ticket, "kernel-1")
    assert login.user_name == "山田" and store.kernel_login("kernel-1") == signed.login.id
    assert accounts.redeem_ticket(store, ticket, "kernel-2") is None          # used once
    old = accounts.issue_ticket(store, signed.login)
    assert accounts.redeem_ticket(store, old, "kernel-3", policy=Policy(ticket_age=dt.timedelta(0))) is None
    assert store.kernel_login("kernel-2") is None and store.kernel_login("kernel-3") is None


def test_participants_join_by_code_until_the_session_closes(store):
    secret = b"x" * 32
    store.save_session(Session.model_validate({"id": "S1", "title": "基礎研修II", "date": "2024-10-01"}))
    code = accounts.join_code(secret, "S1")
    with pytest.raises(SignInRefused, match="参加コードが違う"):
        accounts.join_session(store, secret, "000000" if code != "000000" else "111111")
    joined = accounts.join_session(store, secret, code, origin="192.168.1.40")
    user = accounts.user_of(accounts.current_login(store, joined.token))
    assert (user.role, user.session) == ("participant", "S1")
    store.close_session("S1")
    assert accounts.current_login(store, joined.token) is None
    with pytest.raises(SignInRefused):
        accounts.join_session(store, secret, code)


def test_a_participant_joins_under_the_name_and_ward_they_typed(store):
    secret = b"y" * 32
    store.save_session(Session.model_validate({"id": "S2", "title": "基礎研修I", "date": "2024-10-02"}))
    code = accounts.join_code(secret, "S2")
    with pytest.raises(SignInRefused, match="大阪市の区ではありません"):
        accounts.join_session(store, secret, code, name="参加者01", ward="横浜区")
    with pytest.raises(SignInRefused, match="氏名"):
        accounts.join_session(store, secret, code, name="x" * 300)
    joined = accounts.join_session(store, secret, code, name=" 参加者01 ", ward="生野区")
    user = accounts.user_of(accounts.current_login(store, joined.token))
    assert (user.name, user.ward, user.role, user.session) == ("参加者01", "生野区", "participant", "S2")
    assert accounts.closed_session_of(store, token=joined.token) is None
    store.close_session("S2")
    assert accounts.closed_session_of(store, token=joined.token).id == "S2"
    assert accounts.closed_session_of(store, login_id=joined.login.id).id == "S2"


def _staff_list(path, rows):
    book = Workbook()
    sheet = book.active
    sheet.append(["利用者名", "役割", "区"])
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


def test_the_staff_list_from_excel_is_all_or_nothing(store, tmp_path):
    bad = _staff_list(tmp_path / "bad.xlsx", [["山田", "職員", "生野区"], ["佐藤", "職員", ""], ["鈴木", "boss", "北区"]])
    with pytest.raises(AccountError) as refused:
        accounts.import_users(store, bad, actor="admin")
    assert "3行目" in str(refused.value) and "4行目" in str(refused.value)
    assert store.list_users() == []
    accounts.add_user(store, "鈴木", "editor", "", actor="admin")
    clash = _staff_list(tmp_path / "clash.xlsx", [["山田", "職員", "生野区"], ["鈴木", "編集者", ""]])
    with pytest.raises(AccountError, match="1件も登録していません"):
        accounts.import_users(store, clash, actor="admin")
    assert [u.name for u in store.list_users()] == ["鈴木"]
    good = _staff_list(tmp_path / "good.xlsx", [["山田", "職員", "生野区"], ["高橋", "助言者", ""]])
    issued = dict(accounts.import_users(store, good, actor="admin"))
    assert set(issued) == {"山田", "高橋"}
    assert accounts.sign_in(store, "高橋", issued["高橋"]).login.role == "advisor"
    assert [e.detail["count"] for e in store.audit_log(action="user.import")] == [2]


def test_the_cookie_secret_is_kept_private_in_the_data_folder(tmp_path):
    first = accounts.cookie_secret(tmp_path)
    assert accounts.cookie_secret(tmp_path) == first and len(first) == 64
    assert (tmp_path / "cookie_secret").stat().st_mode & 0o777 == 0o600


def test_a_signed_in_store_row_never_holds_the_token(store):
    accounts.add_user(store, "山田", "staff", "生野区", actor="admin", password=PASSWORD)
    signed = accounts.sign_in(store, "山田", PASSWORD)
    assert signed.token not in dataclasses.astuple(signed.login)
