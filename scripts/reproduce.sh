#!/usr/bin/env bash
# reproduce.sh - the notebook end to end: train 25 epochs, evaluate at the
# notebook's thresholds 0.5 and 0.3 with every picture, and draw test pairs
# with their distances, all wrong ones too. Outputs go to OUT (default
# docs/results), which the README shows.
# usage: scripts/reproduce.sh [OUT]
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-docs/results}
mkdir -p "$out"
[ -x build/siamese ] || scripts/setup.sh
bin=build/siamese

start=$(date +%s.%N)
"$bin" train --epochs 25 --seed 42 --model "$out/model.siam" --history "$out/history.csv" \
  | tee "$out/train.txt"
end=$(date +%s.%N)
echo "training took $(awk -v a="$start" -v b="$end" "BEGIN {printf \"%.1f\", b - a}") s" | tee -a "$out/train.txt"

for t in 0.5 0.3; do
  "$bin" eval --model "$out/model.siam" --threshold "$t" --sweep \
    --heatmap "$out/heatmap-$t.png" --roc "$out/roc-$t.png" | tee "$out/eval-$t.txt"
  "$bin" eval --model "$out/model.siam" --threshold "$t" --json >"$out/eval-$t.json"
done

"$bin" show-pairs --model "$out/model.siam" --split test --count 10 --threshold 0.5 \
  --out "$out/pairs-test.png" | tee "$out/pairs-test.txt"
"$bin" show-pairs --model "$out/model.siam" --split test --count 10 --threshold 0.5 \
  --only-errors --out "$out/pairs-errors.png" | tee "$out/pairs-errors.txt"
rm -f "$out/model.siam" # 1 MB of weights: rebuilt by this script, not kept in git
echo "results in $out"
