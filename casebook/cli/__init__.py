"""`workbench …`: the command line, a thin shell over casebook functions.

Start-up is kept short (`workbench --help` well under 0.5 s): this module imports only typer and
the standard library at load time; every command imports the store, the model, openpyxl, yaml …
inside its own function. Keep it that way when adding a command (benchmarks/cli_startup.py
measures it; `python -X importtime -c "import casebook.cli"` shows what crept in).

Settings come from `Settings.from_env()` (WORKBENCH_DATA, WORKBENCH_DB_URL, WORKBENCH_BUILD);
the global options --data / --db-url set the same variables for this run and its children.
Errors meant for the user are printed in Japanese on stderr with exit code 1 (2 for bad options).

Modules: `app` (the command tree and global options), `common` (shared helpers), `show` (a case as
text), one module per command group: `data` (init, cases, import/export, history, restore, check),
`build`, `analysis` (analyse, trainees), `sessions`, `servers` (serve, publish), `hub` (JupyterHub in front), `admin` (backup, restore-backup, purge, audit),
`users` (accounts for sign-in).
"""
from __future__ import annotations

# Each module registers its commands; this order is the order `--help` lists them in.
from casebook.cli import data, build, analysis, sessions, servers, hub, admin, users  # noqa: F401, I001
from casebook.cli.app import app

__all__ = ["app", "main"]


def main() -> None:
    try:
        app()
    finally:
        # Everything is written and closed by now. The interpreter's last garbage collections would
        # walk every object the command made (a build's manifest, its pages' search grams, nbconvert's
        # templates): 0.2 s of a 1.8 s one-page rebuild, measured. Frozen objects are left to the OS.
        import gc

        gc.freeze()
