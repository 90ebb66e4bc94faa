"""Setting up and the data itself: init, cases list/show, import, export, history, restore, check."""
from __future__ import annotations

from typing import Optional

import typer

from casebook.cli.app import app, cases_app
from casebook.cli.common import (
    _local_time,
    _parse_option,
    _safe_url,
    fail,
    format_table,
    open_store,
    print_problems,
)
from casebook.cli.show import format_case

# --- setting up ---------------------------------------------------------------------------------

@app.command()
def init(
    sample: bool = typer.Option(False, "--sample", help="サンプルデータ（架空の事例・研修会・活動状況）を読み込む"),
    force: bool = typer.Option(False, "--force", help="既にあるデータをすべて消してから始める"),
) -> None:
    """データベースを用意する（必要ならサンプルデータも読み込む）。"""
    from casebook.exchange import ImportFailed, load_sample

    store = open_store()
    with store:
        if force:
            store.delete_all()
            typer.echo("既存のデータをすべて消しました。")
        typer.echo(f"データベース: {_safe_url()}")
        from casebook.cli.users import create_first_admin

        first = create_first_admin(store)
        if first:
            typer.echo(f"管理者 admin を登録しました。一時パスワード: {first}\n"
                       "（最初のサインインで変更してください。この表示は一度だけです）")
        if not sample:
            return
        held = {"事例": len(store.case_ids()), "研修会": len(store.list_sessions()),
                "活動状況": len(store.activity())}
        if any(held.values()):
            shown = "、".join(f"{k} {v}件" for k, v in held.items() if v)
            raise fail(f"データベースには既にデータがあります（{shown}）。サンプルは読み込みませんでした。\n"
                       "サンプルを入れ直すときは workbench init --sample --force（既存のデータはすべて消えます）")
        try:
            report = load_sample(store)
        except ImportFailed as exc:
            print_problems(exc.problems)
            raise fail("サンプルデータに問題があるため、何も読み込みませんでした。")
        typer.echo(f"サンプルデータ: {report.summary()}")


# --- cases -----------------------------------------------------------------------------------------

@cases_app.command("list")
def cases_list(
    ward: Optional[str] = typer.Option(None, "--ward", help="区（生野区、大阪市生野区、Ikuno、27116）"),
    status: Optional[list[str]] = typer.Option(None, "--status", help="状態（draft / 下書き …、複数可）"),
    year: Optional[str] = typer.Option(None, "--year", help="年度（2024、令和6年度、R6）"),
    fmt: str = typer.Option("table", "--format", help="table（表）または json"),
) -> None:
    """事例の一覧（区・状態・年度で絞り込み）。"""
    from casebook import vocab

    if fmt not in ("table", "json"):
        raise fail(f"--format は table か json です（「{fmt}」）", 2)
    ward_name = _parse_option(lambda v: vocab.parse_ward(v).name, ward, "--ward")
    statuses = [_parse_option(vocab.parse_status, s, "--status") for s in status] if status else None
    fiscal_year = _parse_option(vocab.parse_fiscal_year, year, "--year")
    with open_store(read_only=True) as store:
        records = store.list_cases(ward=ward_name, status=statuses, fiscal_year=fiscal_year)
    if fmt == "json":
        import json

        rows = [{"id": r.case.id, "title": r.case.title, "ward": r.case.ward, "fiscal_year": r.case.fiscal_year,
                 "fiscal_year_label": r.case.fiscal_year_label, "status": r.case.status,
                 "status_label": vocab.status_label(r.case.status), "themes": r.case.themes,
                 "version": r.version, "updated_by": r.updated_by, "updated_at": r.updated_at.isoformat()}
                for r in records]
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=1))
        return
    if not records:
        typer.echo("該当する事例はありません。")
        return
    rows = [[r.case.id, r.case.ward, r.case.fiscal_year_label, vocab.status_label(r.case.status), r.case.title]
            for r in records]
    typer.echo(format_table(["事例番号", "区", "年度", "状態", "事例タイトル"], rows))
    typer.echo(f"\n{len(records)}件")


