#!/usr/bin/env bash
# Builds the libFuzzer targets with clang and runs each for a fixed time.
# usage: scripts/fuzz.sh [SECONDS]   (make test runs it short, make fuzz long)
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-20}
if ! command -v clang++ >/dev/null 2>&1; then
  echo "fuzz: clang++ not found, fuzz runs skipped"
  exit 0
fi
cmake --preset fuzz >/dev/null
cmake --build --preset fuzz -j 2
for target in snapshot_decoder; do
  bin=build/fuzz/fuzz/aurora_${target/_decoder/}_fuzzer
  work=build/fuzz/corpus-run/$target
  mkdir -p "$work"
  # Seeds: the checked-in corpus plus every snapshot of the evaluation test data.
  cp -n fuzz/corpus/$target/* "$work"/ 2>/dev/null || true
  python3 - "$work" <<'PY'
import json, pathlib, sys
out = pathlib.Path(sys.argv[1])
for f in sorted(pathlib.Path("tests/engine/testdata").glob("*.json")):
    doc = json.loads(f.read_text())
    if isinstance(doc, dict) and "snapshot" in doc:
        (out / ("testdata_" + f.stem)).write_text(json.dumps(doc["snapshot"]))
PY
  echo "fuzz: $target for ${seconds}s"
  log=build/fuzz/$target.log
  if ! "$bin" -max_total_time="$seconds" -max_len=65536 -timeout=10 -rss_limit_mb=2048 \
      -dict=fuzz/snapshot.dict -print_final_stats=1 "$work" >"$log" 2>&1; then
    tail -60 "$log"
    echo "fuzz: $target FAILED (log: $log)"
    exit 1
  fi
  grep -E "stat::number_of_executed_units|stat::peak_rss_mb" "$log" | sed "s/^/fuzz: $target /"
done
