#!/usr/bin/env bash
# Start a throw-away PostgreSQL server on 127.0.0.1 for the store tests and print its SQLAlchemy URL.
# Nobody gets in by being local: TCP asks for a password (scram-sha-256; a random one, kept in a
# file only the user who started the server can read) and the Unix socket checks the OS user (peer),
# so the public pages' OS user (casebook.apps.public) cannot connect.
# Usage: eval "$(bash .ci/postgres.sh start)"   -> exports WORKBENCH_TEST_PG_URL
#        bash .ci/postgres.sh stop
set -euo pipefail
PGPORT="${PGPORT:-54329}"
PGDATA_DIR="${PGDATA_DIR:-/tmp/workbench-pg}"
PWFILE="${PGDATA_DIR}.password"
BIN="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)"
[ -x "$BIN/postgres" ] || { echo "PostgreSQL server binaries not found (apt-get install postgresql)" >&2; exit 1; }
# The server refuses to run as root; Debian's package makes this user, a bare image may not have it.
if [ "$(id -u)" = 0 ] && ! id postgres >/dev/null 2>&1; then
  useradd --system --user-group --no-create-home --shell /usr/sbin/nologin postgres
fi
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

case "${1:-start}" in
  start)
    if ! as_pg "$BIN/pg_ctl" -D "$PGDATA_DIR" status >/dev/null 2>&1; then
      rm -rf "$PGDATA_DIR"; mkdir -p "$PGDATA_DIR"
      [ "$(id -u)" = 0 ] && chown postgres:postgres "$PGDATA_DIR"
      (umask 077; head -c 24 /dev/urandom | base64 | tr -d '/+=\n' > "$PWFILE")
      PWTMP="$(mktemp)"; cp "$PWFILE" "$PWTMP"
      [ "$(id -u)" = 0 ] && chown postgres "$PWTMP"
      as_pg "$BIN/initdb" -D "$PGDATA_DIR" -U postgres --auth-local=peer --auth-host=scram-sha-256 \
        --pwfile="$PWTMP" -E UTF8 --locale=C.UTF-8 >/dev/null
      rm -f "$PWTMP"
      as_pg "$BIN/pg_ctl" -D "$PGDATA_DIR" -l "$PGDATA_DIR/server.log" -w \
        -o "-p $PGPORT -k /tmp -c listen_addresses=127.0.0.1 -c max_connections=200 -c fsync=on" start >/dev/null
    fi
    # A server started by an older copy of this script trusts local connections: no password then.
    AUTH="postgres"; [ -s "$PWFILE" ] && AUTH="postgres:$(cat "$PWFILE")"
    echo "export WORKBENCH_TEST_PG_URL=postgresql+psycopg://$AUTH@127.0.0.1:$PGPORT/postgres"
    ;;
  stop)
    as_pg "$BIN/pg_ctl" -D "$PGDATA_DIR" -m fast stop >/dev/null 2>&1 || true
    ;;
esac
