#!/usr/bin/env bash
# Installs what is missing, builds and runs the whole test suite: the Catch2 unit tests and the
# integration tests (the real binary over TCP with redis-py), in three builds, after the include
# layering check (scripts/check_layers.sh):
#   scripts/test.sh            release, then ASan+UBSan, then TSan (what CI runs, ~21 min cold)
#   scripts/test.sh release    only the Release build (build/)
#   scripts/test.sh asan       only the ASan+UBSan build (build-asan/)
#   scripts/test.sh tsan       only the TSan build (build-tsan/)
set -euo pipefail
cd "$(dirname "$0")/.."
kinds=("$@")
((${#kinds[@]})) || kinds=(release asan tsan)
scripts/check_layers.sh
scripts/install-deps.sh --test
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
export TSAN_OPTIONS="${TSAN_OPTIONS:-halt_on_error=1:second_deadlock_stack=1}"
for kind in "${kinds[@]}"; do
  echo "=== $kind build: unit + integration tests ==="
  dir=$(scripts/build.sh "$kind" | tail -1)
  (cd "$dir" && ctest --output-on-failure -V)
done
