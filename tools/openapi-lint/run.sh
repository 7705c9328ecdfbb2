#!/usr/bin/env bash
# Lints docs/openapi.yaml (tools/openapi-lint/lint.mjs); installs the pinned validator first
# (npm ci) when node_modules is missing or package-lock.json changed. Needs node >= 20 and npm.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cd "$here"
stamp="node_modules/.aurora-lock-sha256"
want="$(sha256sum package-lock.json | cut -d' ' -f1)"
if [[ ! -d node_modules || "$(cat "$stamp" 2>/dev/null || true)" != "$want" ]]; then
  npm ci --no-audit --no-fund
  echo "$want" > "$stamp"
fi
node lint.mjs "$root/docs/openapi.yaml"
