#!/usr/bin/env bash
# test.sh - set up, run the whole ctest suite, then the same suite again in
# an AddressSanitizer + UndefinedBehaviorSanitizer build, then fuzz the three
# readers (IDX files, model files, images) for 60 s each (scripts/fuzz.sh).
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh

echo "== tests (Release) =="
(cd build && ctest --output-on-failure -j2)

# The kernel trap under each thing a machine may preset: nothing, a modern
# core, a generic one (the test sets what else it needs itself).
echo "== blas test with OPENBLAS_CORETYPE unset, Haswell, Prescott =="
for core in "" Haswell Prescott; do
  if [ -z "$core" ]; then
    (cd build && env -u OPENBLAS_CORETYPE ctest --output-on-failure -R '^blas$' | tail -3) ||
      { echo "blas test failed with OPENBLAS_CORETYPE unset"; exit 1; }
  else
    (cd build && OPENBLAS_CORETYPE=$core ctest --output-on-failure -R '^blas$' | tail -3) ||
      { echo "blas test failed with OPENBLAS_CORETYPE=$core"; exit 1; }
  fi
done

echo "== tests (ASan + UBSan) =="
cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DSIAMESE_SANITIZE=ON >/dev/null
cmake --build build-asan -j"$(nproc)" >/dev/null
(cd build-asan && ASAN_OPTIONS=abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --output-on-failure -j2)

echo "== fuzzing (libFuzzer, 60 s per reader) =="
scripts/fuzz.sh 60
