#!/usr/bin/env bash
# A throwaway S3-compatible server on 127.0.0.1 for tests and local development: s3rver (npm,
# tools/s3/) with the bucket "aurora-test", behind tools/s3/sigv4-proxy.js, which checks every
# request's AWS Signature V4 (s3rver itself does not). Credentials: S3RVER / S3RVER, region
# us-east-1, path-style addressing.
#   scripts/s3-test.sh start   prints the endpoint (the proxy), e.g. http://127.0.0.1:41234
#   scripts/s3-test.sh stop    stops both and removes their files
# Env: S3ROOT (default /tmp/aurora-s3-<uid>), S3_TEST_BUCKET (default aurora-test).
set -euo pipefail
cd "$(dirname "$0")/.."
S3ROOT=${S3ROOT:-/tmp/aurora-s3-$(id -u)}
BUCKET=${S3_TEST_BUCKET:-aurora-test}
TOOLS=tools/s3

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

stop_all() {
  for name in proxy s3rver; do
    if alive "$S3ROOT/$name.pid"; then
      kill "$(cat "$S3ROOT/$name.pid")" 2>/dev/null || true
      for _ in $(seq 50); do alive "$S3ROOT/$name.pid" || break; sleep 0.1; done
    fi
  done
}

case "${1:-}" in
start)
  if alive "$S3ROOT/proxy.pid" && alive "$S3ROOT/s3rver.pid" && [ -f "$S3ROOT/endpoint" ]; then
    cat "$S3ROOT/endpoint"
    exit 0
  fi
  if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
    echo "s3-test: node and npm are needed (scripts/install-deps.sh installs them)" >&2
    exit 1
  fi
  if [ ! -x "$TOOLS/node_modules/.bin/s3rver" ] || [ ! -d "$TOOLS/node_modules/aws4" ]; then
    (cd "$TOOLS" && npm ci --no-audit --no-fund --loglevel=error >&2)
  fi
  stop_all
  rm -rf "$S3ROOT"
  mkdir -p "$S3ROOT/data"
  S3PORT=$(free_port)
  PROXYPORT=$(free_port)
  nohup node "$TOOLS/node_modules/.bin/s3rver" -d "$S3ROOT/data" -a 127.0.0.1 -p "$S3PORT" \
    --no-vhost-buckets --configure-bucket "$BUCKET" --silent >"$S3ROOT/s3rver.log" 2>&1 &
  echo $! > "$S3ROOT/s3rver.pid"
  nohup node "$TOOLS/sigv4-proxy.js" --listen "$PROXYPORT" --target "$S3PORT" \
    >"$S3ROOT/proxy.log" 2>&1 &
  echo $! > "$S3ROOT/proxy.pid"
  # Ready when the bucket answers through the proxy (403 AccessDenied for an unsigned request).
  for _ in $(seq 100); do
    code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$S3PORT/$BUCKET" || true)
    pcode=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PROXYPORT/__proxy/stats" || true)
    if [ "$code" = 200 ] && [ "$pcode" = 200 ]; then
      echo "http://127.0.0.1:$PROXYPORT" | tee "$S3ROOT/endpoint"
      exit 0
    fi
    sleep 0.1
  done
  echo "s3-test: the S3 server did not come up; logs in $S3ROOT" >&2
  cat "$S3ROOT/s3rver.log" "$S3ROOT/proxy.log" >&2 || true
  stop_all
  exit 1
  ;;
stop)
  stop_all
  rm -rf "$S3ROOT"
  ;;
*)
  echo "usage: $0 start|stop" >&2
  exit 64
  ;;
esac
