#!/usr/bin/env bash
# fuzz.sh - fuzz the IDX reader, the model-file reader and the image loader
# with libFuzzer (clang, ASan + UBSan), each for SECONDS (default 60).
# Seeds: the committed corpus (tests/fuzz/corpus/) plus real files: the real
# test labels, cut-down real image files, and a model file trained here.
# Any crash, leak, timeout or sanitizer report fails; the input that caused
# it is left in build-fuzz/ (crash-*, leak-*, timeout-*): fix the bug and
# add the input to tests/fuzz/corpus/<target>/ so every ctest run replays
# it.
# usage: scripts/fuzz.sh [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-60}
command -v clang >/dev/null || { echo "fuzz.sh: clang is missing (scripts/setup.sh installs it)" >&2; exit 1; }

cmake -S . -B build-fuzz -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=Debug -DSIAMESE_FUZZ=ON >/dev/null
cmake --build build-fuzz -j"$(nproc)" >/dev/null

data=${SIAMESE_DATA:-/usr/share/datasets/fashion-mnist}
work=build-fuzz/corpus
rm -rf "$work"
mkdir -p "$work/idx" "$work/model" "$work/image"
cp tests/fuzz/corpus/idx/* "$work/idx/"
cp tests/fuzz/corpus/model/* "$work/model/"
cp tests/fuzz/corpus/image/* "$work/image/"
if [ -f "$data/t10k-labels-idx1-ubyte.gz" ]; then
  cp "$data/t10k-labels-idx1-ubyte.gz" "$work/idx/real-t10k-labels.gz"
  # The real images file, cut to its first 5 images with a matching header.
  # (head stops reading early: gzip's SIGPIPE is expected, not a failure)
  { printf '\x00\x00\x08\x03\x00\x00\x00\x05\x00\x00\x00\x1c\x00\x00\x00\x1c'
    (set +o pipefail; gzip -dc "$data/t10k-images-idx3-ubyte.gz" | head -c $((16 + 5 * 784)) |
      tail -c +17); } >"$work/idx/real-5-images"
  gzip -c "$work/idx/real-5-images" >"$work/idx/real-5-images.gz"
  build/siamese train --epochs 1 --train-pairs 500 --data "$data" \
    --model "$work/model/real.siam" --quiet 2>/dev/null ||
    build-fuzz/siamese train --epochs 1 --train-pairs 500 --data "$data" \
      --model "$work/model/real.siam" --quiet
fi

status=0
for t in idx model image; do
  echo "== fuzzing the $t reader for $secs s =="
  # -max_len covers the real model file (1 MB); images stay small (64 KB)
  # so that the time goes to variety, not size. Leaks and >10 s inputs fail.
  max_len=1100000
  [ "$t" = image ] && max_len=65536
  if ! (cd build-fuzz && ASAN_OPTIONS=detect_leaks=1 ./tests/fuzz_$t -max_total_time="$secs" \
        -timeout=10 -rss_limit_mb=2048 -max_len=$max_len -print_final_stats=1 \
        "corpus/$t" 2>"fuzz-$t.log"); then
    echo "fuzz.sh: the $t reader failed; see build-fuzz/fuzz-$t.log:" >&2
    grep -E "ERROR|SUMMARY|Test unit written" "build-fuzz/fuzz-$t.log" >&2 || tail -20 "build-fuzz/fuzz-$t.log" >&2
    status=1
  else
    grep -E "stat::number_of_executed_units|stat::peak_rss_mb" "build-fuzz/fuzz-$t.log" | tr '\n' ' '
    echo
  fi
done
exit $status
