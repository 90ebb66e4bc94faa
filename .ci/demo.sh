#!/usr/bin/env bash
# The demo on the bundled sample data.
set -euo pipefail
cd "$(dirname "$0")/.."
WB=.venv/bin/workbench
$WB init --sample --force
$WB cases list --status published
