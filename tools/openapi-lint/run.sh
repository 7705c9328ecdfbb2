#!/usr/bin/env bash
# Lints docs/openapi.yaml (tools/openapi-lint/lint.mjs) with the pinned validator.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
bash "$root/scripts/npm-deps.sh" "$here"
cd "$here"
node lint.mjs "$root/docs/openapi.yaml"
