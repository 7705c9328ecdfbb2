#!/usr/bin/env bash
# Installs the pinned npm packages of DIR (npm ci) when its node_modules is missing or its
# package-lock.json changed since the last install. Needs node >= 20 and npm.
# usage: scripts/npm-deps.sh DIR
set -euo pipefail
dir="$1"
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  echo "$0: node (>= 20) and npm are required" >&2
  exit 2
fi
major="$(node -p 'process.versions.node.split(".")[0]')"
if (( major < 20 )); then
  echo "$0: node >= 20 is required, found $(node --version)" >&2
  exit 2
fi
cd "$dir"
stamp="node_modules/.aurora-lock-sha256"
want="$(sha256sum package-lock.json | cut -d' ' -f1)"
if [[ ! -d node_modules || "$(cat "$stamp" 2>/dev/null || true)" != "$want" ]]; then
  npm ci --no-audit --no-fund
  echo "$want" > "$stamp"
fi
