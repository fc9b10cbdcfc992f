#!/usr/bin/env bash
# test_valgrind.sh - a short train + eval + show-pairs under valgrind's
# memcheck: zero errors and zero definitely lost bytes. The run uses a small
# slice of the real data (the first 200 training and 100 test images), so
# the whole tool runs in seconds even under valgrind. Also test_gemm, whose
# vector kernels the sanitizer build leaves uninstrumented (CMakeLists.txt):
# here every load and store of the AVX2 path (valgrind has no AVX-512: it
# hides it, so auto means avx2) is checked against the heap blocks.
# usage: test_valgrind.sh SIAMESE_BINARY [TEST_GEMM_BINARY]
set -u
bin=$1
gemm_bin=${2:-}
. "$(dirname "$0")/testlib.sh"
command -v valgrind >/dev/null || { echo "FAIL: valgrind is not installed (scripts/setup.sh)"; exit 1; }

be32() { printf "\\x$(printf %02x $(($1 >> 24 & 255)))\\x$(printf %02x $(($1 >> 16 & 255)))\\x$(printf %02x $(($1 >> 8 & 255)))\\x$(printf %02x $(($1 & 255)))"; }
# slice PREFIX N: the first N images and labels of a real split.
slice() {
  set +o pipefail
  { be32 2051; be32 "$2"; be32 28; be32 28
    gzip -dc "$data/$1-images-idx3-ubyte.gz" | head -c $((16 + $2 * 784)) | tail -c +17; } |
    gzip >"$tmp/data/$1-images-idx3-ubyte.gz"
  { be32 2049; be32 "$2"
    gzip -dc "$data/$1-labels-idx1-ubyte.gz" | head -c $((8 + $2)) | tail -c +9; } |
    gzip >"$tmp/data/$1-labels-idx1-ubyte.gz"
}
mkdir "$tmp/data"
slice train 200
slice t10k 100

# vg NAME WANTED_EXIT ARGS...: runs the tool under memcheck.
vg() {
  local name=$1 want=$2
  shift 2
  local t0=$SECONDS
  OPENBLAS_NUM_THREADS=1 valgrind --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite \
    --log-file="$tmp/$name.vg" "$bin" "$@" >"$tmp/$name.out" 2>&1
  local rc=$?
  echo "$name: $((SECONDS - t0)) s"
  if [ $rc -eq "$want" ] && grep -q "ERROR SUMMARY: 0 errors" "$tmp/$name.vg" &&
    ! grep -q "definitely lost: [1-9]" "$tmp/$name.vg"; then
    pass=$((pass + 1))
  else
    fail=$((fail + 1))
    echo "FAIL: $name under valgrind: exit $rc (want $want)"
    cat "$tmp/$name.out"
    grep -E "ERROR SUMMARY|definitely lost|Invalid|uninitialised" "$tmp/$name.vg" | head -20
  fi
}

d=(--data "$tmp/data")
vg train 0 train "${d[@]}" --epochs 1 --batch 32 --model "$tmp/m.siam" --history "$tmp/h.csv"
vg resume 0 train "${d[@]}" --resume --epochs 2 --model "$tmp/m.siam" --threads 1
vg eval 0 eval "${d[@]}" --model "$tmp/m.siam" --sweep --heatmap "$tmp/hm.png" --roc "$tmp/roc.png"
vg json 0 eval "${d[@]}" --model "$tmp/m.siam" --json
vg show 0 show-pairs "${d[@]}" --count 4 --out "$tmp/p.png"
vg show_model 0 show-pairs "${d[@]}" --model "$tmp/m.siam" --only-errors --count 4 --out "$tmp/e.png"
vg bad_model 1 eval "${d[@]}" --model "$tmp/h.csv" # refused cleanly: exit 1, no errors
if [ -n "$gemm_bin" ]; then
  t0=$SECONDS
  # --partial-loads-ok=no: a vector load that runs past a block is an
  # error even when its first bytes are the block's
  valgrind --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite \
    --partial-loads-ok=no --log-file="$tmp/gemm.vg" "$gemm_bin" >"$tmp/gemm.out" 2>&1
  rc=$?
  echo "gemm: $((SECONDS - t0)) s"
  if [ $rc -eq 0 ] && grep -q "ERROR SUMMARY: 0 errors" "$tmp/gemm.vg"; then
    pass=$((pass + 1))
  else
    fail=$((fail + 1))
    echo "FAIL: test_gemm under valgrind: exit $rc"
    tail -5 "$tmp/gemm.out"
    grep -E "ERROR SUMMARY|Invalid|uninitialised" "$tmp/gemm.vg" | head -20
  fi
fi
grep -q "Epoch 2/2" "$tmp/resume.out" && pass=$((pass + 1)) || { fail=$((fail + 1)); echo "FAIL: resume output"; }

finish
