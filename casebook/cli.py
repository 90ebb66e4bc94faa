"""`workbench …`: the command line, a thin shell over casebook functions.

Start-up is kept short (`workbench --help` well under 0.5 s): this module imports only typer and
the standard library at load time; every command imports the store, the model, openpyxl, yaml …
inside its own function. Keep it that way when adding a command (benchmarks/cli_startup.py
measures it; `python -X importtime -c "import casebook.cli"` shows what crept in).

Settings come from `Settings.from_env()` (WORKBENCH_DATA, WORKBENCH_DB_URL, WORKBENCH_BUILD);
the global options --data / --db-url set the same variables for this run and its children.
Errors meant for the user are printed in Japanese on stderr with exit code 1 (2 for bad options).
"""

from __future__ import annotations

import os
import unicodedata
from typing import TYPE_CHECKING, Optional

import typer

if TYPE_CHECKING:
    from casebook.store import CaseRecord, Store

app = typer.Typer(
    help="大阪市社協 CSW ワークベンチ: 事例・研修会・活動状況のデータベースと事例集づくり",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_show_locals=False,   # locals may hold case text or a database password
)
cases_app = typer.Typer(help="事例の一覧と表示", no_args_is_help=True)
app.add_typer(cases_app, name="cases")


@app.callback()
def _global(
    data: Optional[str] = typer.Option(None, "--data", help="データベース（SQLite）のフォルダ（環境変数 WORKBENCH_DATA）"),
    db_url: Optional[str] = typer.Option(None, "--db-url", help="データベースの URL（環境変数 WORKBENCH_DB_URL）"),
) -> None:
    # Options become the environment, so Settings.from_env() and child processes see the same store.
    if data:
        os.environ["WORKBENCH_DATA"] = data
    if db_url:
        os.environ["WORKBENCH_DB_URL"] = db_url


# --- shared helpers (imports stay inside) ---------------------------------------------------------

def fail(message: str, code: int = 1) -> "typer.Exit":
    typer.echo(message, err=True)
    return typer.Exit(code)


def open_store(*, read_only: bool = False) -> "Store":
    from casebook.settings import Settings
    from casebook.store import Store, StoreError

    try:
        return Store.open(Settings.from_env(), read_only=read_only)
    except StoreError as exc:
        raise fail(str(exc))
    except Exception as exc:  # an unreachable server or a bad URL: say which store, hide the password
        raise fail(f"データベースを開けません（{_safe_url()}）: {type(exc).__name__}: {exc}")


def _safe_url() -> str:
    from casebook.settings import Settings

    url = Settings.from_env().store_url
    try:
        from sqlalchemy.engine import make_url
        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return "（URL を表示できません）"


def _stop_on_sigterm() -> None:
    """Voila runs in its own process group: a `kill` of this command must still stop it (the
    KeyboardInterrupt reaches the `finally` in _serve_until_stopped). Call before starting Voila."""
    import signal

    def _stop(*_args):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, _stop)


def _serve_until_stopped(server, lines: list[str]) -> None:
    """Say where to go, keep the server running until Ctrl+C or SIGTERM, and always stop it."""
    import time

    for line in lines:
        typer.echo(line)
    typer.echo(f"ログ: {server.log_path}")
    try:
        while server.proc.poll() is None:
            time.sleep(1)
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
    typer.echo("停止しました。")


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


def format_table(headers: list[str], rows: list[list[str]]) -> str:
    """A plain text table that lines up in a terminal with Japanese (double-width) characters."""
    widths = [max([_width(h), *(_width(r[i]) for r in rows)]) for i, h in enumerate(headers)]
    lines = ["  ".join(_pad(h, w) for h, w in zip(headers, widths)).rstrip(),
             "  ".join("-" * w for w in widths)]
    lines += ["  ".join(_pad(c, w) for c, w in zip(r, widths)).rstrip() for r in rows]
    return "\n".join(lines)


def _local_time(value) -> str:
    from zoneinfo import ZoneInfo

    return value.astimezone(ZoneInfo("Asia/Tokyo")).strftime("%Y-%m-%d %H:%M")


def _parse_option(parse, value, name: str):
    """Run a vocab parser on an option; its Japanese message becomes a usage error (exit 2)."""
    if value is None:
        return None
    from casebook.vocab import VocabError

    try:
        return parse(value)
    except VocabError as exc:
        raise fail(f"{name}: {exc}", 2)


