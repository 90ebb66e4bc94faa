#!/usr/bin/env bash
# The demo on the bundled sample data.
set -euo pipefail
cd "$(dirname "$0")/.."
WB=.venv/bin/workbench
$WB init --sample --force
$WB cases list --status published
# The casebook (事例集): approved and published cases as an offline site; it prints where to open it.
$WB build parameters/casebook/default.yaml
# The published pages' snapshot (published cases that pass the privacy gate, ward figures, sessions
# without names) and the offline 24-ward dashboard under build/publish/dashboard/.
$WB publish --static-only
# Last: the case-analysis form in Voila on 127.0.0.1 (Ctrl+C stops it). Interactive runs serve in the
# foreground; a non-interactive run (CI) only prints the command, unless WORKBENCH_DEMO_SERVE=1.
if [ -t 1 ] || [ "${WORKBENCH_DEMO_SERVE:-}" = 1 ]; then
  # The readers' pages (24-ward dashboard, casebook browser) are served alongside, read-only.
  $WB publish --port "${WORKBENCH_PUBLISH_PORT:-8867}" &
  PUBLISH_PID=$!
  trap 'kill "$PUBLISH_PID" 2>/dev/null || true; wait "$PUBLISH_PID" 2>/dev/null || true' EXIT
  $WB serve --port "${WORKBENCH_PORT:-8866}"
else
  echo "事例分析シートを開くには: $WB serve --port 8866"
  echo "公開ページ（24区ダッシュボード・事例集）を開くには: $WB publish --port 8867"
fi
