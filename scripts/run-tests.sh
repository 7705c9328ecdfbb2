#!/usr/bin/env bash
# Every test tier against real local servers: starts a throwaway PostgreSQL on 127.0.0.1,
# runs ctest for the given preset with AURORA_TEST_POSTGRES_DSN set, stops PostgreSQL again.
# usage: scripts/run-tests.sh PRESET [ctest args...]
set -euo pipefail
cd "$(dirname "$0")/.."
preset=${1:-ci}
shift || true
export PGROOT=${PGROOT:-/tmp/aurora-pg-test-$$}
cleanup() { bash scripts/pg-test.sh stop || true; }
trap cleanup EXIT
AURORA_TEST_POSTGRES_DSN=$(bash scripts/pg-test.sh start)
export AURORA_TEST_POSTGRES_DSN
echo "run-tests: PostgreSQL at $AURORA_TEST_POSTGRES_DSN"
ctest --preset "$preset" -j 2 --no-tests=error "$@"
# OpenFeature: the official OFREP provider and the OFREP schema against the real server.
bash tests/ofrep/run.sh "build/$preset/src/server/aurora-server"
