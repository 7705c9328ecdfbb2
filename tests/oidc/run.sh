#!/usr/bin/env bash
# Runs the OpenID Connect sign-in test (tests/oidc/oidc.test.mjs) against an aurora-server binary:
#   tests/oidc/run.sh build/debug/src/server/aurora-server
# Installs the pinned npm packages first (npm ci) when node_modules is missing or
# package-lock.json changed since the last install. Needs node >= 20 and npm.
# Exits non-zero when a test fails.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
if [[ $# -lt 1 ]]; then
  echo "usage: $0 PATH/TO/aurora-server" >&2
  exit 2
fi
bin="$1"
if [[ ! -x "$bin" || -d "$bin" ]]; then
  echo "$0: $bin is not an executable aurora-server" >&2
  exit 2
fi
bin="$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")"

if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  echo "$0: node (>= 20) and npm are required" >&2
  exit 2
fi
major="$(node -p 'process.versions.node.split(".")[0]')"
if (( major < 20 )); then
  echo "$0: node >= 20 is required, found $(node --version)" >&2
  exit 2
fi

cd "$here"
stamp="node_modules/.aurora-lock-sha256"
want="$(sha256sum package-lock.json | cut -d' ' -f1)"
if [[ ! -d node_modules || "$(cat "$stamp" 2>/dev/null || true)" != "$want" ]]; then
  npm ci --no-audit --no-fund
  echo "$want" > "$stamp"
fi

AURORA_SERVER_BIN="$bin" node --test oidc.test.mjs
