#!/usr/bin/env bash
# Runs the OpenID Connect sign-in test (a real oidc-provider on loopback) against an aurora-server binary:
#   tests/oidc/run.sh build/debug/src/server/aurora-server
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
exec bash "$here/../../scripts/node-tests.sh" "$here" "${1:?usage: $0 PATH/TO/aurora-server}" oidc.test.mjs
