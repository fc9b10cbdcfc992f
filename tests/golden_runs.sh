#!/usr/bin/env bash
# golden_runs.sh - a fixed set of runs whose outputs must not change while
# the code is reorganised (issue 17): every --help, usage errors, models
# for each head, --layers, --size, folder data and every exact kernel path,
# eval text/JSON/pictures, inspect text/JSON/CSV/report, show-pairs TSV and
# PNG, embed .npy/.csv, compare, export. Writes OUT/ with the text outputs
# as files and the binary ones as lines of OUT/SHA256SUMS; test_golden.sh
# compares OUT/ with tests/golden/, scripts/make_golden.sh refreshes it
# (a deliberate change of behaviour).
# What varies by machine is left out or made fixed: the core count in help
# texts reads N, the seconds in epoch lines read T; the openblas path
# (rounds by CPU) and bench (timings) are not captured; a kernel path this
# CPU lacks is listed in OUT/SKIPPED and its lines are not compared.
# usage: golden_runs.sh SIAMESE_BINARY DATA_DIR OUT_DIR
set -u
bin=$(realpath "$1") data=$(realpath "$2") out=$(realpath -m "$3")
mkdir -p "$out"
work=$(mktemp -d /tmp/siamese-golden-XXXXXX)
trap 'rm -rf "$work"' EXIT
cd "$work" || exit 1
export LC_ALL=C TERM=dumb
unset SIAMESE_DATA
bins="$out/bins"
mkdir -p "$bins"

# run NAME CMD... : stdout to OUT/NAME.out, stderr to OUT/NAME.err, exit
# status to OUT/NAME.rc; core counts and seconds made fixed.
run() {
  local name=$1
  shift
  "$bin" "$@" >"$out/$name.out" 2>"$out/$name.err"
  echo $? >"$out/$name.rc"
  sed -i -E 's/all [0-9]+ cores/all N cores/; s/all [0-9]+$/all N/; s/^( +)[0-9]+ cores/\1N cores/; s/ [0-9]+\.[0-9]+s  / Ts  /' \
    "$out/$name.out" "$out/$name.err"
}
keep() { cp "$1" "$bins/$2"; } # a binary output, compared by its hash

# --- help texts and usage errors ---
run help --help
run version --version
for c in train eval show-pairs inspect embed compare export bench; do run "help-$c" "$c" --help; done
run err-nocmd
run err-unknown frobnicate
run err-train-opt train --bogus
run err-train-layers train --layers 16,,8
run err-train-epochs train --epochs 0
run err-eval-value eval --threshold
run err-eval-kernels eval --kernels fast
run err-inspect-k inspect --k 3 --score centroid --model none --reference . --images .
run err-embed-noout embed x.png
run err-compare-args compare a.png
run err-export-noout export
run err-bench-threads bench --threads 0
run err-show-count show-pairs --count 0

# --- a small IDX data set (600 training, 200 test images) and its folders ---
mini="$work/mini"
mkdir -p "$mini"
idx() { # SRC.gz DST.gz N HEADER-BYTES ITEM-BYTES
  local src=$1 dst=$2 n=$3 hb=$4 ib=$5
  { gzip -dc "$data/$src" | head -c 4
    printf "\\x$(printf %02x $((n >> 24 & 255)))\\x$(printf %02x $((n >> 16 & 255)))"
    printf "\\x$(printf %02x $((n >> 8 & 255)))\\x$(printf %02x $((n & 255)))"
    gzip -dc "$data/$src" | tail -c +9 | head -c $((hb - 8 + n * ib)); } | gzip -n >"$mini/$dst"
}
idx train-images-idx3-ubyte.gz train-images-idx3-ubyte.gz 600 16 784
idx train-labels-idx1-ubyte.gz train-labels-idx1-ubyte.gz 600 8 1
idx t10k-images-idx3-ubyte.gz t10k-images-idx3-ubyte.gz 200 16 784
idx t10k-labels-idx1-ubyte.gz t10k-labels-idx1-ubyte.gz 200 8 1
run export export --data "$mini" --out folders --threads 2
(cd folders && find . -type f | LC_ALL=C sort | xargs sha256sum) >"$out/export.files"

# --- models: each head, --layers, --size, folder data, every exact path ---
T=(train --epochs 2 --train-pairs 1000 --threads 2 --seed 7)
run train-euclid "${T[@]}" --data "$mini" --model euclid.siam --layers 16,8 --kernels generic \
  --history hist.csv
keep euclid.siam euclid.siam
cp hist.csv "$out/hist.csv.txt" && sed -i -E 's/,[0-9.]+$/,T/' "$out/hist.csv.txt"
keep hist.png hist.png
for h in manhattan cosine learned; do
  run "train-$h" "${T[@]}" --data "$mini" --model "$h.siam" --layers 16,8 --distance "$h" \
    --kernels generic
  keep "$h.siam" "$h.siam"
