#!/usr/bin/env bash
# Installs the Debian packages Aurora needs, and only those that are missing.
# Idempotent: when everything is present it returns in about a second without touching apt.
set -euo pipefail

packages=(
  g++ cmake ninja-build make pkg-config git
  libboost1.81-dev libssl-dev zlib1g-dev
  libpqxx-dev libpq-dev postgresql-15
  libsqlite3-dev sqlite3 liblmdb-dev
  libyaml-cpp-dev nlohmann-json3-dev libre2-dev
  libcurl4-openssl-dev libargon2-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  clang libclang-rt-14-dev
  wrk nodejs npm curl dpkg-dev
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    # nodejs/npm may come from outside Debian's packages on some images; a working binary is enough.
    case "$p" in
      nodejs) command -v node >/dev/null 2>&1 && continue ;;
      npm) command -v npm >/dev/null 2>&1 && continue ;;
    esac
    missing+=("$p")
  fi
done

if ((${#missing[@]} == 0)); then
  exit 0
fi

echo "install-deps: installing ${missing[*]}"
SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO=sudo; fi
# postgresql-common would create and start a 'main' cluster on 5432; tests make their own clusters.
if [ ! -e /etc/postgresql-common/createcluster.conf ]; then
  $SUDO mkdir -p /etc/postgresql-common
  echo "create_main_cluster = false" | $SUDO tee /etc/postgresql-common/createcluster.conf >/dev/null
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
