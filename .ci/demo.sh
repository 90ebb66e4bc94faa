#!/usr/bin/env bash
# The demo on the bundled sample data.
set -euo pipefail
cd "$(dirname "$0")/.."
WB=.venv/bin/workbench
$WB init --sample --force
$WB cases list --status published
# The casebook (事例集): approved and published cases as an offline site; it prints where to open it.
$WB build parameters/casebook/default.yaml
