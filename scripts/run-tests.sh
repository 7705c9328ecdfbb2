#!/usr/bin/env bash
# Every test tier against real local servers: starts a throwaway PostgreSQL and an S3-compatible
# server (s3rver behind a SigV4-checking proxy, scripts/s3-test.sh) on 127.0.0.1, runs ctest for
# the given preset with AURORA_TEST_POSTGRES_DSN and AURORA_TEST_S3_ENDPOINT set, then the OFREP
# provider tests, then builds a separate project against the installed SDK; stops both servers.
# usage: scripts/run-tests.sh PRESET [ctest args...]
set -euo pipefail
cd "$(dirname "$0")/.."
preset=${1:-ci}
shift || true
export PGROOT=${PGROOT:-/tmp/aurora-pg-test-$$}
export S3ROOT=${S3ROOT:-/tmp/aurora-s3-test-$$}
cleanup() {
  bash scripts/pg-test.sh stop || true
  bash scripts/s3-test.sh stop || true
}
trap cleanup EXIT
AURORA_TEST_POSTGRES_DSN=$(bash scripts/pg-test.sh start)
export AURORA_TEST_POSTGRES_DSN
echo "run-tests: PostgreSQL at $AURORA_TEST_POSTGRES_DSN"
AURORA_TEST_S3_ENDPOINT=$(bash scripts/s3-test.sh start)
export AURORA_TEST_S3_ENDPOINT
echo "run-tests: S3 (s3rver) at $AURORA_TEST_S3_ENDPOINT"
ctest --preset "$preset" -j 2 --no-tests=error "$@"
# OpenFeature: the official OFREP provider and the OFREP schema against the real server.
bash tests/ofrep/run.sh "build/$preset/src/server/aurora-server"
# The API document: valid OpenAPI 3.1 (an npm validator) and complete operations.
bash tools/openapi-lint/run.sh
# OpenID Connect sign-in against a real OpenID provider (oidc-provider) on loopback.
bash tests/oidc/run.sh "build/$preset/src/server/aurora-server"
# The installed SDK package, consumed by a separate project (CMake and pkg-config).
bash scripts/check-install.sh "build/$preset"
# The Debian package of the server: built with cpack, unpacked with dpkg -x, started.
bash scripts/check-deb.sh "build/$preset"
