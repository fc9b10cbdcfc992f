#!/usr/bin/env bash
# inspect_unseen.sh - visual inspection on Fashion-MNIST as a user meets it:
# the defects are classes the model never saw in training. Exports the data
# as image folders, builds a data set of five classes only (T-shirt/top,
# Trouser, Pullover, Dress, Coat; train/ and test/ are links to the exported
# class folders), trains the notebook's model on it (seed 42, 25 epochs,
# 2 threads), then for each class C of a group of five (the five never seen,
# and for comparison the five trained on): reference = C's training images,
# images = C's test images as good/ plus the test images of the group's
# other four classes as defect types. inspect runs with the learned model
# (centroid, and knn with k = 10) and with raw pixels (--model none, knn
# with k = 10). The two tables replace the section "Classes the model never
# saw" of OUT/inspect.md (scripts/inspect_demo.sh writes what comes before
# and keeps this section; scripts/inspect_transfer.sh's comes after).
# usage: scripts/inspect_unseen.sh [OUT] [WORK]
#   OUT  default docs/results; WORK (exported images, data set, model)
#   default /tmp/siamese-inspect-unseen, kept between runs
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-docs/results}
work=${2:-/tmp/siamese-inspect-unseen}
[ -x build/siamese ] || scripts/setup.sh
bin=$PWD/build/siamese
mkdir -p "$out" "$work"

if [ ! -d "$work/fashion" ]; then
  echo "== export Fashion-MNIST as image folders" >&2
  "$bin" export --out "$work/fashion"
fi
mapfile -t classes <"$work/fashion/classes.txt"
folder() { printf '%s' "${1//\//-}"; } # a class name as its folder name
seen=(0 1 2 3 4)
unseen=(5 6 7 8 9)

# The training set: the seen classes only, in both splits.
if [ ! -f "$work/seen/classes.txt" ]; then
  rm -rf "$work/seen"
  mkdir -p "$work/seen/train" "$work/seen/test"
  for c in "${seen[@]}"; do
    f=$(folder "${classes[$c]}")
    ln -s "$work/fashion/train/$f" "$work/seen/train/$f"
    ln -s "$work/fashion/test/$f" "$work/seen/test/$f"
  done
  for c in "${seen[@]}"; do printf '%s\n' "${classes[$c]}"; done >"$work/seen/classes.txt.tmp"
  mv "$work/seen/classes.txt.tmp" "$work/seen/classes.txt"
fi
if [ ! -s "$work/model5.siam" ]; then
  echo "== train the notebook's model on five classes (seed 42, 25 epochs)" >&2
  "$bin" train --epochs 25 --seed 42 --threads 2 --data "$work/seen" --model "$work/model5.siam" \
    --quiet
fi

