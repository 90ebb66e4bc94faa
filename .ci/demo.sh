#!/usr/bin/env bash
# The demo on the bundled sample data.
set -euo pipefail
cd "$(dirname "$0")/.."
WB=.venv/bin/workbench
$WB init --sample --force
$WB cases list --status published
# The casebook (事例集): approved and published cases as an offline site; it prints where to open it.
$WB build parameters/casebook/default.yaml
# Last: the case-analysis form in Voila on 127.0.0.1 (Ctrl+C stops it). Interactive runs serve in the
# foreground; a non-interactive run (CI) only prints the command, unless WORKBENCH_DEMO_SERVE=1.
if [ -t 1 ] || [ "${WORKBENCH_DEMO_SERVE:-}" = 1 ]; then
  $WB serve --port "${WORKBENCH_PORT:-8866}"
else
  echo "事例分析シートを開くには: $WB serve --port 8866"
fi
