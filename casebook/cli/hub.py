"""`workbench hub`: the workbench behind JupyterHub (casebook.apps.hub_config writes the config)."""
from __future__ import annotations

import typer

from casebook.cli.app import app
from casebook.cli.common import _serve_until_stopped, _stop_on_sigterm, fail


@app.command()
def hub(
    config: str | None = typer.Option(None, "--config", help="ハブの設定（既定: parameters/hub/hub.yaml）"),
    port: int | None = typer.Option(None, "--port", help="利用者が開くポート（設定の hub.port より優先）"),
    service_url: str | None = typer.Option(None, "--service-url",
                                              help="ワークベンチのアプリサーバー（またはロードバランサー）の URL"),
    write_only: bool = typer.Option(False, "--write-only", help="jupyterhub_config.py を書くだけで、ハブは起動しない"),
    servers: int = typer.Option(1, "--servers", help="アプリサーバーの数。2 以上: service.url に HAProxy を置き、その後ろに N 台"
                                                    "（README「Behind JupyterHub」）"),
) -> None:
    """JupyterHub（configurable-http-proxy）の後ろでワークベンチを開く。サインインはハブで行い、
    役割と区はハブのグループ（parameters/hub/groups.yaml）で決まる。Ctrl+C で止まる。"""
    from casebook.apps.hub_config import (
        HubConfigError,
        hub_files,
        load_hub_settings,
        prepare,
        start_hub,
    )
    from casebook.apps.hub_groups import HubGroupsError
    from casebook.settings import Settings

    overrides = {k: v for k, v in (("port", port), ("service_url", service_url)) if v is not None}
    if port is not None and not 1 <= port <= 65535:
        raise fail("--port は 1〜65535 で指定してください", 2)
    if not 1 <= servers <= 16:
        raise fail("--servers は 1〜16 で指定してください", 2)
    settings = Settings.from_env()
    try:
        hub_settings = load_hub_settings(config, **overrides)
        files = prepare(settings, hub_settings)
    except (HubConfigError, HubGroupsError) as exc:
        raise fail(str(exc))
    typer.echo(f"設定を書きました: {files.config}")
    if write_only:
        return
    _stop_on_sigterm()
    if servers > 1:
        _hub_balanced(settings, hub_settings, servers, files)
        return
    try:
        process = start_hub(settings, hub_settings, log_path=settings.build_dir / "logs" / "hub.log")
    except (RuntimeError, TimeoutError) as exc:
        raise fail(f"JupyterHub を起動できませんでした:\n{exc}")
    lines = [f"ワークベンチ（ハブでサインイン）: {process.url}{hub_settings.service_prefix}"]
    if hub_settings.authenticator_class.endswith("SharedPasswordAuthenticator"):
        lines.append(f"デモ用の共通パスワード: {hub_files(settings).demo_password}（0600）")
    _serve_until_stopped(process, lines)


def _hub_balanced(settings, hub_settings, servers: int, files) -> None:
    """`hub --servers N`: the hub's route -> HAProxy (service.url) -> N app servers, until stopped."""

    from casebook.apps.hub_balanced import serve_hub_balanced
    from casebook.errors import WorkbenchError

    try:
        running = serve_hub_balanced(settings, hub_settings, servers=servers,
                                     log_dir=settings.build_dir / "logs" / "hub-balanced")
    except (WorkbenchError, RuntimeError, TimeoutError, ValueError) as exc:
        raise fail(f"JupyterHub・HAProxy・アプリサーバーを起動できませんでした:\n{exc}")
    lines = [f"ワークベンチ（ハブでサインイン）: {running.url}{hub_settings.service_prefix}",
             f"HAProxy（ハブの経路の行き先）: {running.balanced.url}"]
    lines += [f"  アプリサーバー {b.name}: {b.host}:{b.port}" for b in running.balanced.backends]
    if hub_settings.authenticator_class.endswith("SharedPasswordAuthenticator"):
        lines.append(f"デモ用の共通パスワード: {files.demo_password}（0600）")
    _serve_until_stopped(running, lines, log=running.balanced.config_path.parent,
                         alive=lambda: running.hub.proc.poll() is None and running.balanced.haproxy.poll() is None)
