"""`workbench build`: the casebook (事例集)."""
from __future__ import annotations

from typing import Optional

import typer

from casebook.cli.app import app
from casebook.cli.common import fail

# --- the casebook build (casebook.pipeline.build) -------------------------------------------------------------

@app.command()
def build(
    params: Optional[str] = typer.Argument(None, help="パラメータファイル（既定: parameters/casebook/default.yaml）"),
    jobs: Optional[int] = typer.Option(None, "--jobs", "-j", help="並列に動かすカーネルの数（既定: CPU 数、最大4）"),
    force: bool = typer.Option(False, "--force", help="キャッシュを使わず、すべての事例を実行し直す"),
    scheduler: Optional[str] = typer.Option(None, "--scheduler", help="Dask distributed のスケジューラ（tcp://HOST:PORT）"),
    pdf: bool = typer.Option(False, "--pdf", help="印刷用 PDF もつくる（build/casebook/事例集.pdf と pdf/事例番号.pdf。"
                                                 "パラメータファイルの pdf: enabled: true と同じ）"),
) -> None:
    """事例集をつくる: 事例ごとにノートブックを実行し、索引と検索のついた HTML を build/casebook/ に書き出す。

    終了コード 1: 実行に失敗した事例、または個人情報の指摘で載せなかった事例がある（ほかの事例の
    ページはできている。どれがなぜかは最後の表に出る）、またはパラメータファイルの誤り（何も実行しない）。
    """
    from casebook.pipeline.build import BuildError, build_casebook
    from casebook.pipeline.params import ParamsError, load_casebook_params
    from casebook.settings import Settings

    if jobs is not None and not 1 <= jobs <= 64:
        raise fail("--jobs は 1〜64 で指定してください", 2)
    try:
        parameters = load_casebook_params(params)
    except ParamsError as exc:
        raise fail(str(exc))
    if pdf:
        parameters = parameters.model_copy(update={"pdf": parameters.pdf.model_copy(update={"enabled": True})})
    try:
        report = build_casebook(Settings.from_env(), parameters, jobs=jobs, force=force, scheduler=scheduler,
                                params_path=params)
    except BuildError as exc:
        raise fail(str(exc))
    typer.echo(report.summary())
    raise typer.Exit(report.exit_code)
