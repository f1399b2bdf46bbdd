#!/usr/bin/env bash
# Installs what is missing, builds Release and runs the whole test suite: the Catch2 unit tests
# and the integration tests (the real binary over TCP with redis-py).
#   scripts/test.sh          Release build (what CI runs)
#   scripts/test.sh asan     the same suite against an ASan+UBSan build
#   scripts/test.sh tsan     the same suite against a TSan build
set -euo pipefail
cd "$(dirname "$0")/.."
kind="${1:-release}"
scripts/install-deps.sh --test
dir=$(scripts/build.sh "$kind" | tail -1)
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
export TSAN_OPTIONS="${TSAN_OPTIONS:-halt_on_error=1:second_deadlock_stack=1}"
cd "$dir"
ctest --output-on-failure -V
