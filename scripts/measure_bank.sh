#!/usr/bin/env bash
# measure_bank.sh - what the patch score's --bank costs and buys (issue 19):
# for each bank size, the local-defect set of scripts/inspect_transfer.sh
# (its WORK: defects/ and the conv model of group A, conv-A.siam; run that
# script first) scored with --score patch: mean image AUROC and pixel AUROC
# over the five classes; and the speed run: 1,000 test Sandals against the
# 6,000 training Sandals (294,000 positions before the coreset) on THREADS
# threads and on 1, CPU seconds (user + system), wall seconds and peak RSS
# (/usr/bin/time). The machine may be shared: CPU time is the figure to
# compare; wall is what it was. Writes the section "Bank size and speed
# (issue 19)" of OUT/inspect.md (the other sections are kept).
# usage: scripts/measure_bank.sh [OUT] [WORK]
#   OUT default docs/results; WORK default /tmp/siamese-inspect-transfer
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-docs/results}
work=${2:-/tmp/siamese-inspect-transfer}
bin=$PWD/build/siamese
THREADS=${THREADS:-2}
BANKS=${BANKS:-"256 1024 2048 4096 8192"}
model="$work/conv-A.siam"
[ -s "$model" ] && [ -d "$work/defects" ] || { echo "run scripts/inspect_transfer.sh first" >&2; exit 1; }
mapfile -t classes <"$work/fashion/classes.txt"
speed="$work/speed"
if [ ! -d "$speed/images/good" ]; then
  mkdir -p "$speed/images"
  ln -sfn "$work/fashion/train/Sandal" "$speed/reference"
  ln -sfn "$work/fashion/test/Sandal" "$speed/images/good"
fi
mean() { awk 'BEGIN { for (i = 1; i < ARGC; i++) s += ARGV[i]; printf "%.4f", s / (ARGC - 1) }' "$@"; }
# timed NAME THREADS ARGS...: "cpu wall rss_mib" of one inspect run
timed() {
  local name=$1 th=$2
  shift 2
  /usr/bin/time -f "%U %S %e %M" -o "$work/bank-$name.time" "$bin" inspect --threads "$th" "$@" \
    >"$work/bank-$name.txt"
  awk '{ printf "%.2f %.2f %.0f\n", $1 + $2, $3, $4 / 1024 }' "$work/bank-$name.time"
}
section="$work/bank-section.md"
{
  echo "## Bank size and speed (issue 19)"
  echo
  echo "Written by \`scripts/measure_bank.sh\`. \`--score patch\` with the conv model of"
  echo "group A (see above) at each \`--bank\`. Local defects: the set above, mean over the"
  echo "five classes of image and pixel AUROC, and the CPU seconds of the five runs."
  echo "Speed: 1,000 test Sandals against the 6,000 training Sandals (294,000 positions"
  echo "of 64 features before the coreset; decoding, embedding, coreset, calibration"
  echo "and search), CPU seconds (user + system), wall seconds and peak RSS. When the"
  echo "machine is shared with other jobs, compare CPU seconds: the wall seconds are"
  echo "what that run got, and the CPU seconds on $THREADS threads include the time"
  echo "the pool's threads spin waiting for each other (the 1-thread column is the work)."
  echo
  echo "| --bank | image AUROC | pixel AUROC | defect runs CPU s | speed: CPU s, $THREADS threads | wall s | peak RSS MiB | CPU s, 1 thread |"
  echo "|---|---|---|---|---|---|---|---|"
  for b in $BANKS; do
    im=() px=() cpu=()
    for c in 5 6 7 8 9; do
      d="$work/defects/${classes[$c]//\//-}"
      /usr/bin/time -f "%U %S" -o "$work/bank-def.time" "$bin" inspect --threads "$THREADS" \
        --reference "$d/train/good" --images "$d/test" --model "$model" --score patch --bank "$b" \
        --masks "$d/ground_truth" >"$work/bank-def.txt"
      im+=("$(sed -n 's/^AUROC \([0-9.]*\) .*/\1/p' "$work/bank-def.txt")")
      px+=("$(sed -n 's/^pixel AUROC \([0-9.]*\).*/\1/p' "$work/bank-def.txt")")
      cpu+=("$(awk '{ print $1 + $2 }' "$work/bank-def.time")")
    done
    read -r c2 w2 rss < <(timed "$b-$THREADS" "$THREADS" --reference "$speed/reference" \
      --images "$speed/images/good" --model "$model" --score patch --bank "$b")
    read -r c1 _ _ < <(timed "$b-1" 1 --reference "$speed/reference" --images "$speed/images/good" \
      --model "$model" --score patch --bank "$b")
    row="| $b | $(mean "${im[@]}") | $(mean "${px[@]}") | $(awk 'BEGIN { for (i = 1; i < ARGC; i++) s += ARGV[i]; printf "%.1f", s }' "${cpu[@]}") | $c2 | $w2 | $rss | $c1 |"
    echo "$row"
    echo "bank $b: $row" >&2
  done
  read -r ck wk rk < <(timed knn "$THREADS" --reference "$speed/reference" --images "$speed/images/good" \
    --model "$model" --score knn --k 10)
  echo
  echo "For comparison, the same speed run with \`--score knn --k 10\` on the pooled"
  echo "features: $ck CPU s, $wk s wall, peak RSS $rk MiB."
} >"$section"
table="$out/inspect.md"
scripts/put_section.sh "$table" "## Bank size and speed (issue 19)" "$section"
echo "wrote the section \"Bank size and speed (issue 19)\" of $table"
