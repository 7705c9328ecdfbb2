#!/usr/bin/env bash
# Load tests of aurora-server with wrk on loopback (docs/benchmarks.md):
#   1. GET /api/v1/sdk/config with a matching If-None-Match (the 304 path SDKs poll)
#   2. GET /api/v1/sdk/config without it (200, the full snapshot)
#   3. POST /api/v1/evaluate for 5 parameters
# The server is pinned to CPU 0 and wrk to CPU 1. usage: bench/server/run.sh [SECONDS] [CONNECTIONS]
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds=${1:-10}
connections=${2:-64}
bin=build/release/src/server/aurora-server
[ -x "$bin" ] || { echo "build first: make server-build"; exit 1; }
dir=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
DATABASE_PATH=$dir/aurora.db SERVICE_PORT=$port SERVICE_BIND=127.0.0.1 AUTH_ENABLED=false LOGGING_LEVEL=warn \
  HTTP_IOTHREADS=${IO_THREADS:-1} HTTP_WORKERTHREADS=${WORKER_THREADS:-2} \
  taskset -c 0 "$bin" >"$dir/server.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$dir"' EXIT
base=http://127.0.0.1:$port
for _ in $(seq 100); do curl -sf "$base/healthz" >/dev/null && break; sleep 0.05; done
post() { curl -sf -X POST "$base/api/v1/$1" -d "$2" >/dev/null; }
post attributes '{"name":"user_id","dataType":"string"}'
post attributes '{"name":"country","dataType":"string"}'
post attributes '{"name":"age","dataType":"number"}'
for i in 0 1 2 3 4; do
  post parameters "{\"name\":\"p$i\",\"dataType\":\"boolean\",\"defaultValue\":false,\"rules\":[
    {\"id\":\"adults\",\"conditions\":[{\"attribute\":\"age\",\"operator\":\"greater_than_or_equal\",\"value\":18},
      {\"attribute\":\"country\",\"operator\":\"in\",\"value\":[\"US\",\"CA\",\"GB\"]}],\"value\":true,
     \"rollout\":{\"percentage\":50,\"hashAttribute\":\"user_id\"}}]}"
done
etag=$(curl -sI "$base/api/v1/sdk/config" | tr -d '\r' | sed -n 's/^[Ee][Tt]ag: //p')
cpu() { awk '{print $14+$15}' /proc/$pid/stat; }
run() {
  local name=$1; shift
  taskset -c 1 wrk -t1 -c"$connections" -d2s "$@" >/dev/null  # warm-up
  local before after out
  before=$(cpu)
  out=$(taskset -c 1 wrk -t1 -c"$connections" -d"${seconds}s" --latency "$@")
  after=$(cpu)
  local rps p50 p99 ticks
  rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
  p50=$(echo "$out" | awk '$1=="50%" {print $2}')
  p99=$(echo "$out" | awk '$1=="99%" {print $2}')
  ticks=$(getconf CLK_TCK)
  local cpu_s
  cpu_s=$(echo "scale=2; ($after - $before) / $ticks" | bc)
  local per_cpu
  per_cpu=$(echo "scale=0; $rps * $seconds / ($cpu_s + 0.001)" | bc)
  printf '| %-32s | %10s | %8s | %8s | %12s |\n' "$name" "$rps" "$p50" "$p99" "$per_cpu"
  echo "$out" | grep -E "Non-2xx|Socket errors" | sed 's/^/    /' || true
}
echo "| endpoint (c=$connections, ${seconds}s) | req/s | p50 | p99 | req per server-CPU-s |"
echo "|---|---:|---:|---:|---:|"
run "GET /sdk/config, If-None-Match (304)" -H "If-None-Match: $etag" "$base/api/v1/sdk/config"
run "GET /sdk/config (200, $(curl -s "$base/api/v1/sdk/config" | wc -c) B)" "$base/api/v1/sdk/config"
run "POST /evaluate, 5 parameters" -s bench/server/evaluate.lua "$base/api/v1/evaluate"