auc() { sed -n 's/^AUROC \([0-9.]*\) .*/\1/p' "$1"; }
# One group's table on stdout: a row per class, then the means.
group() {
  local name=$1
  shift
  local members=("$@") sum_c=0 sum_k=0 sum_r=0
  echo "| class (reference) | defect types | learned centroid | learned 10-NN | raw pixels 10-NN |"
  echo "|---|---|---|---|---|"
  for c in "${members[@]}"; do
    demo="$work/demo-$c"
    rm -rf "$demo"
    mkdir -p "$demo/images"
    ln -s "$work/fashion/train/$(folder "${classes[$c]}")" "$demo/reference"
    ln -s "$work/fashion/test/$(folder "${classes[$c]}")" "$demo/images/good"
    types=()
    for d in "${members[@]}"; do
      [ "$d" = "$c" ] && continue
      f=$(folder "${classes[$d]}")
      ln -s "$work/fashion/test/$f" "$demo/images/$f"
      types+=("${classes[$d]}")
    done
    "$bin" inspect --reference "$demo/reference" --images "$demo/images" --model "$work/model5.siam" \
      --score centroid >"$work/centroid-$c.txt"
    "$bin" inspect --reference "$demo/reference" --images "$demo/images" --model "$work/model5.siam" \
      --score knn --k 10 >"$work/knn-$c.txt"
    "$bin" inspect --reference "$demo/reference" --images "$demo/images" --model none \
      --score knn --k 10 >"$work/raw-$c.txt"
    local l k r
    l=$(auc "$work/centroid-$c.txt") k=$(auc "$work/knn-$c.txt") r=$(auc "$work/raw-$c.txt")
    local list
    list=$(printf '%s, ' "${types[@]}")
    echo "| ${classes[$c]} | ${list%, } | $l | $k | $r |"
    sum_c=$(awk -v a="$sum_c" -v b="$l" 'BEGIN { print a + b }')
    sum_k=$(awk -v a="$sum_k" -v b="$k" 'BEGIN { print a + b }')
    sum_r=$(awk -v a="$sum_r" -v b="$r" 'BEGIN { print a + b }')
    echo "$name, class $c (${classes[$c]}): AUROC centroid $l, 10-NN $k, raw 10-NN $r" >&2
  done
  local n=${#members[@]}
  mean() { awk -v s="$1" -v n="$n" 'BEGIN { printf "%.4f", s / n }'; }
  mean_c=$(mean "$sum_c") mean_k=$(mean "$sum_k") mean_r=$(mean "$sum_r") # for the verdict
  echo "| **mean** | | **$mean_c** | **$mean_k** | **$mean_r** |"
}

section="$work/section.md"
{
  echo "## Classes the model never saw"
  echo
  echo "Written by \`scripts/inspect_unseen.sh\`. The table above flatters the learned"
  echo "model: it was trained on all ten classes, so every defect type was a class it"
  echo "had learned to separate. A user's defects are not known when the model is"
  echo "trained. Here the notebook's model (seed 42, 25 epochs) is trained on five"
  echo "classes only (T-shirt/top, Trouser, Pullover, Dress, Coat). For each class C"
  echo "of a group of five: reference = the 6,000 training images of C; images = the"
  echo "1,000 test images of C as \`good/\` and the 1,000 test images of each of the"
  echo "group's other four classes as defect types (5,000 images). AUROC of"
  echo "\"anomalous\"; learned: the five-class model, scoring by the distance to the"
  echo "references' mean embedding (centroid) or the mean distance to the 10 nearest"
  echo "references (\`--score knn --k 10\`); raw pixels: \`--model none --score knn --k 10\`."
  echo
  echo "### Never seen in training: what a user should expect"
  echo
  group "never seen" "${unseen[@]}"
  echo
  if awk -v r="$mean_r" -v c="$mean_c" -v k="$mean_k" 'BEGIN { exit !(r > c && r > k) }'; then
    echo "On classes the model never saw, raw pixels beat the learned dense embedding:"
  else
    echo "On classes the model never saw, the learned embedding beats raw pixels:"
  fi
  echo "mean AUROC $mean_r for raw pixels against $mean_c (centroid) and $mean_k (10-NN)"
  echo "for the learned model. This is the figure a user should expect."
  echo
  echo "### Trained on (the same model, for comparison)"
  echo
  group "trained on" "${seen[@]}"
} >"$section"

table="$out/inspect.md"
if [ -f "$table" ]; then
  # Everything before this section, then the new section, then the sections
  # after it (scripts/inspect_transfer.sh's).
  awk '/^## Classes the model never saw$/ { exit } { print }' "$table" >"$table.tmp"
  awk '/^## Classes the model never saw$/ { on = 1; next } on && /^## / { after = 1 } after' \
    "$table" >"$table.after"
else
  : >"$table.tmp"
  : >"$table.after"
fi
# No blank line doubled: drop trailing blank lines, then one.
awk 'NF { for (; blank > 0; blank--) print ""; print; next } { blank++ }' "$table.tmp" >"$table.tmp2"
{
  cat "$table.tmp2"
  [ -s "$table.tmp2" ] && echo
  cat "$section"
  if [ -s "$table.after" ]; then
    echo
    cat "$table.after"
  fi
} >"$table"
rm -f "$table.tmp" "$table.tmp2" "$table.after"
echo "wrote the section \"Classes the model never saw\" of $table"
