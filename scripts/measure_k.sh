#!/usr/bin/env bash
# measure_k.sh - the k of `inspect --score knn`, measured: mean image AUROC
# over the unseen-classes protocol of scripts/inspect_transfer.sh (both
# groups: each unseen class as good against the other four) and over its
# local defects, for conv pooled features (`--features auto`) and raw
# pixels, at each k. Reuses the models and folders inspect_transfer.sh
# left in WORK (run it first).
#
#   usage: scripts/measure_k.sh WORK [K ...]     (default K: 1 3 5 10 20 50)
#   prints a Markdown table on stdout; progress on stderr.
set -eu
work=${1:?usage: measure_k.sh WORK [K ...]}
shift
ks=("$@")
[ ${#ks[@]} -gt 0 ] || ks=(1 3 5 10 20 50)
root=$(cd "$(dirname "$0")/.." && pwd)
bin=${SIAMESE:-$root/build/siamese}
threads=${THREADS:-2}
for f in conv-A.siam conv-B.siam defects; do
  [ -e "$work/$f" ] || { echo "measure_k.sh: $work/$f missing: run scripts/inspect_transfer.sh $work first" >&2; exit 1; }
done
auc() { sed -n 's/^AUROC \([0-9.]*\) .*/\1/p' "$1"; }
mean() { awk 'BEGIN { for (i = 1; i < ARGC; i++) s += ARGV[i]; printf "%.4f", s / (ARGC - 1) }' "$@"; }
out=$(mktemp)
trap 'rm -f "$out"' EXIT
# one cell: the mean AUROC of inspect over the folders, with the given model
cell() { # MODEL GLOB-OF-FOLDERS... -- K
  local model=$1 k=$2 kind=$3 v=() d
  shift 3
  for d in "$@"; do
    local io=(--reference "$d/reference" --images "$d/images")
    [ "$kind" = defects ] && io=(--reference "$d/train/good" --images "$d/test")
    local m=(--model none)
    [ "$model" = none ] || m=(--model "$model" --features auto)
    "$bin" inspect --threads "$threads" "${io[@]}" "${m[@]}" --score knn --k "$k" \
      --threshold 1 >"$out" 2>/dev/null || { echo "inspect failed on $d" >&2; exit 1; }
    v+=("$(auc "$out")")
  done
  mean "${v[@]}"
}
echo "| k | unseen A: conv pooled | unseen A: raw | unseen B: conv pooled | unseen B: raw | local defects: conv pooled | local defects: raw |"
echo "|---|---|---|---|---|---|---|"
for k in "${ks[@]}"; do
  echo "k = $k" >&2
  row="| $k"
  row+=" | $(cell "$work/conv-A.siam" "$k" unseen "$work"/unseen-A-*)"
  row+=" | $(cell none "$k" unseen "$work"/unseen-A-*)"
  row+=" | $(cell "$work/conv-B.siam" "$k" unseen "$work"/unseen-B-*)"
  row+=" | $(cell none "$k" unseen "$work"/unseen-B-*)"
  row+=" | $(cell "$work/conv-A.siam" "$k" defects "$work"/defects/*/)"
  row+=" | $(cell none "$k" defects "$work"/defects/*/)"
  echo "$row |"
done