@cases_app.command("show")
def cases_show(
    case_id: str = typer.Argument(..., metavar="ID", help="事例番号"),
    fmt: str = typer.Option("text", "--format", help="text（読みやすい形）、json、yaml"),
) -> None:
    """事例を1件表示する。"""
    from casebook.store import NotFoundError

    with open_store(read_only=True) as store:
        try:
            record = store.get_case(case_id.strip())
        except NotFoundError as exc:
            raise fail(str(exc))
    if fmt == "text":
        typer.echo(format_case(record))
    elif fmt in ("json", "yaml"):
        data = record.case.model_dump(mode="json")
        if fmt == "json":
            import json
            typer.echo(json.dumps(data, ensure_ascii=False, indent=1))
        else:
            import yaml
            typer.echo(yaml.safe_dump(data, allow_unicode=True, sort_keys=False))
    else:
        raise fail(f"--format は text / json / yaml です（「{fmt}」）", 2)


# --- exchange --------------------------------------------------------------------------------------

@app.command("import")
def import_(
    file: str = typer.Argument(..., metavar="FILE", help=".yaml .json .csv .xlsx（CSV は FILE.<シート名>.csv も読む）"),
    replace: bool = typer.Option(False, "--replace", help="登録済みの事例番号・研修会などを置き換える"),
    year: Optional[str] = typer.Option(None, "--year", help="年度の列がない活動状況の表の年度"),
    author: str = typer.Option("import", "--author", help="履歴に残す名前"),
) -> None:
    """ファイルから取り込む。1行でも問題があれば何も書き込まない。"""
    from casebook import vocab
    from casebook.exchange import ImportFailed, import_file
    from casebook.store import StoreError

    fiscal_year = _parse_option(vocab.parse_fiscal_year, year, "--year")
    with open_store() as store:
        try:
            report = import_file(store, file, replace=replace, author=author, fiscal_year=fiscal_year)
        except ImportFailed as exc:
            print_problems(exc.problems)
            raise fail(f"\n問題が {len(exc.problems)} 件あるため、何も取り込みませんでした（データベースは変わっていません）。")
        except StoreError as exc:
            raise fail(f"取り込めませんでした（データベースは変わっていません）: {exc}")
    typer.echo(report.summary())


@app.command("export")
def export(
    file: str = typer.Argument(..., metavar="FILE", help="形式は拡張子で決まる: .yaml .json .csv .xlsx"),
    what: str = typer.Option("all", "--what", help="all / cases / activity / sessions"),
    ward: Optional[str] = typer.Option(None, "--ward", help="この区の事例と活動状況だけ"),
    status: Optional[list[str]] = typer.Option(None, "--status", help="この状態の事例だけ（複数可）"),
) -> None:
    """ファイルに書き出す（事例・活動状況・研修会）。"""
    from casebook import vocab
    from casebook.exchange import WHAT, export_file, format_of

    if what not in WHAT:
        raise fail(f"--what は {' / '.join(WHAT)} のどれかです（「{what}」）", 2)
    try:
        format_of(file)
    except ValueError as exc:
        raise fail(str(exc), 2)
    ward_name = _parse_option(lambda v: vocab.parse_ward(v).name, ward, "--ward")
    statuses = [_parse_option(vocab.parse_status, s, "--status") for s in status] if status else None
    with open_store(read_only=True) as store:
        try:
            report = export_file(store, file, what=what, ward=ward_name, status=statuses)
        except OSError as exc:
            raise fail(f"書き出せませんでした（{file}）: {exc.strerror or exc}")
    from casebook.cli.admin import _origin, _who

    with open_store() as store:   # who took which data out, in the audit log (no content)
        store.append_audit(actor=_who() or "cli", action="data.export", record=str(file), origin=_origin(),
                           detail={"what": what, "ward": ward_name or "", "status": statuses or []})
    typer.echo(report.summary())
    for removed in report.removed:
        typer.echo(f"（前回の書き出しの {removed.name} を削除しました）")


# --- history -----------------------------------------------------------------------------------------

_ACTIONS = {"create": "作成", "save": "保存", "status": "状態の変更", "restore": "復元",
            "comment": "助言者コメント", "import": "取り込み"}


