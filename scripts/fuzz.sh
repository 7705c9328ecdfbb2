#!/usr/bin/env bash
# Builds the libFuzzer targets with clang and runs each for a fixed time.
# usage: scripts/fuzz.sh [SECONDS] [TARGET...]   (make test runs it short, make fuzz long)
# Targets: snapshot_decoder, request_body, http_request. Each run starts from the checked-in
# seed corpus (fuzz/corpus/<target>/) plus what earlier runs found (build/fuzz/corpus-run/).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-20}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(snapshot_decoder request_body http_request)
if ! command -v clang++ >/dev/null 2>&1; then
  echo "fuzz: clang++ not found, fuzz runs skipped"
  exit 0
fi
declare -A binary=([snapshot_decoder]=aurora_snapshot_fuzzer [request_body]=aurora_request_body_fuzzer
                   [http_request]=aurora_http_request_fuzzer)
declare -A dict=([snapshot_decoder]=fuzz/snapshot.dict [request_body]=fuzz/request_body.dict
                 [http_request]=fuzz/http.dict)
cmake --preset fuzz >/dev/null
build_targets=()
for t in "${targets[@]}"; do build_targets+=("${binary[$t]}"); done
cmake --build --preset fuzz -j 2 --target "${build_targets[@]}"
summary=build/fuzz/summary.txt
: > "$summary"
for target in "${targets[@]}"; do
  bin=build/fuzz/fuzz/${binary[$target]}
  work=build/fuzz/corpus-run/$target
  mkdir -p "$work"
  cp -n fuzz/corpus/$target/* "$work"/ 2>/dev/null || true
  if [ "$target" = snapshot_decoder ]; then
    # Seeds: every snapshot of the evaluation test data too.
    python3 - "$work" <<'PY'
import json, pathlib, sys
out = pathlib.Path(sys.argv[1])
for f in sorted(pathlib.Path("tests/engine/testdata").glob("*.json")):
    doc = json.loads(f.read_text())
    if isinstance(doc, dict) and "snapshot" in doc:
        (out / ("testdata_" + f.stem)).write_text(json.dumps(doc["snapshot"]))
PY
  fi
  echo "fuzz: $target for ${seconds}s"
  log=build/fuzz/$target.log
  if ! "$bin" -max_total_time="$seconds" -max_len=65536 -timeout=10 -rss_limit_mb=2048 \
      -dict="${dict[$target]}" -print_final_stats=1 "$work" >"$log" 2>&1; then
    tail -60 "$log"
    echo "fuzz: $target FAILED (log: $log)"
    exit 1
  fi
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
  echo "fuzz: $target clean: $execs executions in ${seconds}s" | tee -a "$summary"
done
