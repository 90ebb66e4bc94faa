"""The command tree: the top-level app, its groups and the global options."""
from __future__ import annotations

import os
from typing import Optional

import typer

app = typer.Typer(
    help="大阪市社協 CSW ワークベンチ: 事例・研修会・活動状況のデータベースと事例集づくり",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_show_locals=False,   # locals may hold case text or a database password
)
cases_app = typer.Typer(help="事例の一覧と表示", no_args_is_help=True)
app.add_typer(cases_app, name="cases")
session_app = typer.Typer(help="研修会: 準備・実施（Voila）・終了・報告書", no_args_is_help=True)
app.add_typer(session_app, name="session")


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
