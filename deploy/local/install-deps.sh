#!/usr/bin/env bash
# Installs the Debian 12 packages Flywheel builds and runs with, skipping those already present.
#   install-deps.sh               everything: the build, the tests, the local suite
#   install-deps.sh --build-only  what building the binaries needs (the container image's build)
set -euo pipefail
build_packages=(
  build-essential cmake pkg-config
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler grpc-proto
  libabsl-dev libssl-dev libmysqlcppconn-dev libgtest-dev prometheus-cpp-dev libjemalloc-dev libjwt-dev libcsv-dev
  libcurl4-openssl-dev
)
packages=("${build_packages[@]}")
missing=()
case "${1:-}" in
  --build-only) ;;
  "")
    packages+=(openssl clang libclang-rt-14-dev ccache mariadb-server mariadb-client gawk)
    # The webhook tests receive deliveries with a small HTTP server of their own.
    packages+=(libmicrohttpd-dev)
    # Node.js and npm run the manifest checks; any installed Node.js will do (Debian's if none).
    command -v node >/dev/null || missing+=(nodejs)
    command -v npm >/dev/null || missing+=(npm)
    ;;
  *) echo "usage: install-deps.sh [--build-only]" >&2; exit 2 ;;
esac
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
echo "installing: ${missing[*]}"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# The packaged MariaDB must not start a system service: Flywheel runs its own private instance.
if [ ! -e /usr/sbin/policy-rc.d ]; then
  printf '#!/bin/sh\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d >/dev/null
  $SUDO chmod +x /usr/sbin/policy-rc.d
  trap '$SUDO rm -f /usr/sbin/policy-rc.d' EXIT
fi
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