@app.command()
def history(
    case_id: str = typer.Argument(..., metavar="ID", help="事例番号"),
    show: Optional[int] = typer.Option(None, "--show", metavar="VERSION", help="この版の内容を表示する"),
) -> None:
    """事例の保存の履歴（どの版を誰がいつ保存したか）。"""
    from casebook import vocab
    from casebook.store import NotFoundError

    with open_store(read_only=True) as store:
        try:
            if show is not None:
                typer.echo(f"（版 {show} の内容）\n" + format_case(None, store.case_at(case_id, show)))
                return
            entries = store.history(case_id)
        except NotFoundError as exc:
            raise fail(str(exc))
    rows = [[str(e.version), _local_time(e.saved_at), e.saved_by, _ACTIONS.get(e.action, e.action),
             vocab.status_label(e.status) if e.status in vocab.STATUS_IDS else e.status, e.note] for e in entries]
    typer.echo(format_table(["版", "日時", "保存した人", "操作", "状態", "メモ"], rows))


@app.command()
def restore(
    target: str = typer.Argument(..., metavar="ID|FILE", help="事例番号、またはバックアップのファイル"),
    version: Optional[int] = typer.Argument(None, metavar="[VERSION]", help="戻したい版（事例のとき）"),
    author: Optional[str] = typer.Option(None, "--author", help="復元する人の名前（事例のとき。履歴に残る）"),
    into: Optional[str] = typer.Option(None, "--into", help="バックアップの復元先の URL（既定: 設定中のストア。空であること）"),
) -> None:
    """以前の版を新しい版として復元する（ID VERSION --author）、またはバックアップを空のストアに復元する（FILE）。"""
    from pathlib import Path

    if version is None:
        if not Path(target).exists():
            raise fail(f"「{target}」というバックアップのファイルはありません"
                       "（事例の版を戻すときは workbench restore ID VERSION --author 名前）", 2)
        from casebook.cli.admin import restore_backup

        return restore_backup(target, into=into)
    if not author:
        raise fail("事例の版を戻すときは --author で復元する人の名前を指定してください", 2)
    from casebook.store import StoreError

    with open_store() as store:
        try:
            current = store.get_case(target)
            record = store.restore(target, version, author=author, base_version=current.version)
        except StoreError as exc:
            raise fail(str(exc))
    typer.echo(f"事例「{target}」の版 {version} の内容を、版 {record.version} として復元しました。")


# --- privacy check (casebook.workflow, casebook.privacy) ---------------------------------------------

@app.command()
def check(
    ward: Optional[str] = typer.Option(None, "--ward", help="この区の事例だけ"),
    status: Optional[list[str]] = typer.Option(None, "--status", help="この状態の事例だけ（複数可）"),
    strict: bool = typer.Option(False, "--strict", help="下書きなども含め、未解決の指摘が1件でもあれば終了コード 1"),
    show_overridden: bool = typer.Option(False, "--show-overridden", help="編集者が「問題なし」とした指摘も表示する"),
) -> None:
    """個人情報の点検: 事例ごと・項目ごとに指摘と修正案を表示する。

    終了コード 1: 承認済み・公開中の事例に未解決の指摘がある（--strict ではどの状態でも）。
    """
    from casebook import vocab
    from casebook.model import field_label
    from casebook.workflow import check_store

    ward_name = _parse_option(lambda v: vocab.parse_ward(v).name, ward, "--ward")
    statuses = [_parse_option(vocab.parse_status, s, "--status") for s in status] if status else None
    with open_store(read_only=True) as store:
        report = check_store(store, ward=ward_name, status=statuses)
    shown = [r for r in report.rows if show_overridden or not r.overridden]
    current = None
    for i, row in enumerate(shown):
        if row.case_id != current:
            current = row.case_id
            typer.echo(f"\n【{row.case_id}】{row.ward}・{vocab.status_label(row.status)}")
        mark = "（問題なしと判断済み）" if row.overridden else ""
        typer.echo(f"  {field_label(row.field)}: {row.finding.label}「{row.finding.text}」{mark}")
        last_of_field = i + 1 == len(shown) or (shown[i + 1].case_id, shown[i + 1].field) != (row.case_id, row.field)
        if last_of_field and any(not r.overridden for r in shown if (r.case_id, r.field) == (row.case_id, row.field)):
            typer.echo(f"    修正案: {row.suggestion}")
    open_rows = report.open_rows
    cases = len({r.case_id for r in open_rows})
    overridden = len(report.rows) - len(open_rows)
    typer.echo(f"\n事例 {report.cases_checked} 件を点検: 未解決の指摘 {len(open_rows)} 件（{cases} 事例）"
               f"、問題なしと判断済み {overridden} 件、うち承認済み・公開中の未解決 {len(report.blocking)} 件")
    if report.blocking or (strict and open_rows):
        raise typer.Exit(1)