done
run train-default "${T[@]}" --data "$mini" --model default.siam --kernels generic --epochs 1
keep default.siam default.siam
run train-size "${T[@]}" --data "$mini" --model size.siam --layers 12 --size 14x14 \
  --kernels generic --dropout 0.3 --margin 0.8
keep size.siam size.siam
run train-folders "${T[@]}" --data folders --model folders.siam --layers 16,8 --kernels generic
keep folders.siam folders.siam
run train-threads1 "${T[@]}" --data "$mini" --model threads1.siam --layers 16,8 --kernels generic \
  --threads 1
keep threads1.siam threads1.siam
run train-resume train --epochs 1 --train-pairs 1000 --threads 2 --seed 7 --data "$mini" \
  --model resumed.siam --layers 16,8 --kernels generic
run train-resume2 train --resume --epochs 2 --threads 2 --data "$mini" --model resumed.siam
keep resumed.siam resumed.siam
: >"$out/SKIPPED"
for k in avx2 avx512; do
  flag=$k
  [ $k = avx512 ] && flag=avx512f
  if grep -qw "$flag" /proc/cpuinfo 2>/dev/null; then
    run "train-$k" "${T[@]}" --data "$mini" --model "$k.siam" --layers 16,8 --kernels "$k"
    keep "$k.siam" "$k.siam"
  else
    echo "$k" >>"$out/SKIPPED"
  fi
done

# --- eval: text, --sweep, JSON, pictures, each head ---
for h in euclid manhattan cosine learned; do
  run "eval-$h" eval --model "$h.siam" --data "$mini" --threads 2 --sweep
  run "eval-$h-json" eval --model "$h.siam" --data "$mini" --threads 2 --json --sweep
done
run eval-pictures eval --model euclid.siam --data "$mini" --threads 2 --heatmap heat.png \
  --roc roc.png --threshold 0.4 --scale 1
keep heat.png heat.png
keep roc.png roc.png
run eval-folders eval --model folders.siam --data folders --threads 2

# --- show-pairs: the list and the strip ---
run show-pairs show-pairs --data "$mini" --count 6 --scale 1 --out pairs.png
keep pairs.png pairs.png
run show-pairs-model show-pairs --data "$mini" --model euclid.siam --count 8 --split test \
  --out pairs-m.png
keep pairs-m.png pairs-m.png

# --- compare and embed ---
a=folders/test/$(ls folders/test | head -1)
b=folders/test/$(ls folders/test | tail -1)
a1=$a/$(ls "$a" | head -1) a2=$a/$(ls "$a" | sed -n 2p) b1=$b/$(ls "$b" | head -1)
for h in euclid cosine learned; do
  run "compare-$h" compare --model "$h.siam" "$a1" "$a2"
  run "compare-$h-json" compare --model "$h.siam" --json "$a1" "$b1"
done
run embed-npy embed --model euclid.siam --out emb.npy --threads 2 "$a"
keep emb.npy emb.npy
cp emb.index.csv "$out/emb.index.csv.txt"
rm emb.npy # kept above; embed refuses emb.csv beside it (they would share emb.index.csv)
run embed-csv embed --model cosine.siam --out emb.csv --threads 2 "$a1" "$b1"
cp emb.csv "$out/emb.csv.txt"
run embed-data embed --model euclid.siam --data "$mini" --split test --out split.npy
keep split.npy split.npy

# --- inspect: centroid and knn, text, JSON, CSV, report ---
ref=folders/train/$(ls folders/train | head -1)
mkdir -p img/good img/defect
cp "$a"/* img/good/
cp "$b"/* img/defect/
run inspect-centroid inspect --model euclid.siam --reference "$ref" --images img --threads 2 \
  --csv insp.csv --report insp.png --top 4
cp insp.csv "$out/inspect.csv.txt"
keep insp.png inspect.png
run inspect-knn inspect --model cosine.siam --reference "$ref" --images img --score knn --k 3 \
  --json --threads 2
run inspect-none inspect --model none --reference "$ref" --images img --score knn --k 2
run inspect-learned inspect --model learned.siam --reference "$ref" --images img --threshold 0.7

# GOLDEN_OPENBLAS=1: also the openblas path, to compare two binaries on
# one machine (never committed: its bits follow the CPU and OpenBLAS).
if [ "${GOLDEN_OPENBLAS:-0}" = 1 ]; then
  run train-openblas "${T[@]}" --data "$mini" --model openblas.siam --layers 16,8 --kernels openblas
  keep openblas.siam openblas.siam
  run eval-openblas eval --model openblas.siam --data "$mini" --threads 2 --json
  run inspect-openblas inspect --model openblas.siam --reference "$ref" --images img --kernels openblas
fi

(cd "$bins" && sha256sum -- * | LC_ALL=C sort -k2) >"$out/SHA256SUMS"
rm -rf "$bins"
