#!/usr/bin/env bash
# Runs node:test files of a test directory against an aurora-server binary (given to the tests
# as AURORA_SERVER_BIN), after installing the directory's pinned npm packages.
# usage: scripts/node-tests.sh DIR PATH/TO/aurora-server TEST.mjs...
# Exits non-zero when a test fails.
set -euo pipefail
if [[ $# -lt 3 ]]; then
  echo "usage: $0 DIR PATH/TO/aurora-server TEST.mjs..." >&2
  exit 2
fi
dir="$1"
bin="$2"
shift 2
if [[ ! -x "$bin" || -d "$bin" ]]; then
  echo "$0: $bin is not an executable aurora-server" >&2
  exit 2
fi
bin="$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")"
bash "$(dirname "${BASH_SOURCE[0]}")/npm-deps.sh" "$dir"
cd "$dir"
AURORA_SERVER_BIN="$bin" node --test "$@"
