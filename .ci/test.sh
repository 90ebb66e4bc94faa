#!/usr/bin/env bash
# Run the whole test suite: SQLite and a real PostgreSQL for the store, real Voila + Chromium.
set -euo pipefail
cd "$(dirname "$0")/.."
eval "$(bash .ci/postgres.sh start)"
trap 'bash .ci/postgres.sh stop' EXIT
mkdir -p build
.venv/bin/python -m pytest -p no:cacheprovider "$@"
