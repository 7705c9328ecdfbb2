#!/usr/bin/env bash
# A throwaway PostgreSQL 15 cluster on 127.0.0.1 for tests (initdb refuses root, so the server
# runs as the postgres user).
#   scripts/pg-test.sh start   prints the DSN of database "aurora_test"
#   scripts/pg-test.sh stop    stops the cluster and removes its files
# Env: PGPORT_TEST (default: a free port), PGROOT (default: /tmp/aurora-pg-<uid>).
set -euo pipefail
PGBIN=/usr/lib/postgresql/15/bin
PGROOT=${PGROOT:-/tmp/aurora-pg-$(id -u)}
run_as_pg() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
case "${1:-}" in
start)
  if [ ! -x "$PGBIN/initdb" ]; then
    echo "pg-test: PostgreSQL 15 is not installed (scripts/install-deps.sh installs it)" >&2
    exit 1
  fi
  if [ -f "$PGROOT/port" ] && run_as_pg "$PGBIN/pg_ctl" -D "$PGROOT/data" status >/dev/null 2>&1; then
    echo "postgresql://postgres@127.0.0.1:$(cat "$PGROOT/port")/aurora_test"
    exit 0
  fi
  PORT=${PGPORT_TEST:-$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')}
  rm -rf "$PGROOT"
  mkdir -p "$PGROOT"
  if [ "$(id -u)" = 0 ]; then chown postgres:postgres "$PGROOT"; fi
  chmod 700 "$PGROOT"
  run_as_pg "$PGBIN/initdb" -D "$PGROOT/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 >"$PGROOT/initdb.log"
  mkdir -p "$PGROOT/sock" && { [ "$(id -u)" != 0 ] || chown postgres:postgres "$PGROOT/sock"; }
  run_as_pg "$PGBIN/pg_ctl" -D "$PGROOT/data" -l "$PGROOT/server.log" -w -t 60 \
    -o "-p $PORT -c listen_addresses=127.0.0.1 -k $PGROOT/sock -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300" \
    start >/dev/null
  echo "$PORT" > "$PGROOT/port"
  run_as_pg "$PGBIN/createdb" -h 127.0.0.1 -p "$PORT" -U postgres aurora_test
  echo "postgresql://postgres@127.0.0.1:$PORT/aurora_test"
  ;;
stop)
  if [ -d "$PGROOT/data" ]; then
    run_as_pg "$PGBIN/pg_ctl" -D "$PGROOT/data" -m fast -w stop >/dev/null 2>&1 || true
  fi
  rm -rf "$PGROOT"
  ;;
*)
  echo "usage: $0 start|stop" >&2
  exit 64
  ;;
esac
