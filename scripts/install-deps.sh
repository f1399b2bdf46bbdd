#!/usr/bin/env bash
# Installs what building and testing Shoal needs, from Debian 12 packages only.
# Usage: scripts/install-deps.sh [--test]   (--test adds the test and benchmark tools)
set -euo pipefail

pkgs=(cmake ninja-build g++ pkg-config ccache
      libboost1.81-dev libabsl-dev libmimalloc-dev libspdlog-dev libfmt-dev catch2
      liblua5.1-0-dev lua-cjson-dev lua-bitop-dev)
if [[ "${1:-}" == "--test" ]]; then
  # redis-py is the real client the tests use; redis-tools (redis-cli, redis-benchmark) and
  # libhiredis-dev (benchmarks/zipf_cache) are for the side-by-side benchmarks. Debian's
  # redis-server, for validating the suite against Redis 7.0 and as the benchmarks' reference, is
  # left to install by hand: its package starts a service on port 6379.
  pkgs+=(python3 python3-redis python3-pytest redis-tools libhiredis-dev)
fi

missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  SUDO=""
  [[ $(id -u) -ne 0 ]] && SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