def format_case(record: "CaseRecord | None", case=None) -> str:
    """A case as readable Japanese text, section by section (empty fields left out)."""
    from pydantic import BaseModel

    from casebook import vocab
    from casebook.model import field_label

    case = case if case is not None else record.case
    labels = vocab.field_labels()
    targets = {t["id"]: t["name"] for t in vocab.targets()}
    eco = vocab.ecomap_vocab()
    kinds = {k["id"]: k["name"] for k in eco["node_kinds"]}
    strengths = {k["id"]: k["name"] for k in eco["strengths"]}
    directions = {k["id"]: k["name"] for k in eco["directions"]}
    out = [f"【{case.id}】{case.title}", ""]
    meta = [("区", case.ward), ("年度", case.fiscal_year_label), ("状態", vocab.status_label(case.status)),
            ("対象", targets.get(case.target, case.target)),
            ("事例提供者", " ".join(x for x in (case.provider, case.provider_role) if x)),
            ("テーマ", "、".join(case.themes)), ("キーワード", "、".join(case.keywords))]
    if record is not None:
        meta.append(("版", f"{record.version}（{_local_time(record.updated_at)} {record.updated_by}）"))
    out += [f"{k}: {v}" for k, v in meta if v]

    def block(title: str, text: str) -> None:
        if text:
            out.extend(["", f"■ {title}", *("  " + line for line in text.splitlines())])

    block(labels["reason"], case.reason)
    block(labels["questions"], case.questions)
    sections = ("summary", "person", "community", "genogram", "assessment", "plan", "timeline",
                "ecomap", "outcome", "reflection", "discussion", "comments")
    for name in sections:
        value = getattr(case, name)
        if name == "genogram":
            block(labels[name], value)
        elif name == "timeline" and value:
            out += ["", f"■ {labels[name]}"]
            for i, row in enumerate(value, 1):
                out.append(f"  {i}. {row.period}: {row.support}")
                out += [f"     {labels[k]}: {getattr(row, k)}" for k in ("actors", "change") if getattr(row, k)]
        elif name == "ecomap" and value.nodes:
            out += ["", f"■ {labels[name]}"]
            names = {n.id: n.label for n in value.nodes}
            out += [f"  ・{n.label}（{kinds.get(n.kind, n.kind)}）{' ' + n.note if n.note else ''}" for n in value.nodes]
            out += [f"  ― {names[t.source]} → {names[t.target]}: {strengths[t.strength]}・{directions[t.direction]}"
                    f"{' ' + t.note if t.note else ''}" for t in value.ties]
        elif name == "comments" and value:
            out += ["", f"■ {labels[name]}"]
            for c in value:
                when = f"（{_local_time(c.created_at)}）" if c.created_at else ""
                kind = "ポイント整理" if c.kind == "key_points" else "助言"
                out.append(f"  [{kind}] {c.advisor}{when}")
                out += ["    " + line for line in c.text.splitlines()]
        elif isinstance(value, BaseModel):
            filled = [(k, getattr(value, k)) for k in type(value).model_fields if getattr(value, k)]
            if filled:
                out += ["", f"■ {labels[name]}"]
                for key, text in filled:
                    head = field_label(f"{name}.{key}").split(" › ")[-1]
                    lines = str(text).splitlines()
                    out.append(f"  {head}: {lines[0]}")
                    out += ["    " + line for line in lines[1:]]
    yes = {True: "あり", False: "なし"}
    out += ["", f"■ {labels['ethics']}", f"  {labels['consent']}: {yes[case.ethics.consent]}",
            f"  {labels['anonymised']}: {'確認済み' if case.ethics.anonymised else '未確認'}"]
    return "\n".join(out)


def print_problems(problems) -> None:
    """Every bad row of a failed import, as a table: 場所, 行番号, 列, 理由."""
    rows = [[p.source, "" if p.row is None else str(p.row), p.column, p.reason] for p in problems]
    typer.echo(format_table(["ファイル・シート", "行番号", "列", "理由"], rows), err=True)


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
    case_id: str = typer.Argument(..., metavar="ID", help="事例番号"),
    version: int = typer.Argument(..., metavar="VERSION", help="戻したい版"),
    author: str = typer.Option(..., "--author", help="復元する人の名前（履歴に残る）"),
) -> None:
    """以前の版の内容を、新しい版として復元する（状態はそのまま）。"""
    from casebook.store import StoreError

    with open_store() as store:
        try:
            current = store.get_case(case_id)
            record = store.restore(case_id, version, author=author, base_version=current.version)
        except StoreError as exc:
            raise fail(str(exc))
    typer.echo(f"事例「{case_id}」の版 {version} の内容を、版 {record.version} として復元しました。")


