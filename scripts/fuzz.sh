#!/usr/bin/env bash
# Builds the libFuzzer targets (tests/fuzz/) with clang-14 in build-fuzz/ and runs them.
# Usage: scripts/fuzz.sh [target|all] [seconds|-runs=N] [more libFuzzer flags...]
#   targets: request_parser reply_roundtrip listpack intset quicklist rdb_string rdb_value rdb_file
#            aof hll
#            (default: all, 10 s each)
#   scripts/fuzz.sh quicklist 600          ten minutes on the quicklist
#   scripts/fuzz.sh listpack -runs=10000000
# Each target starts from its committed seeds (tests/fuzz/corpus/<target>/) plus what earlier runs
# found (build-fuzz/corpus/<target>/, where new inputs go). A crash leaves its input in
# build-fuzz/artifacts/ and makes the script fail; add it to the seed corpus and a unit test.
set -euo pipefail
cd "$(dirname "$0")/.."

all=(request_parser reply_roundtrip listpack intset quicklist rdb_string rdb_value rdb_file aof hll)
target="${1:-all}"
budget="${2:-10}"
shift $(($# > 2 ? 2 : $#))
if [[ "$target" == all ]]; then targets=("${all[@]}"); else targets=("$target"); fi
for t in "${targets[@]}"; do
  [[ " ${all[*]} " == *" $t "* ]] || { echo "unknown fuzz target: $t" >&2; exit 2; }
done
case "$budget" in
  -*) limit=("$budget") ;;
  *) limit=("-max_total_time=$budget") ;;
esac

CXX="${CXX:-clang++-14}"
command -v "$CXX" >/dev/null || { echo "$CXX not found (apt-get install clang-14 libclang-rt-14-dev)" >&2; exit 2; }
export CCACHE_BASEDIR="${CCACHE_BASEDIR:-$PWD}"
# -O1 keeps the fuzzers fast while assert()s stay on (no NDEBUG).
CXX="$CXX" cmake -S . -B build-fuzz -G Ninja -DSHOAL_FUZZ=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g" >&2
ninja -C build-fuzz -j "${SHOAL_JOBS:-$(nproc)}" >&2

export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
mkdir -p build-fuzz/artifacts
for t in "${targets[@]}"; do
  mkdir -p "build-fuzz/corpus/$t"
  # Short inputs keep the structure targets fast (each checks the whole structure per operation).
  case "$t" in
    request_parser) max_len=4096 ;;
    reply_roundtrip) max_len=1024 ;;
    rdb_value) max_len=2048 ;;
    rdb_file) max_len=4096 ;;
    hll) max_len=2048 ;;
    *) max_len=512 ;;
  esac
  echo "=== fuzz $t (${limit[*]}) ===" >&2
  "build-fuzz/tests/fuzz/fuzz_$t" "build-fuzz/corpus/$t" "tests/fuzz/corpus/$t" \
    -artifact_prefix="build-fuzz/artifacts/$t-" -max_len="$max_len" -print_final_stats=1 \
    "${limit[@]}" "$@"
done
