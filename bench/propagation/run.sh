#!/usr/bin/env bash
# Propagation of writes to SDK clients (docs/benchmarks.md, "Propagation"): starts aurora-server
# (release build, SQLite in a temporary directory, authentication off) on loopback, creates one
# parameter, and runs aurora_propagation_bench for N streaming clients and for N polling clients:
# 200 writes each, one every 50 ms, latency from each write to each client's on_change callback.
#   usage: bench/propagation/run.sh ["1 100 1000" [WRITES [POLL_REFRESH_MS]]]
# make bench-propagation builds what it needs and runs this.
set -euo pipefail
cd "$(dirname "$0")/../.."
counts=${1:-"1 100 1000"}
writes=${2:-200}
refresh=${3:-1000}
server=build/release/src/server/aurora-server
bench=build/release/bench/propagation/aurora_propagation_bench
for f in "$server" "$bench"; do
  [ -x "$f" ] || { echo "build first: make bench-propagation" >&2; exit 1; }
done
# 1,000 clients hold ~3 descriptors each here and one each in the server.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
dir=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
# setsid: the server gets its own scheduler autogroup, so the clients' 1,000 threads waking at
# once share the CPUs with it as one group (as separate machines would) instead of crowding it out.
DATABASE_PATH=$dir/aurora.db SERVICE_PORT=$port SERVICE_BIND=127.0.0.1 AUTH_ENABLED=false \
  LOGGING_LEVEL=warn JOBS_ENABLED=false setsid "$server" >"$dir/server.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$dir"' EXIT
base=http://127.0.0.1:$port
for _ in $(seq 200); do curl -sf "$base/healthz" >/dev/null && break; sleep 0.05; done
curl -sf -X POST "$base/api/v1/attributes" -d '{"name":"user_id","dataType":"string"}' >/dev/null
id=$(curl -sf -X POST "$base/api/v1/parameters" \
  -d '{"name":"banner_text","dataType":"string","defaultValue":"value-0"}' |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')

echo "machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "| path | clients | writes | p50 ms | p99 ms | p99.9 ms | max ms | missed | write p50 ms | client-process CPU % | start-up ms |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
status=0
for n in $counts; do
  setsid -w "$bench" --endpoint "$base" --parameter-id "$id" --clients "$n" --writes "$writes" --mode stream || status=1
done
for n in $counts; do
  setsid -w "$bench" --endpoint "$base" --parameter-id "$id" --clients "$n" --writes "$writes" --mode poll \
    --refresh-ms "$refresh" || status=1
done
exit $status
