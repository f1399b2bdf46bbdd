#!/usr/bin/env bash
# Installs what building and testing Shoal needs, from Debian 12 packages only.
# Usage: scripts/install-deps.sh [--test]   (--test adds the test and benchmark tools)
set -euo pipefail

pkgs=(cmake ninja-build g++ pkg-config ccache
      libboost1.81-dev libabsl-dev libmimalloc-dev libspdlog-dev libfmt-dev catch2
      liblua5.1-0-dev lua-cjson-dev lua-bitop-dev libssl-dev openssl)
if [[ "${1:-}" == "--test" ]]; then
  # redis-py is the real client the tests use (pytest-xdist runs them in two workers);
  # redis-tools (redis-cli, redis-benchmark, redis-check-rdb) and libhiredis-dev
  # (benchmarks/zipf_cache) are for the tests and the side-by-side benchmarks. Debian's
  # redis-server 7.0 is the tests' reference (the RDB and DUMP interop tests start it on free
  # ports); its package would also start a service on port 6379, which the install below
  # prevents (policy-rc.d).
  # iproute2: `ss` shows the keepalive timer test_network.py checks (not in minimal images).
  pkgs+=(python3 python3-redis python3-pytest python3-pytest-xdist redis-tools redis-server libhiredis-dev
         iproute2)
fi

missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  SUDO=""
  [[ $(id -u) -ne 0 ]] && SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  # No package may start a service while it installs (Debian's policy-rc.d convention; only when
  # no policy is in place already): redis-server's would take port 6379.
  policy=/usr/sbin/policy-rc.d
  own_policy=0
  if [[ ! -e $policy ]]; then
    printf '#!/bin/sh\nexit 101\n' | $SUDO tee "$policy" >/dev/null
    $SUDO chmod 755 "$policy"
    own_policy=1
  fi
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" || status=$?
  ((own_policy)) && $SUDO rm -f "$policy"
  if [[ " ${missing[*]} " == *" redis-server "* ]] && command -v systemctl >/dev/null; then
    $SUDO systemctl disable redis-server >/dev/null 2>&1 || true
  fi
  exit "${status:-0}"
fi
