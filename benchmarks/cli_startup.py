"""How long `workbench --help` takes to start, beside a bare interpreter (goal: ≤ 0.5 s).

Each command runs N times in a fresh interpreter; prints median and min wall time, and the ratio
of the median to `python -c pass`. `import papermill` is shown for scale: it is what the CLI would
pay if the Jupyter stack were imported at start (the rfc3987_syntax parsers built via jsonschema).

What the figures showed (typer 0.29, rich 15, 2 shared cores): `import typer` ≈ 30 ms over a bare
interpreter; rich's help panels add ≈ 50–70 ms (TYPER_USE_RICH=0 gives plain click-style help);
a subcommand's help (`workbench cases --help`) also imports pydantic, because typer 0.29 builds a
pydantic TypeAdapter per parameter — every real command needs pydantic for the model anyway.

    python benchmarks/cli_startup.py [-n 15]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

PY = sys.executable
WORKBENCH = str(Path(PY).with_name("workbench"))


def measure(cmd: list[str], runs: int, env: dict[str, str] | None = None) -> list[float]:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True,
                       env={**os.environ, **(env or {})})
        times.append(time.perf_counter() - start)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", "--runs", type=int, default=15)
    runs = parser.parse_args().runs
    cases = [
        ("python -c pass", [PY, "-c", "pass"], runs, None),
        ("python -c 'import typer'", [PY, "-c", "import typer"], runs, None),
        ("python -c 'import casebook.cli'", [PY, "-c", "import casebook.cli"], runs, None),
        ("workbench --help", [WORKBENCH, "--help"], runs, None),
        ("workbench --help (TYPER_USE_RICH=0)", [WORKBENCH, "--help"], runs, {"TYPER_USE_RICH": "0"}),
        ("workbench cases --help", [WORKBENCH, "cases", "--help"], runs, None),
        ("workbench cases --help (TYPER_USE_RICH=0)", [WORKBENCH, "cases", "--help"], runs, {"TYPER_USE_RICH": "0"}),
        # typer ≥ 0.2x coerces a command's parameters with pydantic TypeAdapters: any subcommand pays this.
        ("python -c 'import pydantic, typer'", [PY, "-c", "import pydantic, typer"], runs, None),
        ("python -c 'import papermill' (for scale)", [PY, "-c", "import papermill"], max(3, runs // 5), None),
    ]
    results = [(label, measure(cmd, n, env)) for label, cmd, n, env in cases]
    base = statistics.median(results[0][1])
    width = max(len(label) for label, _ in results)
    print(f"{'command':<{width}}  runs  median_s  min_s   × pass")
    for label, times in results:
        median = statistics.median(times)
        print(f"{label:<{width}}  {len(times):>4}  {median:8.3f}  {min(times):5.3f}  {median / base:6.1f}")
    help_median = statistics.median(results[3][1])
    print(f"\nworkbench --help: median {help_median:.3f} s (goal ≤ 0.5 s); "
          f"{help_median - base:.3f} s above a bare interpreter")


if __name__ == "__main__":
    main()
