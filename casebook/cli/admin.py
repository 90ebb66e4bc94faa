"""The administrator's commands on the server: backup, restore-backup, purge, audit.

The command line is the administrator's tool on the server: whoever can run it (and read the data
folder) is the administrator, so these commands are for the server's operators only. A purge records
the OS user (or --by) as its actor in the audit log. `workbench restore FILE` is the same restore.
"""
from __future__ import annotations

import typer

from casebook.cli.app import app
from casebook.cli.common import _local_time, _safe_url, fail, format_table, open_store

TABLE_LABELS = {"cases": "事例", "case_history": "事例の版（履歴）", "privacy_overrides": "個人情報の判断記録",
                "sessions": "研修会", "group_notes": "グループの記録", "evaluations": "アンケート",
                "ward_activity": "活動状況", "audit_log": "監査記録", "schema_version": "スキーマの版",
                "users": "利用者", "logins": "サインイン中のセッション", "kernel_tickets": "カーネルの引換券",
                "session_joins": "研修会への参加"}


def _counts_table(counts: dict[str, int]) -> str:
    rows = [[TABLE_LABELS.get(n, n), n, str(c)] for n, c in counts.items()]
    return format_table(["内容", "表", "行数"], rows)


def _who() -> str:
    import getpass

    try:
        return getpass.getuser()
    except Exception:  # noqa: BLE001 - no login name (a container without passwd entry)
        return ""


def _origin() -> str:
    import socket

    return f"cli@{socket.gethostname()}"


@app.command()
def backup(
    dest: str | None = typer.Argument(None, metavar="DEST", help="バックアップを置くフォルダ（既定: データフォルダの backups/）"),
    keep_days: int = typer.Option(30, "--keep-days", help="これより古いバックアップを消す（日数。0 で消さない）"),
    keep_last: int = typer.Option(3, "--keep-last", help="古くても、新しいものからこの数は必ず残す"),
) -> None:
    """ストアのバックアップをとる（アプリは動かしたままでよい）。古いバックアップは保存期間を過ぎたら消す。

    SQLite はオンラインバックアップ、PostgreSQL は pg_dump。データファイルと目録（.json: 日時・
    スキーマの版・表ごとの行数・SHA-256）を、本人だけが読める権限（0600）で書く。
    """
    from pathlib import Path

    from casebook.settings import Settings
    from casebook.store.backup import BackupError, backup_store

    if keep_days < 0 or keep_last < 0:
        raise fail("--keep-days と --keep-last は 0 以上で指定してください", 2)
    settings = Settings.from_env()
    folder = Path(dest) if dest else settings.data_dir / "backups"
    open_store().close()   # a store that does not open (or needs its schema brought forward) says so now
    try:
        result = backup_store(settings.store_url, folder, keep_days=keep_days or None, keep_last=keep_last)
    except BackupError as exc:
        raise fail(str(exc))
    m = result.manifest
    typer.echo(f"バックアップしました: {result.data_path}（{m['size'] / 1e6:.1f} MB、スキーマ {m['schema_version']}）")
    typer.echo(f"目録: {result.manifest_path}")
    typer.echo(_counts_table(m["tables"]))
    for path in result.pruned:
        typer.echo(f"保存期間を過ぎたバックアップを削除しました: {path.name}")
    for warning in result.warnings:
        typer.echo(f"注意: {warning}", err=True)


@app.command("restore-backup")
def restore_backup(
    file: str = typer.Argument(..., metavar="FILE", help="バックアップのデータファイルまたは目録（.json）"),
    into: str | None = typer.Option(None, "--into", help="復元先のストアの URL（既定: 設定中のストア。空であること）"),
) -> None:
    """バックアップを空のストアに復元する（壊れた・合わないバックアップと、空でない復元先は断る）。

    workbench restore FILE と同じ。事例の版を戻すのは workbench restore ID VERSION --author 名前。
    """
    from casebook.settings import Settings
    from casebook.store import StoreError
    from casebook.store.backup import restore_backup as restore

    url = into or Settings.from_env().store_url
    try:
        result = restore(file, url)
    except StoreError as exc:
        raise fail(str(exc))
    typer.echo(f"復元しました: {result.target}")
    if result.schema_from != result.schema_to:
        typer.echo(f"スキーマをバックアップの {result.schema_from} から {result.schema_to} に更新しました")
    typer.echo(_counts_table(result.counts))


