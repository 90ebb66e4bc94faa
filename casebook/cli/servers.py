"""`workbench serve` (the editable apps) and `workbench publish` (the readers' pages)."""
from __future__ import annotations

import typer

from casebook.cli.app import app
from casebook.cli.common import _serve_until_stopped, _stop_on_sigterm, fail, open_store

# --- the editable apps in Voila (casebook.apps.editable) -------------------------------------------------------

@app.command()
def serve(
    port: int = typer.Option(8866, "--port", help="ポート番号"),
    pool: int = typer.Option(2, "--pool", help="あらかじめ起動しておくカーネルの数"),
    host: str = typer.Option("127.0.0.1", "--host", help="待ち受けるアドレス（ネットワークに開くときは 0.0.0.0）"),
    behind_proxy: bool = typer.Option(False, "--behind-proxy", help="HTTPS を終端するリバースプロキシの後ろで動かす（README 参照）"),
    dev: bool = typer.Option(False, "--dev", help="開発用: サインインなしで URL の role= / author= を使う（127.0.0.1 のみ）"),
    servers: int = typer.Option(1, "--servers", help="アプリサーバーの数。2 以上: HAProxy を --port で前に置く（README「複数のアプリサーバー」）"),
    tls_pem: str = typer.Option("", "--tls-pem", help="--servers 2 以上: HAProxy が HTTPS を終端する証明書と鍵の PEM ファイル"),
) -> None:
    """事例分析シート・研修会・ホームを、サインインが必要な一つのサーバーで開く。Ctrl+C で止まる。"""
    from urllib.parse import quote

    from casebook.apps.editable import CASE_FORM, serve_apps
    from casebook.apps.serving import SignInOptions

    if not 0 <= port <= 65535 or not 0 <= pool <= 20:
        raise fail("--port は 0〜65535、--pool は 0〜20 で指定してください", 2)
    if not 1 <= servers <= 16:
        raise fail("--servers は 1〜16 で指定してください", 2)
    if servers > 1 and dev:
        raise fail("--servers 2 以上はサインインありでしか動かせません（--dev を外してください）", 2)
    if dev and host != "127.0.0.1":
        raise fail("--dev（サインインなし）は 127.0.0.1 でしか動かせません。ネットワークに開くときは --dev を外してください", 2)
    with open_store() as store:   # a missing or unreadable store is reported here, not inside every page
        if not dev and not any(u.role == "admin" for u in store.list_users()) and not store.list_users():
            typer.echo("注意: 利用者が登録されていません（workbench init で管理者、workbench users add / import で職員を登録）",
                       err=True)
    _stop_on_sigterm()
    if servers > 1:
        _serve_balanced(servers=servers, port=port, pool=pool, host=host, tls_pem=tls_pem)
        return
    server = serve_apps(port=port, pool_size=pool, host=host,
                        signin=None if dev else SignInOptions(behind_proxy=behind_proxy))
    if dev:
        base = server.page_url(CASE_FORM)
        lines = ["開発モード（サインインなし・127.0.0.1 のみ。業務には使えません）",
                 f"事例分析シート: {base}?role=staff&ward={quote('生野区')}&author={quote('職員A')}",
                 f"  助言者: {base}?role=advisor&author={quote('助言者B')}　編集者: {base}?role=editor&author={quote('編集者C')}"]
    else:
        lines = [f"ホーム（サインイン）: http://{'このサーバーのアドレス' if host == '0.0.0.0' else host}:{server.opts.port}/",
                 f"研修会の参加者: http://…:{server.opts.port}/join"]
    _serve_until_stopped(server, lines)


def _serve_balanced(*, servers: int, port: int, pool: int, host: str, tls_pem: str) -> None:
    """`serve --servers N`: N app servers and HAProxy in front (casebook.apps.balancer) until stopped."""
    from pathlib import Path

    from casebook.apps.balancer import serve_balanced
    from casebook.errors import WorkbenchError

    if tls_pem and not Path(tls_pem).is_file():
        raise fail(f"--tls-pem: ファイル {tls_pem} がありません", 2)
    try:
        balanced = serve_balanced(servers=servers, port=port, host=host, pool_size=pool,
                                  tls_pem=Path(tls_pem) if tls_pem else None)
    except (WorkbenchError, RuntimeError, TimeoutError) as exc:
        raise fail(f"アプリサーバーまたは HAProxy を起動できませんでした: {exc}")
    shown = "このサーバーのアドレス" if host == "0.0.0.0" else host
    lines = [f"ホーム（サインイン）: {balanced.url.split('://')[0]}://{shown}:{balanced.url.rsplit(':', 1)[1]}/"]
    lines += [f"  アプリサーバー {b.name}: {b.host}:{b.port}" for b in balanced.backends]
    lines.append(f"HAProxy の設定: {balanced.config_path}")
    _serve_until_stopped(balanced, lines, alive=lambda: balanced.haproxy.poll() is None,
                         log=balanced.config_path.parent)


# --- publishing (casebook.apps.publish) ---------------------------------------------------------------------

@app.command()
def publish(
    port: int = typer.Option(8867, "--port", help="ポート番号（127.0.0.1 で待ち受け）"),
    pool: int = typer.Option(1, "--pool", help="あらかじめ起動しておくカーネルの数（ページごと）"),
    static_only: bool = typer.Option(False, "--static-only", help="スナップショットと静的ダッシュボードだけをつくり、サーバーは起動しない"),
) -> None:
    """公開中の事例（個人情報の点検を通ったもの）・活動状況・研修会の読み取り専用スナップショットをつくり、
    ダッシュボードと事例集を Voila で公開する。Ctrl+C で止まる。"""
    from casebook.apps.publish import (
        BROWSER_NOTEBOOK,
        DASHBOARD_NOTEBOOK,
        PublishError,
        serve_published,
    )
    from casebook.apps.publish import publish as build
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
        f"公開ページ（静的、すぐに表示）: {server.url}/published/index.html",
        f"24区ダッシュボード: {server.page_url(DASHBOARD_NOTEBOOK)}",
        f"事例集:             {server.page_url(BROWSER_NOTEBOOK)}",
    ])
