"""`workbench session …`: training sessions (研修会)."""
from __future__ import annotations

from typing import Optional

import typer

from casebook.cli.app import session_app
from casebook.cli.common import _serve_until_stopped, _stop_on_sigterm, fail, open_store

# --- training sessions (casebook.sessions) ------------------------------------------------------------



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
    date: Optional[str] = typer.Option(None, "--date", help="開催日 YYYY-MM-DD（--as のときは必須。なければ尋ねる）"),
) -> None:
    """パラメータを検証し、研修会を登録して、ファシリテーター用ノートブックを実行・用意する。"""
    import datetime as dt

    from casebook import sessions

    if as_id and not date:
        date = typer.prompt(f"「{as_id}」の開催日（YYYY-MM-DD）")
    try:
        day = dt.date.fromisoformat(date.strip()) if date else None
    except ValueError:
        raise fail(f"date（開催日）: 「{date}」は日付として読めません（例: 2026-11-19）")
    report = _session_call(sessions.prepare, file, session_id=as_id, date=day)
    s = report.session
    typer.echo(f"研修会「{s.title}」（{s.id}、{s.date:%Y-%m-%d}）を{'登録' if report.created else '更新'}しました: "
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
