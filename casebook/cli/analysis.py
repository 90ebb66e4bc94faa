"""`workbench analyse` and `workbench trainees`: the cross-case analysis and each trainee's record.

Both are the editor's tools on the server (whoever runs the CLI reads the whole store): `analyse`
asks `workflow.may_analyse` as the editor "workbench analyse", the notebook asks again."""
from __future__ import annotations

import typer

from casebook.cli.app import app
from casebook.cli.common import _parse_option, fail, format_table, open_store


@app.command()
def analyse(
    params: str = typer.Argument(..., help="パラメータファイル（parameters/analysis/*.yaml）"),
) -> None:
    """事例の横断分析: テーマ×区×年度（人口1万人あたり）、推移、論点、特徴語、まず読む事例を HTML にする。

    出力: build/analysis/<パラメータファイル名>/report.html と report.pdf（引用は個人情報の検出を通します）。
    """
    from casebook.analysis.run import analyse as run
    from casebook.errors import PermissionDenied
    from casebook.pipeline.params import ParamsError

    try:
        result = run(params)
    except (ParamsError, PermissionDenied) as exc:
        raise fail(str(exc))
    except Exception as exc:   # papermill: the failing cell's error, without the case text of locals
        name = type(exc).__name__
        raise fail(f"分析ノートブックの実行に失敗しました（{name}）: {str(exc).splitlines()[0] if str(exc) else ''}")
    typer.echo(f"報告書: {result.html}")
    typer.echo(f"印刷用 PDF: {result.pdf}")


@app.command()
def trainees(
    ward: str | None = typer.Option(None, "--ward", help="区（例: 生野区）"),
    year: str | None = typer.Option(None, "--year", help="年度（例: 2024, 令和6年度）"),
    excel: str | None = typer.Option(None, "--excel", help="研修受講記録を書き出す Excel ファイル（.xlsx）"),
) -> None:
    """研修の受講記録: 人ごとの出席（当日ページで参加した回）、役割、理解度・満足度、作成した事例。"""
    from casebook import vocab
    from casebook.analysis import trainees as tr

    ward_name = _parse_option(lambda v: vocab.parse_ward(v).name, ward, "--ward")
    fiscal_year = _parse_option(vocab.parse_fiscal_year, year, "--year")
    if excel and not excel.lower().endswith(".xlsx"):
        raise fail("--excel は .xlsx のファイル名で指定してください", 2)
    with open_store(read_only=True) as store:
        recs = tr.records(store, ward=ward_name, fiscal_year=fiscal_year)
    rows = [[r.name, r.ward, r.job, str(len(r.sessions)),
             " ".join(str(s) for _d, s in r.understanding) or "-",
             " ".join(str(s) for _d, s in r.satisfaction) or "-", str(len(r.cases))] for r in recs]
    if not rows:
        typer.echo("該当する受講記録はありません。")
    else:
        typer.echo(format_table(["氏名", "区社協", "職種", "出席回数", "理解度（回ごと）", "満足度（回ごと）", "作成した事例"],
                                rows))
    if excel:
        path = tr.write_excel(recs, excel)
        typer.echo(f"Excel: {path}（{sum(len(r.sessions) for r in recs)} 行）")
