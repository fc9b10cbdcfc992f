#!/usr/bin/env bash
# bench_compare.sh - two binaries side by side in one run: `siamese bench`
# of OLD and NEW alternately, ROUNDS times each (a slow spell of a shared
# machine then hits both), and per measured line the median of each and
# NEW/OLD (seconds: below 1 is faster; GFLOP/s and images/s are not
# compared, their seconds are). Bench options (--layers, --steps) go to both.
# usage: scripts/bench_compare.sh OLD_BINARY NEW_BINARY [ROUNDS [bench options...]]
set -euo pipefail
old=$1 new=$2 rounds=${3:-3}
shift $(($# < 3 ? $# : 3))
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for r in $(seq "$rounds"); do
  for which in old new; do
    bin=$old
    [ "$which" = new ] && bin=$new
    echo "round $r/$rounds: $which ($bin)" >&2
    "$bin" bench "$@" 2>/dev/null >"$tmp/$which.$r" || { echo "bench failed: $bin" >&2; exit 1; }
  done
done
# A measured line: a label, then a number and its unit (s, ms or MB).
extract() { awk '{ for (i = 2; i <= NF; i++) if ($i ~ /^[0-9.]+$/ && ($(i+1) == "s" || $(i+1) == "ms" || $(i+1) == "MB")) {
  label = $1; for (j = 2; j < i; j++) label = label " " $j; print label "\t" $i "\t" $(i+1); break } }' "$@"; }
median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
printf '%-40s %10s %10s %8s\n' "measured (median of $rounds bench runs)" old new new/old
extract "$tmp/old.1" | while IFS=$'\t' read -r label _ unit; do
  o=$(for r in $(seq "$rounds"); do extract "$tmp/old.$r" | awk -F'\t' -v l="$label" '$1 == l { print $2 }'; done | median)
  n=$(for r in $(seq "$rounds"); do extract "$tmp/new.$r" | awk -F'\t' -v l="$label" '$1 == l { print $2 }'; done | median)
  u=${unit:0:1}
  [ "$unit" = ms ] && u=ms
  printf '%-40s %9s%s %9s%s %8.3f\n' "$label" "$o" "$u" "$n" "$u" "$(awk -v a="$o" -v b="$n" 'BEGIN { print (a > 0) ? b / a : 0 }')"
done
