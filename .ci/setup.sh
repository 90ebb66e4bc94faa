#!/usr/bin/env bash
# Set up a fresh machine for the workbench: Debian packages it lacks, a virtual environment in
# .venv with the project installed (editable, with the test extra). Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."
need=()
[ -x /usr/bin/chromium ] || need+=(chromium)
fc-list 2>/dev/null | grep -qi 'Noto Sans CJK' || need+=(fonts-noto-cjk)
ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1 || need+=(postgresql)
# setfacl: the public pages' OS user gets execute-only passage to an interpreter under a private home
# (casebook.apps.public), never a listing.
command -v setfacl >/dev/null || need+=(acl)
# workbench backup / restore-backup on PostgreSQL: pg_dump and pg_restore (postgresql-client-<ver>,
# which the postgresql package pulls in too; checked apart for a machine with only a remote server).
ls /usr/lib/postgresql/*/bin/pg_dump >/dev/null 2>&1 || need+=(postgresql-client)
# The accessibility tests run axe-core (npm) in the pages, `workbench hub` runs configurable-http-proxy: node and npm.
command -v npm >/dev/null 2>&1 || need+=(nodejs npm)
# The printed casebook: WeasyPrint lays out text with Pango; the PDF tests read it with poppler-utils.
ldconfig -p 2>/dev/null | grep -q 'libpango-1.0.so.0' || need+=(libpango-1.0-0)
ldconfig -p 2>/dev/null | grep -q 'libpangoft2-1.0.so.0' || need+=(libpangoft2-1.0-0)
command -v pdftoppm >/dev/null 2>&1 || need+=(poppler-utils)
# More than one app server (`workbench serve --servers N`, casebook.apps.balancer): HAProxy in front.
command -v haproxy >/dev/null 2>&1 || [ -x /usr/sbin/haproxy ] || need+=(haproxy)
if [ ${#need[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  echo "Installing Debian packages: ${need[*]}"
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q "${need[@]}" fontconfig
fi
PY="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
  .venv/bin/python -m pip install -q --upgrade pip
fi
.venv/bin/python -m pip install -q -e '.[test]'
# axe-core for the accessibility tests, at the version package-lock.json pins (tests/a11y/node_modules).
if [ ! -f tests/a11y/node_modules/axe-core/axe.min.js ]; then
  npm ci --prefix tests/a11y --no-audit --no-fund --loglevel=error
fi
# configurable-http-proxy for `workbench hub` and its tests, at the version hub/package-lock.json pins.
if [ ! -x hub/node_modules/.bin/configurable-http-proxy ]; then
  npm ci --prefix hub --no-audit --no-fund --loglevel=error
fi
