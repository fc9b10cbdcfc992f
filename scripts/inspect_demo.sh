#!/usr/bin/env bash
# inspect_demo.sh - visual inspection on Fashion-MNIST, the README's
# walkthrough for every class: export the data as image folders, train
# the notebook's model (seed 42, 25 epochs, 2 threads), then for each class
# C: reference = C's training images, images = C's test images as good/
# plus the test images of the next three classes as defect types (the
# MVTec AD layout). inspect runs with the learned model and with raw pixels
# (--model none), each at its default score; the AUROC table goes to
# OUT/inspect.md (keeping its section "Classes the model never saw", which
# scripts/inspect_unseen.sh writes), the report and output of class 0
# beside it.
# usage: scripts/inspect_demo.sh [OUT] [WORK]
#   OUT  default docs/results; WORK (exported images, model) default
#   /tmp/siamese-inspect-demo, kept between runs
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-docs/results}
work=${2:-/tmp/siamese-inspect-demo}
[ -x build/siamese ] || scripts/setup.sh
bin=$PWD/build/siamese
mkdir -p "$out" "$work"

if [ ! -d "$work/fashion" ]; then
  echo "== export Fashion-MNIST as image folders" >&2
  "$bin" export --out "$work/fashion"
fi
if [ ! -s "$work/model.siam" ]; then
  echo "== train the notebook's model (seed 42, 25 epochs)" >&2
  "$bin" train --epochs 25 --seed 42 --threads 2 --data "$work/fashion" --model "$work/model.siam" \
    --quiet
fi

mapfile -t classes <"$work/fashion/classes.txt"
folder() { printf '%s' "${1//\//-}"; } # a class name as its folder name

table="$out/inspect.md"
keep="$work/never-seen.md" # inspect_unseen.sh's section, kept at the end
if [ -f "$table" ]; then
  awk '/^## Classes the model never saw$/ { on = 1 } on' "$table" >"$keep"
else
  : >"$keep"
fi
{
  echo "# Visual inspection on Fashion-MNIST: learned model against raw pixels"
  echo
  echo "Written by \`scripts/inspect_demo.sh\`. For each class C: reference = the 6,000"
  echo "training images of C; images = the 1,000 test images of C as \`good/\` and the"
  echo "1,000 test images of each of the next three classes as defect types. AUROC of"
  echo "\"anomalous\" over all 4,000 images; accuracy at each run's calibrated threshold"
  echo "(the 0.95 quantile of the references' leave-one-out scores). Learned: the"
  echo "notebook's model (seed 42, 25 epochs) at its default score, the distance to the"
  echo "references' mean embedding; raw pixels: \`--model none\` at its default, the"
  echo "distance to the nearest reference."
  echo
  echo "The model was trained on all ten classes, so every defect type here is a"
  echo "class it learned to separate. A user's defects are not known in training: for"
  echo "what to expect, see \"Classes the model never saw\" below."
  echo
  echo "| class (reference) | defect types | AUROC learned | AUROC raw pixels | accuracy learned | accuracy raw |"
  echo "|---|---|---|---|---|---|"
} >"$table"
sum_l=0 sum_r=0
for c in $(seq 0 9); do
  demo="$work/demo-$c"
  rm -rf "$demo"
  mkdir -p "$demo/images"
  ln -s "$work/fashion/train/$(folder "${classes[$c]}")" "$demo/reference"
  ln -s "$work/fashion/test/$(folder "${classes[$c]}")" "$demo/images/good"
  types=()
  for k in 1 2 3; do
    d=$(folder "${classes[$(((c + k) % 10))]}")
    ln -s "$work/fashion/test/$d" "$demo/images/$d"
    types+=("$d")
  done
  extra=()
  if [ "$c" -eq 0 ]; then extra=(--report "$out/inspect-report.png"); fi
  "$bin" inspect --reference "$demo/reference" --images "$demo/images" --model "$work/model.siam" \
    "${extra[@]}" >"$work/learned-$c.txt"
  "$bin" inspect --reference "$demo/reference" --images "$demo/images" --model none \
    >"$work/raw-$c.txt"
  auc() { sed -n 's/^AUROC \([0-9.]*\) .*/\1/p' "$1"; }
  acc() { sed -n 's/^AUROC [0-9.]*   accuracy \([0-9.]*\) .*/\1/p' "$1"; }
  l=$(auc "$work/learned-$c.txt") r=$(auc "$work/raw-$c.txt")
  echo "| ${classes[$c]} | ${types[*]} | $l | $r | $(acc "$work/learned-$c.txt") | $(acc "$work/raw-$c.txt") |" >>"$table"
  sum_l=$(awk -v a="$sum_l" -v b="$l" 'BEGIN { print a + b }')
  sum_r=$(awk -v a="$sum_r" -v b="$r" 'BEGIN { print a + b }')
  echo "class $c (${classes[$c]}): AUROC learned $l, raw $r" >&2
done
{
  echo "| **mean** | | **$(awk -v s="$sum_l" 'BEGIN { printf "%.4f", s / 10 }')** | **$(awk -v s="$sum_r" 'BEGIN { printf "%.4f", s / 10 }')** | | |"
} >>"$table"
if [ -s "$keep" ]; then
  { echo; cat "$keep"; } >>"$table"
fi
# The first class's full output (summary and the first ranks) for the README.
head -20 "$work/learned-0.txt" >"$out/inspect-0.txt"
echo "wrote $table, $out/inspect-report.png, $out/inspect-0.txt"
