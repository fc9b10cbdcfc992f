#!/usr/bin/env bash
# test.sh - set up, run the whole ctest suite, then the same suite again in
# an AddressSanitizer + UndefinedBehaviorSanitizer build, then fuzz the two
# file readers for 60 s each (scripts/fuzz.sh).
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh

echo "== tests (Release) =="
(cd build && ctest --output-on-failure -j2)

echo "== tests (ASan + UBSan) =="
cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DSIAMESE_SANITIZE=ON >/dev/null
cmake --build build-asan -j"$(nproc)" >/dev/null
(cd build-asan && ASAN_OPTIONS=abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --output-on-failure -j2)

echo "== fuzzing (libFuzzer, 60 s per reader) =="
scripts/fuzz.sh 60
