#!/usr/bin/env bash
# Runs the OFREP tests (schema and the official OpenFeature provider) against an aurora-server binary:
#   tests/ofrep/run.sh build/debug/src/server/aurora-server
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
exec bash "$here/../../scripts/node-tests.sh" "$here" "${1:?usage: $0 PATH/TO/aurora-server}" schema.test.mjs provider.test.mjs
