#!/usr/bin/env bash
# Builds Shoal. Usage: scripts/build.sh [release|asan|tsan] [ninja targets...]
#   release -> build/        asan -> build-asan/ (ASan+UBSan)        tsan -> build-tsan/
set -euo pipefail
cd "$(dirname "$0")/.."

kind="${1:-release}"
shift || true
case "$kind" in
  release) dir=build;      args=(-DCMAKE_BUILD_TYPE=Release) ;;
  asan)    dir=build-asan; args=(-DCMAKE_BUILD_TYPE=RelWithDebInfo -DSHOAL_SANITIZE=address) ;;
  tsan)    dir=build-tsan; args=(-DCMAKE_BUILD_TYPE=RelWithDebInfo -DSHOAL_SANITIZE=thread) ;;
  *) echo "unknown build kind: $kind" >&2; exit 2 ;;
esac
jobs="${SHOAL_JOBS:-$(nproc)}"
# ccache (when installed) keys on paths relative to the checkout, so clones in other folders on
# the same machine reuse each other's objects.
export CCACHE_BASEDIR="${CCACHE_BASEDIR:-$PWD}"
cmake -S . -B "$dir" -G Ninja "${args[@]}" >&2
ninja -C "$dir" -j "$jobs" "$@" >&2
echo "$dir"
