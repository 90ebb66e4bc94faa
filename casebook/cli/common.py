"""What every command shares: refusals on stderr, opening the store, tables, serving until stopped.
Imports of heavy modules stay inside the functions."""
from __future__ import annotations

import unicodedata
from typing import TYPE_CHECKING

import typer

if TYPE_CHECKING:
    from casebook.store import Store

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
    from casebook.store.engine import display_url

    return display_url(Settings.from_env().store_url)


def _stop_on_sigterm() -> None:
    """Voila runs in its own process group: a `kill` of this command must still stop it (the
    KeyboardInterrupt reaches the `finally` in _serve_until_stopped). Call before starting Voila."""
    import signal

    def _stop(*_args):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, _stop)


def _serve_until_stopped(server, lines: list[str], *, alive=None, log=None) -> None:
    """Say where to go, keep the server running until Ctrl+C or SIGTERM, and always stop it.
    `server` is anything with `stop()`; by default it runs while its `proc` does and logs to `log_path`
    (a set of processes says how it is `alive` and where its `log` is)."""
    import time

    alive = alive or (lambda: server.proc.poll() is None)
    for line in lines:
        typer.echo(line)
    typer.echo(f"ログ: {server.log_path if log is None else log}")
    try:
        while alive():
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



def print_problems(problems) -> None:
    """Every bad row of a failed import, as a table: 場所, 行番号, 列, 理由."""
    rows = [[p.source, "" if p.row is None else str(p.row), p.column, p.reason] for p in problems]
    typer.echo(format_table(["ファイル・シート", "行番号", "列", "理由"], rows), err=True)


