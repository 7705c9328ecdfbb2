#!/usr/bin/env bash
# Builds the aurora-server Debian package from a configured build (cpack -G DEB, installing to
# /usr), unpacks it into a temporary root with dpkg -x (no root needed, nothing touches the
# system), checks its contents, and starts the packaged server with the packaged config.
# usage: scripts/check-deb.sh [BUILD_DIR]      (default: build/ci)
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build/ci}
if [ ! -f "$build/CMakeCache.txt" ]; then
  echo "check-deb: $build is not a configured build directory" >&2
  exit 2
fi
work=$(mktemp -d "${TMPDIR:-/tmp}/aurora-check-deb.XXXXXX")
pid=""
cleanup() {
  if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

cmake -B "$build" -DCMAKE_INSTALL_PREFIX=/usr >/dev/null
cmake --build "$build" --target aurora_server_main aurora_cli -j "${JOBS:-2}" >/dev/null
(cd "$build" && cpack -G DEB -B "$work/out" >/dev/null)
deb=$(ls "$work"/out/aurora-server_*.deb)
echo "check-deb: built $(basename "$deb")"
dpkg-deb --info "$deb" | sed -n 's/^ *\(Package\|Version\|Depends\):/  \1:/p'
root="$work/root"
dpkg -x "$deb" "$root"
for f in usr/bin/aurora-server usr/bin/aurora etc/aurora/config.yaml lib/systemd/system/aurora-server.service; do
  if [ ! -e "$root/$f" ] && [ ! -e "$root/usr/$f" ]; then
    echo "check-deb: the package lacks $f" >&2
    (cd "$root" && find . -type f | sort) >&2
    exit 1
  fi
done
unit="$root/usr/lib/systemd/system/aurora-server.service"
[ -f "$unit" ] || unit="$root/lib/systemd/system/aurora-server.service"
grep -q '^ExecStart=/usr/bin/aurora-server --config /etc/aurora/config.yaml$' "$unit" || {
  echo "check-deb: unexpected ExecStart in the unit:" >&2; grep ExecStart "$unit" >&2; exit 1; }
dpkg-deb --info "$deb" | grep -q 'Depends:.*libargon2' || { echo "check-deb: Depends lacks libargon2" >&2; exit 1; }
"$root/usr/bin/aurora-server" --version
"$root/usr/bin/aurora" --version

# Start the packaged server with the packaged configuration, as the unit would (its working
# directory holds the data), on a free port.
mkdir -p "$work/state"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
(cd "$work/state" && SERVICE_PORT=$port exec "$root/usr/bin/aurora-server" --config "$root/etc/aurora/config.yaml" \
  >"$work/server.log" 2>&1) &
pid=$!
for _ in $(seq 1 100); do
  if curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1; then break; fi
  sleep 0.1
done
curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null || { echo "check-deb: the packaged server is not ready" >&2; cat "$work/server.log" >&2; exit 1; }
grep -q "admin key: aur_admin_" "$work/server.log" || { echo "check-deb: no first keys printed" >&2; cat "$work/server.log" >&2; exit 1; }
[ -f "$work/state/data/aurora.db" ] || { echo "check-deb: no database in the working directory" >&2; exit 1; }
kill "$pid"; wait "$pid" 2>/dev/null || true; pid=""
echo "check-deb: OK"
