#!/usr/bin/env bash
# measure_conv.sh - what a convolutional base network buys (issue 18),
# measured with the tool, written to OUT/conv.md (default docs/results):
#  1. Fashion-MNIST, the notebook's pairs: the conv net
#     conv32,pool,conv64,pool,conv128,gap,128 against the notebook's dense
#     net, both trained for the same EPOCHS (default 5) with seed 1 on 2
#     threads, each with the Euclidean and the cosine head; test accuracy
#     at the suggested threshold, ROC AUC, EER, seconds per epoch.
#  2. Textures: photographs of real surfaces (skimage's brick, grass and
#     gravel, scripts/make_textures.py) cut into 32 x 32 patches; the same
#     two networks trained for TEX_EPOCHS (default 25) on their pairs; the
#     ROC AUC of same/different on the test pairs.
# Raw outputs stay in WORK (default /tmp/siamese-conv); a finished run is
# not redone. Needs python3 with skimage for the textures.
# usage: scripts/measure_conv.sh [OUT] [WORK]
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-docs/results}
work=${2:-/tmp/siamese-conv}
epochs=${EPOCHS:-5}
tex_epochs=${TEX_EPOCHS:-25}
conv=${CONV:-conv32,pool,conv64,pool,conv128,gap,128}
[ -x build/siamese ] || scripts/setup.sh
bin=$PWD/build/siamese
mkdir -p "$out" "$work"

# run NAME ARGS...: trains (unless done) and evaluates at the suggested
# threshold, --json.
run() {
  local name=$1
  shift
  if [ ! -s "$work/$name.json" ]; then
    echo "== $name: train $*" >&2
    "$bin" train --threads 2 --seed 1 --model "$work/$name.siam" --history "$work/$name.csv" \
      "$@" >"$work/$name.train.txt" 2>"$work/$name.train.err"
    "$bin" eval --model "$work/$name.siam" --json "${eval_data[@]}" >"$work/$name.json"
  fi
}
field() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print($2)" "$1"; }
# seconds per epoch: the median of the history's epoch times, from train's
# epoch lines ("... NN.Ns")
secs() { python3 - "$1" <<'EOF'
import re, statistics, sys
t = [float(m.group(1)) for m in re.finditer(r"(\d+(?:\.\d+)?)s\b", open(sys.argv[1]).read())]
print(f"{statistics.median(t):.1f}" if t else "?")
EOF
}
row() { # NAME LABEL
  local j=$work/$1.json
  printf '| %s | %s | %s | %s | %s |\n' "$2" \
    "$(field "$j" 'round(d["suggested"]["test_accuracy"], 4)')" \
    "$(field "$j" 'round(d["roc_auc"], 4)')" "$(field "$j" 'round(d["eer"], 4)')" \
    "$(secs "$work/$1.train.txt")"
}

eval_data=()
run fm-dense-euclidean --epochs "$epochs"
run fm-conv-euclidean --epochs "$epochs" --layers "$conv"
run fm-dense-cosine --epochs "$epochs" --distance cosine
run fm-conv-cosine --epochs "$epochs" --distance cosine --layers "$conv"

tex=$work/textures
[ -s "$tex/classes.txt" ] || python3 scripts/make_textures.py "$tex" >&2
eval_data=(--data "$tex")
run tex-dense --data "$tex" --epochs "$tex_epochs"
run tex-conv --data "$tex" --epochs "$tex_epochs" --layers "$conv"

cpu=$(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //')
{
  echo "# Convolutional base networks: what they buy"
  echo
  echo "Written by \`scripts/measure_conv.sh\` on $(date -u +%Y-%m-%d), $cpu, 2 threads,"
  echo "seed 1, batch 128, RMSprop lr 0.001. Conv net: \`--layers $conv\`;"
  echo "dense: the notebook's 128,128,128 with dropout 0.1."
  echo
  echo "## Fashion-MNIST, the notebook's pairs, $epochs epochs"
  echo
  echo "| network, head | test acc. at suggested | ROC AUC | EER | s / epoch |"
  echo "|---|---|---|---|---|"
  row fm-dense-euclidean "dense, euclidean"
  row fm-conv-euclidean "conv, euclidean"
  row fm-dense-cosine "dense, cosine"
  row fm-conv-cosine "conv, cosine"
  echo
  echo "The dense heads at 25 epochs and 5 seeds are in heads.md."
  echo
  echo "## Textures: brick, grass, gravel (32 x 32 patches), $tex_epochs epochs"
  echo
  echo "Patches by \`scripts/make_textures.py\` from the photographs python3-skimage"
  echo "ships; same/different pairs of the test patches."
  echo
  echo "| network, head | test acc. at suggested | ROC AUC | EER | s / epoch |"
  echo "|---|---|---|---|---|"
  row tex-dense "dense, euclidean"
  row tex-conv "conv, euclidean"
} >"$out/conv.md"
echo "wrote $out/conv.md" >&2