# --- commands added by other parts of the workbench --------------------------------------------------
# check, build, serve, session, publish: add each below as a small function that imports what it
# needs inside its body (never at module level), e.g.
#
#     @app.command()
#     def build(params: str = typer.Argument(...)) -> None:
#         """事例集をつくる。"""
#         from casebook.build import build_casebook
#         ...
#
# A group of subcommands: `session_app = typer.Typer(help=...)`, `app.add_typer(session_app, name="session")`.


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


# --- the casebook build (casebook.build) -------------------------------------------------------------

@app.command()
def build(
    params: Optional[str] = typer.Argument(None, help="パラメータファイル（既定: parameters/casebook/default.yaml）"),
    jobs: Optional[int] = typer.Option(None, "--jobs", "-j", help="並列に動かすカーネルの数（既定: CPU 数、最大4）"),
    force: bool = typer.Option(False, "--force", help="キャッシュを使わず、すべての事例を実行し直す"),
    scheduler: Optional[str] = typer.Option(None, "--scheduler", help="Dask distributed のスケジューラ（tcp://HOST:PORT）"),
) -> None:
    """事例集をつくる: 事例ごとにノートブックを実行し、索引と検索のついた HTML を build/casebook/ に書き出す。

    終了コード 1: 実行に失敗した事例、または個人情報の指摘で載せなかった事例がある（ほかの事例の
    ページはできている。どれがなぜかは最後の表に出る）、またはパラメータファイルの誤り（何も実行しない）。
    """
    from casebook.build import BuildError, build_casebook
    from casebook.params import ParamsError, load_casebook_params
    from casebook.settings import Settings

    if jobs is not None and not 1 <= jobs <= 64:
        raise fail("--jobs は 1〜64 で指定してください", 2)
    try:
        parameters = load_casebook_params(params)
    except ParamsError as exc:
        raise fail(str(exc))
    try:
        report = build_casebook(Settings.from_env(), parameters, jobs=jobs, force=force, scheduler=scheduler,
                                params_path=params)
    except BuildError as exc:
        raise fail(str(exc))
    typer.echo(report.summary())
    raise typer.Exit(report.exit_code)


# --- training sessions (casebook.sessions) ------------------------------------------------------------

session_app = typer.Typer(help="研修会: 準備・実施（Voila）・終了・報告書", no_args_is_help=True)
app.add_typer(session_app, name="session")


def _session_call(fn, *args, **kwargs):
    """Run a casebook.sessions function; its refusals (Japanese, naming the field) end the command."""
    from casebook.sessions import SessionError
    from casebook.store import StoreError

    try:
        return fn(*args, **kwargs)
    except SessionError as exc:
        raise fail("\n".join(exc.lines))
    except StoreError as exc:
        raise fail(str(exc))


@session_app.command("prepare")
def session_prepare(
    file: str = typer.Argument(..., help="研修会のパラメータ（parameters/sessions/*.yaml）"),
    as_id: Optional[str] = typer.Option(None, "--as", help="同じ内容を別の研修会IDで準備する（毎年の同じ研修など）"),
) -> None:
    """パラメータを検証し、研修会を登録して、ファシリテーター用ノートブックを実行・用意する。"""
    from casebook import sessions

    report = _session_call(sessions.prepare, file, session_id=as_id)
    s = report.session
    typer.echo(f"研修会「{s.title}」（{s.id}）を{'登録' if report.created else '更新'}しました: "
               f"参加者 {len(s.participants)} 人、{len(s.groups)} グループ、問い {len(s.questions)} つ")
    typer.echo(f"ノートブック: {report.out_dir}")
    typer.echo(f"開始するには: workbench session serve {s.id}")


@session_app.command("serve")
def session_serve(
    session_id: str = typer.Argument(..., help="研修会ID"),
    port: int = typer.Option(8866, "--port", help="ポート番号（127.0.0.1 で待ち受け）"),
    pool: int = typer.Option(2, "--pool", help="あらかじめ起動しておくカーネルの数（ページごと）"),
) -> None:
    """研修会のページ（ファシリテーター用・参加者用）を Voila で開く。Ctrl+C で止まる。"""
    from casebook import sessions

    _stop_on_sigterm()
    server = _session_call(sessions.serve, session_id, port=port, pool_size=pool)
    _serve_until_stopped(server, [
        f"ファシリテーター用: {sessions.facilitator_url(server)}  （このURLは参加者に配らないでください）",
        f"参加者用:         {server.page_url(sessions.PARTICIPANT_NOTEBOOK)}",
    ])


