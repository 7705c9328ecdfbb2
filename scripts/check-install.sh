#!/usr/bin/env bash
# Installs the SDK from a configured build into a temporary prefix and builds and runs
# examples/consumer against it twice: with CMake (find_package(aurora CONFIG) -> aurora::sdk)
# and with pkg-config (aurora.pc). Proves the installed package is complete and self-contained.
# usage: scripts/check-install.sh [BUILD_DIR]      (default: build/ci)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
build=${1:-build/ci}
if [ ! -f "$build/CMakeCache.txt" ]; then
  echo "check-install: $build is not a configured build directory" >&2
  exit 2
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/aurora-check-install.XXXXXX")
trap 'rm -rf "$work"' EXIT
prefix="$work/prefix"

cmake --build "$build" --target aurora_sdk -j "${JOBS:-2}"
cmake --install "$build" --prefix "$prefix" --component sdk >/dev/null
echo "check-install: installed into $prefix:"
(cd "$prefix" && find . -type f -o -type l | sort | sed 's/^/  /')

# 1. CMake package.
cmake -S "$root/examples/consumer" -B "$work/consumer-cmake" -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_PREFIX_PATH="$prefix" >/dev/null
cmake --build "$work/consumer-cmake" >/dev/null
echo "check-install: find_package(aurora CONFIG) build:"
"$work/consumer-cmake/aurora_consumer"

# 2. pkg-config.
pcdir=$(dirname "$(find "$prefix" -name aurora.pc | head -n1)")
mkdir -p "$work/consumer-pc"
# shellcheck disable=SC2046
g++ -o "$work/consumer-pc/aurora_consumer" "$root/examples/consumer/main.cpp" \
  $(PKG_CONFIG_PATH="$pcdir" pkg-config --cflags --libs aurora)
echo "check-install: pkg-config build:"
LD_LIBRARY_PATH="$(PKG_CONFIG_PATH="$pcdir" pkg-config --variable=libdir aurora)" "$work/consumer-pc/aurora_consumer"
echo "check-install: OK"