@app.command()
def purge(
    case_id: str = typer.Argument(..., metavar="CASE_ID", help="完全に削除する事例の事例番号"),
    reason: str = typer.Option(..., "--reason", help="削除の理由（監査記録に残る。個人名は書かない）"),
    by: str | None = typer.Option(None, "--by", help="削除する人（既定: OS のユーザー名）"),
    yes: bool = typer.Option(False, "--yes", help="確認せずに削除する"),
) -> None:
    """事例を完全に削除する: 全ての版・コメント・個人情報の判断記録・研修会の事例リスト・事例集の
    ページ・キャッシュ・公開用スナップショット・検索索引から。監査記録（誰が・いつ・なぜ）は残る。

    元に戻せません（保存期間内のバックアップには残ります）。管理者がサーバー上で実行します。
    """
    from casebook import vocab
    from casebook.purge import purge as do_purge
    from casebook.settings import Settings
    from casebook.store import NotFoundError, StoreError

    actor = (by or _who()).strip()
    if not actor:
        raise fail("削除する人が分かりません。--by で名前を指定してください", 2)
    if not reason.strip():
        raise fail("削除の理由（--reason）を入力してください", 2)
    with open_store() as store:
        try:
            record = store.get_case(case_id)
        except NotFoundError as exc:
            raise fail(str(exc))
        versions = len(store.history(case_id))
    case = record.case
    typer.echo(f"事例「{case.title}」（{case.id}・{case.ward}・{vocab.status_label(case.status)}、版 {versions} 件）")
    typer.echo("この事例を、すべての版・コメント・生成されたページとともに完全に削除します。元に戻せません。")
    if not yes and not typer.confirm("削除しますか？", default=False):
        raise fail("削除しませんでした。")
    try:
        report = do_purge(Settings.from_env(), case_id, actor=actor, reason=reason, origin=_origin())
    except StoreError as exc:
        raise fail(str(exc))
    typer.echo(report.summary())


@app.command()
def audit(
    action: str | None = typer.Option(None, "--action", help="この操作だけ（例: case.purge。user. で始まるものすべて）"),
    record: str | None = typer.Option(None, "--record", help="この記録（事例番号など）だけ"),
    case: str | None = typer.Option(None, "--case", help="この事例（事例番号）だけ（--record と同じ）"),
    user: str | None = typer.Option(None, "--user", help="この人が行ったものだけ"),
    since: str | None = typer.Option(None, "--since", help="この日（YYYY-MM-DD、日本時間）以降"),
    limit: int = typer.Option(50, "--limit", help="新しいものからこの件数"),
) -> None:
    """監査記録（誰が・いつ・何を・どこから）を表示する。"""
    import datetime as dt

    start = None
    if since:
        try:
            start = dt.datetime.combine(dt.date.fromisoformat(since), dt.time(), dt.timezone(dt.timedelta(hours=9)))
        except ValueError:
            raise fail(f"--since は YYYY-MM-DD で指定してください（「{since}」）", 2)
    with open_store(read_only=True) as store:
        entries = store.audit_log(action=action, record=case or record, actor=user, since=start, limit=limit)
    if not entries:
        typer.echo(f"監査記録はありません（{_safe_url()}）")
        return
    rows = [[_local_time(e.at), e.actor, e.action, e.record,
             str(e.detail.get("reason", "") or e.detail.get("why", "") or e.detail.get("status", "")), e.origin]
            for e in entries]
    typer.echo(format_table(["日時", "実行した人", "操作", "対象", "理由・内容", "実行元"], rows))
