#!/usr/bin/env bash
# augment_seeds.sh - the augmentation default of issue 20 on more seeds:
# scripts/cold_start.sh's ablation (classes 0-4 of Fashion-MNIST, labels
# ignored, ABL_EPOCHS x ABL_PAIRS pairs; inspected on each of classes 5-9
# against the other four, --features auto --score knn --k 10) for SEEDS and
# LISTS, one line each: seed, list, the five AUROCs, their mean, training
# CPU seconds. Needs the WORK folder of a cold_start.sh run (its export,
# seen/ and images-C/ folders).
# usage: scripts/augment_seeds.sh [WORK]   (default /tmp/siamese-cold-start)
#   SEEDS="1 2" LISTS="shift:2 shift:2,flip shift:2,flip,brightness:0.2"
set -euo pipefail
cd "$(dirname "$0")/.."
work=${1:-/tmp/siamese-cold-start}
bin=$PWD/build/siamese
SEEDS=${SEEDS:-1 2}
LISTS=${LISTS:-shift:2 shift:2,flip shift:2,flip,brightness:0.2}
ABL_EPOCHS=${ABL_EPOCHS:-2}
ABL_PAIRS=${ABL_PAIRS:-15000}
if [ ! -d "$work/seen" ] || [ ! -f "$work/fashion/classes.txt" ]; then
  echo "augment_seeds.sh: run scripts/cold_start.sh first (no $work/seen)" >&2
  exit 1
fi
mapfile -t classes <"$work/fashion/classes.txt"
mkdir -p "$work/seeds"
for seed in $SEEDS; do
  for list in $LISTS; do
    m=$work/seeds/$seed-${list//[:,.]/_}.siam
    if [ ! -s "$m" ]; then
      /usr/bin/time -f "%U %S" -o "$m.time" "$bin" train --layers conv32,pool,conv64,pool,conv128,gap,128 \
        --seed "$seed" --threads 2 --pairs augment --augment "$list" --data "$work/seen" \
        --train-pairs "$ABL_PAIRS" --epochs "$ABL_EPOCHS" --model "$m.tmp" --quiet
      mv "$m.tmp" "$m"
    fi
    all=()
    for c in 5 6 7 8 9; do
      name=${classes[$c]//\//-}
      all+=("$("$bin" inspect --threads 2 --model "$m" --features auto --score knn --k 10 \
        --reference "$work/fashion/train/$name" --images "$work/images-$c" |
        sed -n 's/^AUROC \([0-9.]*\) .*/\1/p')")
    done
    echo "seed $seed $list ${all[*]} mean $(printf '%s\n' "${all[@]}" |
      awk '{ s += $1 } END { printf "%.4f", s / NR }') cpu $(awk '{ print $1 + $2 }' "$m.time")"
  done
done
