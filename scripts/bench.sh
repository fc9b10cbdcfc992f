#!/usr/bin/env bash
# bench.sh - how fast is training here? Runs `siamese train` for 3 epochs on
# the full data and prints: data-load seconds, the median seconds per epoch
# (training steps plus validation, from the history CSV), peak memory
# (/usr/bin/time -v) and the BLAS kernels and threads in use.
# usage: scripts/bench.sh [extra train options, e.g. --threads 1]
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x build/siamese ] || scripts/setup.sh
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

/usr/bin/time -v build/siamese train --epochs 3 --verbose --model "$tmp/bench.siam" \
  --history "$tmp/history.csv" "$@" >"$tmp/out" 2>"$tmp/err" || { cat "$tmp/err" >&2; exit 1; }

load=$(sed -n 's/^data: .*(loaded in \([0-9.]*\) s)$/\1/p' "$tmp/err")
median=$(awk -F, 'NR > 1 {print $4}' "$tmp/history.csv" | sort -g | sed -n 2p)
peak_kb=$(sed -n 's/^\s*Maximum resident set size (kbytes): //p' "$tmp/err")
echo "machine:        $(nproc) cores, $(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1)"
grep -E '^(OpenBLAS|threads)' "$tmp/err" | sed 's/^/blas:           /'
echo "data load:      ${load} s"
echo "epoch seconds:  $(awk -F, 'NR > 1 {printf "%s ", $4}' "$tmp/history.csv")(median ${median} s)"
echo "peak memory:    $((peak_kb / 1024)) MB"
grep '^Epoch' "$tmp/out"
