#!/usr/bin/env bash
# inspect_compare.sh - two binaries side by side on the patch score's speed
# run (issue 19: 1,000 test Sandals against the 6,000 training Sandals,
# 294,000 positions before the coreset, the default bank; the data and
# conv-A.siam of scripts/inspect_transfer.sh, laid out by
# scripts/measure_bank.sh): OLD and NEW alternately on 1 and on THREADS
# threads, ROUNDS times each (a slow spell of a shared machine then hits
# both), then per thread count the medians of CPU seconds (user + system),
# wall seconds and peak RSS, and NEW/OLD (below 1 is faster). CPU time is
# the figure to compare on a shared machine; wall is what it was. Fails
# when the two binaries' JSON outputs differ in any byte.
# usage: scripts/inspect_compare.sh OLD_BINARY NEW_BINARY [ROUNDS [WORK]]
#   ROUNDS default 5; WORK default /tmp/siamese-inspect-transfer
set -euo pipefail
old=$1 new=$2 rounds=${3:-5} work=${4:-/tmp/siamese-inspect-transfer}
THREADS=${THREADS:-2}
speed="$work/speed"
[ -s "$work/conv-A.siam" ] && [ -d "$speed/images/good" ] ||
  { echo "no $work/conv-A.siam or $speed: run scripts/inspect_transfer.sh and scripts/measure_bank.sh first" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for r in $(seq "$rounds"); do
  for th in 1 "$THREADS"; do
    for which in old new; do
      bin=$old
      [ "$which" = new ] && bin=$new
      echo "round $r/$rounds: $which, $th thread(s)" >&2
      /usr/bin/time -f "%U %S %e %M" -o "$tmp/$which.$th.$r.time" "$bin" inspect --threads "$th" \
        --reference "$speed/reference" --images "$speed/images/good" --model "$work/conv-A.siam" \
        --score patch --json >"$tmp/$which.$th.$r.json"
    done
    cmp -s "$tmp/old.$th.$r.json" "$tmp/new.$th.$r.json" ||
      { echo "the outputs differ ($th threads, round $r)" >&2; exit 1; }
  done
done
median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
# col WHICH TH FIELD: the medians over the rounds (cpu = user + system, wall, rss in MiB)
col() {
  for r in $(seq "$rounds"); do
    awk -v f="$3" '{ print f == "cpu" ? $1 + $2 : f == "wall" ? $3 : $4 / 1024 }' "$tmp/$1.$2.$r.time"
  done | median
}
printf '%-8s %-9s %9s %9s %8s   (medians of %d alternating rounds; outputs byte-identical)\n' \
  threads measure old new new/old "$rounds"
for th in 1 "$THREADS"; do
  for f in cpu wall rss; do
    o=$(col old "$th" $f) n=$(col new "$th" $f)
    awk -v t="$th" -v f="$f" -v o="$o" -v n="$n" \
      'BEGIN { printf "%-8s %-9s %9.2f %9.2f %8.3f\n", t, f (f == "rss" ? " MiB" : " s"), o, n, n / o }'
  done
done
