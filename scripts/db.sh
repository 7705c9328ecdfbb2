#!/usr/bin/env bash
# scripts/db.sh connect [CONFIG]: a SQL shell on the configured database.
set -euo pipefail
cd "$(dirname "$0")/.."
config=${2:-}
driver=${DATABASE_DRIVER:-$( [ -n "$config" ] && sed -n 's/^ *driver: *\([a-z]*\).*/\1/p' "$config" | head -1 || true)}
driver=${driver:-sqlite}
if [ "$driver" = postgres ]; then
  url=${DATABASE_URL:-$( [ -n "$config" ] && sed -n 's/^ *url: *"\{0,1\}\([^"]*\)"\{0,1\}.*/\1/p' "$config" | head -1 || true)}
  exec psql "${url:?set DATABASE_URL or database.url}"
fi
path=${DATABASE_PATH:-$( [ -n "$config" ] && sed -n 's/^ *path: *"\{0,1\}\([^"]*\)"\{0,1\}.*/\1/p' "$config" | head -1 || true)}
exec sqlite3 "${path:-./data/aurora.db}"