@session_app.command("close")
def session_close(
    session_id: str = typer.Argument(..., help="研修会ID"),
    summary_file: Optional[str] = typer.Option(None, "--summary", help="助言者の総括を書いたテキストファイル"),
) -> None:
    """研修会を終了する（以後の入力は受け付けない）。"""
    from pathlib import Path

    from casebook import sessions

    summary = Path(summary_file).read_text(encoding="utf-8") if summary_file else None
    with open_store() as store:
        s = _session_call(sessions.close, store, session_id, summary=summary)
    typer.echo(f"研修会「{s.title}」を終了しました。")


@session_app.command("report")
def session_report(session_id: str = typer.Argument(..., help="研修会ID")) -> None:
    """研修会の実施報告（出席・グループの意見・総括・アンケート・過去との比較）を HTML でつくる。"""
    from casebook import sessions

    result = _session_call(sessions.report, session_id)
    typer.echo(f"報告書: {result.html}")


# --- the editable apps in Voila (casebook.apps) -------------------------------------------------------

@app.command()
def serve(
    port: int = typer.Option(8866, "--port", help="ポート番号（127.0.0.1 で待ち受け）"),
    pool: int = typer.Option(2, "--pool", help="あらかじめ起動しておくカーネルの数"),
) -> None:
    """事例分析シート（職員・助言者・編集者用）を Voila で開く。Ctrl+C で止まる。"""
    from urllib.parse import quote

    from casebook.apps import CASE_FORM, serve_apps

    if not 0 <= port <= 65535 or not 0 <= pool <= 20:
        raise fail("--port は 0〜65535、--pool は 0〜20 で指定してください", 2)
    open_store().close()  # a missing or unreadable store is reported here, not inside every page
    _stop_on_sigterm()
    server = serve_apps(port=port, pool_size=pool)
    base = server.page_url(CASE_FORM)
    _serve_until_stopped(server, [
        f"事例分析シート: {base}?role=staff&ward={quote('生野区')}&author={quote('職員A')}",
        f"  助言者: {base}?role=advisor&author={quote('助言者B')}　編集者: {base}?role=editor&author={quote('編集者C')}",
    ])


# --- publishing (casebook.publish) ---------------------------------------------------------------------

@app.command()
def publish(
    port: int = typer.Option(8867, "--port", help="ポート番号（127.0.0.1 で待ち受け）"),
    pool: int = typer.Option(1, "--pool", help="あらかじめ起動しておくカーネルの数（ページごと）"),
    static_only: bool = typer.Option(False, "--static-only", help="スナップショットと静的ダッシュボードだけをつくり、サーバーは起動しない"),
) -> None:
    """公開中の事例（個人情報の点検を通ったもの）・活動状況・研修会の読み取り専用スナップショットをつくり、
    ダッシュボードと事例集を Voila で公開する。Ctrl+C で止まる。"""
    from casebook.publish import BROWSER_NOTEBOOK, DASHBOARD_NOTEBOOK, PublishError
    from casebook.publish import publish as build
    from casebook.publish import serve_published
    from casebook.store import StoreError

    if not 0 <= port <= 65535 or not 0 <= pool <= 20:
        raise fail("--port は 0〜65535、--pool は 0〜20 で指定してください", 2)
    try:
        report = build()
    except (StoreError, PublishError) as exc:
        raise fail(str(exc))
    for refusal in report.refused:
        typer.echo(refusal.line(), err=True)
    for note in report.withheld:
        typer.echo(note, err=True)
    typer.echo(report.summary())
    if static_only:
        # Like a build with a blocked case: the rest is published, but a script must see the refusal.
        if report.refused:
            raise typer.Exit(1)
        return
    _stop_on_sigterm()
    try:
        server = serve_published(port=port, pool_size=pool)
    except (PublishError, RuntimeError, TimeoutError) as exc:  # e.g. the port is taken: the log tail says so
        raise fail(f"公開ページのサーバーを起動できませんでした（ポート {port}）:\n{exc}")
    _serve_until_stopped(server, [
        f"24区ダッシュボード: {server.page_url(DASHBOARD_NOTEBOOK)}",
        f"事例集:             {server.page_url(BROWSER_NOTEBOOK)}",
    ])

def main() -> None:
    app()


if __name__ == "__main__":
    main()
