"""`workbench users …`: accounts for the signed-in server (casebook.accounts), run by the administrator
on the server. Passwords are asked for (never options), hashed with argon2, never printed back, except
the one-time passwords that new accounts are given (to change at first sign-in)."""
from __future__ import annotations

from typing import Optional

import typer

from casebook.cli.app import app
from casebook.cli.common import fail, format_table, open_store

users_app = typer.Typer(help="利用者（サインインするアカウント）の登録・一覧・無効化・パスワード", no_args_is_help=True)
app.add_typer(users_app, name="users")


def _actor(by: Optional[str]) -> tuple[str, str]:
    from casebook.cli.admin import _origin, _who

    return (by or _who() or "admin"), _origin()


def _call(fn, *args, **kwargs):
    from casebook.accounts import AccountError
    from casebook.store import StoreError

    try:
        return fn(*args, **kwargs)
    except (AccountError, StoreError) as exc:
        raise fail(str(exc))


@users_app.command("add")
def users_add(
    name: str = typer.Argument(..., help="利用者名（サインインに使う名前）"),
    role: str = typer.Option(..., "--role", help="staff / advisor / editor / facilitator / admin"),
    ward: str = typer.Option("", "--ward", help="区（区社協職員は必須。例: 生野区）"),
    by: Optional[str] = typer.Option(None, "--by", help="登録する管理者（既定: OS のユーザー名）"),
) -> None:
    """利用者を登録する。一時パスワードを表示する（最初のサインインで変更してもらう）。"""
    from casebook import accounts

    actor, origin = _actor(by)
    with open_store() as store:
        password = _call(accounts.add_user, store, name, role, ward, actor=actor, origin=origin)
    typer.echo(f"登録しました: {name}（{role}{'・' + ward if ward else ''}）")
    typer.echo(f"一時パスワード: {password}  （本人に直接渡してください。最初のサインインで変更が求められます）")


@users_app.command("list")
def users_list() -> None:
    """利用者の一覧（パスワードは表示しない）。"""
    from casebook.identity import role_label

    with open_store(read_only=True) as store:
        users = store.list_users()
    if not users:
        typer.echo("利用者は登録されていません（workbench users add / users import）")
        return
    rows = [[u.name, role_label(u.role), u.ward, "無効" if u.disabled else ("ロック中" if u.locked_until else "有効"),
             "要変更" if u.must_change else ""] for u in users]
    typer.echo(format_table(["利用者名", "役割", "区", "状態", "パスワード"], rows))


@users_app.command("disable")
def users_disable(name: str = typer.Argument(...), by: Optional[str] = typer.Option(None, "--by")) -> None:
    """利用者を無効にする（サインイン中のセッションも終わる）。記録は残る。"""
    from casebook import accounts

    actor, origin = _actor(by)
    with open_store() as store:
        _call(accounts.disable, store, name, actor=actor, origin=origin)
    typer.echo(f"{name} を無効にしました。")


@users_app.command("passwd")
def users_passwd(name: str = typer.Argument(...), by: Optional[str] = typer.Option(None, "--by")) -> None:
    """パスワードを設定し直す（入力は画面に出ない。ロックも解除される）。"""
    from casebook import accounts

    password = typer.prompt("新しいパスワード", hide_input=True, confirmation_prompt="もう一度")
    actor, origin = _actor(by)
    with open_store() as store:
        _call(accounts.set_password, store, name, password, actor=actor, origin=origin)
    typer.echo(f"{name} のパスワードを変更しました（サインイン中のセッションは終わりました）。")


@users_app.command("import")
def users_import(file: str = typer.Argument(..., help="職員名簿（.xlsx: 利用者名・役割・区の列）"),
                 by: Optional[str] = typer.Option(None, "--by")) -> None:
    """職員名簿（Excel）から利用者をまとめて登録する。1行でも誤りがあれば1件も登録しない。"""
    from casebook import accounts

    actor, origin = _actor(by)
    with open_store() as store:
        issued = _call(accounts.import_users, store, file, actor=actor, origin=origin)
    typer.echo(f"{len(issued)} 人を登録しました。一時パスワード（本人に直接渡し、最初のサインインで変更）:")
    typer.echo(format_table(["利用者名", "一時パスワード"], [list(row) for row in issued]))


def create_first_admin(store) -> str | None:
    """`workbench init`: an `admin` account when the store has no administrator; its one-time password."""
    from casebook import accounts

    if any(u.role == "admin" for u in store.list_users()):
        return None
    actor, origin = _actor(None)
    return accounts.add_user(store, "admin", "admin", actor=actor, origin=origin)
