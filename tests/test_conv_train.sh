#!/usr/bin/env bash
# test_conv_train.sh - a conv model (conv4,pool,conv8,gap,16 on 512
# training pairs, two epochs: seconds) end to end:
#  - its file is byte-identical for --threads 1, 2 and 3, for every exact
#    --kernels path this CPU runs (avx512, avx2, generic; a path it lacks
#    is refused, named, and skipped with a message), and with
#    OPENBLAS_CORETYPE unset and Haswell;
#  - one epoch, then --resume to two, gives the straight run's bytes;
#  - eval, show-pairs, compare, embed and inspect run on it, and what they
#    print holds together: eval beats chance, embed writes 16 floats an
#    image, compare's distance is the one of embed's two rows, an image
#    against itself is at distance 0 (the clamp), show-pairs gives every
#    pair a distance and a verdict, inspect ranks every image and its
#    scores are the distances of embed --features auto rows (the pooled last
#    conv layer, what inspect compares by default) to the references' mean.
# usage: test_conv_train.sh SIAMESE_BINARY
set -u
bin=$1
. "$(dirname "$0")/testlib.sh"

spec=(--layers conv4,pool,conv8,gap,16 --train-pairs 512 --seed 11 --data "$data" --quiet)
# run NAME [ENV... --] ARGS...: trains spec with ARGS into $tmp/NAME.siam
# (output in $tmp/NAME.out, status in $rc), through ENV (an env(1)
# command) when given.
run() {
  local name=$1 pre=()
  shift
  if [ "${1:-}" = env ]; then
    while [ "$1" != -- ]; do pre+=("$1"); shift; done
    shift
  fi
  ${pre[@]+"${pre[@]}"} "$bin" train "${spec[@]}" "$@" --model "$tmp/$name.siam" \
    >"$tmp/$name.out" 2>&1
  rc=$?
}
# same NAME WHAT: run NAME succeeded and wrote the reference's bytes.
same() {
  local name=$1
  check '[ $rc -eq 0 ] && cmp -s "$tmp/ref.siam" "$tmp/$name.siam"' \
    "$2: exit $rc, the conv model differs from --threads 1's: $(cmp "$tmp/ref.siam" "$tmp/$name.siam" 2>&1 | head -1) $(head -c 400 "$tmp/$name.out")"
}

# --- the same bytes whatever the threads, kernels and OpenBLAS --------------
run ref --epochs 2 --threads 1
check '[ $rc -eq 0 ] && [ -s "$tmp/ref.siam" ]' "conv training failed: exit $rc: $(cat "$tmp/ref.out")"
[ -s "$tmp/ref.siam" ] || { finish; exit 1; }
for t in 2 3; do
  run "t$t" --epochs 2 --threads "$t"
  same "t$t" "--threads $t"
done
for p in avx512 avx2 generic; do
  run "$p" --epochs 2 --threads 2 --kernels "$p"
  case $p in avx512) need="AVX-512F" ;; avx2) need="AVX2 and FMA3" ;; *) need= ;; esac
  if [ -n "$need" ] && [ $rc -eq 1 ] && grep -qF -- "--kernels $p: this CPU does not have $need" "$tmp/$p.out"; then
    echo "SKIP (part): --kernels $p: this CPU does not have $need"
    continue
  fi
  same "$p" "--kernels $p"
done
run coreunset env -u OPENBLAS_CORETYPE -- --epochs 2 --threads 2
same coreunset "OPENBLAS_CORETYPE unset"
run haswell env OPENBLAS_CORETYPE=Haswell -- --epochs 2 --threads 2
same haswell "OPENBLAS_CORETYPE=Haswell"

# --- stopped after epoch 1, resumed: the straight run ------------------------
run resumed --epochs 1 --threads 2
out=$("$bin" train --resume --epochs 2 --data "$data" --model "$tmp/resumed.siam" --quiet 2>&1)
rc=$?
check '[ $rc -eq 0 ] && cmp -s "$tmp/ref.siam" "$tmp/resumed.siam"' \
  "one epoch, then --resume to two: exit $rc, not the straight run's bytes: $(cmp "$tmp/ref.siam" "$tmp/resumed.siam" 2>&1) $out"

m="$tmp/ref.siam"

# --- eval: better than chance --------------------------------------------------
"$bin" eval --model "$m" --data "$data" --json >"$tmp/eval.json" 2>"$tmp/eval.err"
rc=$?
acc=$(sed -n 's/.*"test": {"accuracy": \([0-9.]*\),.*/\1/p' "$tmp/eval.json")
auc=$(sed -n 's/^ *"roc_auc": \([0-9.]*\),*/\1/p' "$tmp/eval.json")
echo "conv model: test accuracy $acc, ROC AUC $auc"
check '[ $rc -eq 0 ] && awk -v a="$acc" -v u="$auc" "BEGIN { exit !(a > 0.5 && u > 0.5) }"' \
  "eval on the conv model: exit $rc, accuracy '$acc', AUC '$auc' (want both > 0.5): $(cat "$tmp/eval.err")"

# --- embed: 16 floats an image --------------------------------------------------
"$bin" embed --model "$m" --data "$data" --split test --out "$tmp/test.npy" >"$tmp/embed.out" 2>&1
rc=$?
check '[ $rc -eq 0 ] && head -c 128 "$tmp/test.npy" | grep -qF "'"'shape': (10000, 16)"'"' \
  "embed --split test: exit $rc, not a 10000 x 16 .npy: $(cat "$tmp/embed.out")"

# --- compare and embed of two image files agree ----------------------------------
raw="$tmp/raw"
mkdir "$raw"
for s in train t10k; do
  gzip -dc "$data/$s-images-idx3-ubyte.gz" | tail -c +17 >"$raw/$s.img"
  gzip -dc "$data/$s-labels-idx1-ubyte.gz" | tail -c +9 >"$raw/$s.lab"
done
# first N indices of class C in split S; image INDEX of SPLIT as a PGM
indices() { od -An -v -tu1 -w1 "$raw/$1.lab" | awk -v c="$2" -v n="$3" '$1 == c && k < n { print NR - 1; k++ }'; }
pgm() { { printf 'P5\n28 28\n255\n'; dd if="$raw/$1.img" bs=784 skip="$2" count=1 status=none; } >"$3"; }
pgm t10k 0 "$tmp/a.pgm"
pgm t10k 1 "$tmp/b.pgm"
out=$("$bin" compare "$tmp/a.pgm" "$tmp/a.pgm" --model "$m" --json 2>&1)
rc=$?
self=$(printf '%s\n' "$out" | sed -n 's/.*"distance": \([0-9.eE+-]*\).*/\1/p')
# (the Euclidean head's clamp: sqrt(1e-7) = 0.000316 for equal embeddings)
check '[ $rc -eq 0 ] && awk -v d="$self" "BEGIN { exit !(d != \"\" && d < 0.001) }" && [[ "$out" == *"\"same\": true"* ]]' \
  "compare of an image with itself: exit $rc, want distance sqrt(1e-7) and same: $out"
out=$("$bin" compare "$tmp/a.pgm" "$tmp/b.pgm" --model "$m" --json 2>&1)
rc=$?
dist=$(printf '%s\n' "$out" | sed -n 's/.*"distance": \([0-9.eE+-]*\).*/\1/p')
check '[ $rc -eq 0 ] && [ -n "$dist" ]' "compare on the conv model: exit $rc: $out"
"$bin" embed --model "$m" --out "$tmp/ab.csv" "$tmp/a.pgm" "$tmp/b.pgm" >"$tmp/ab.out" 2>&1
rc=$?
# The model's head is the Euclidean distance of the two embeddings.
want=$(awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) a[i] = $i; n = NF }
                NR == 2 { for (i = 1; i <= NF; i++) s += ($i - a[i]) ^ 2; printf "%.6g %d", sqrt(s), n }' \
  "$tmp/ab.csv")
echo "compare: distance $dist; embed's rows: distance and width $want"
check '[ $rc -eq 0 ] && awk -v d="$dist" -v w="$want" "BEGIN { split(w, x, \" \"); e = d - x[1]; if (e < 0) e = -e; exit !(x[2] == 16 && e <= 1e-5 * (x[1] + 1e-3) + 1e-6 && x[1] > 0) }"' \
  "compare says $dist, embed's two rows are at (distance, width) $want: $(cat "$tmp/ab.out")"

# --- show-pairs: the model's distances ---------------------------------------------
"$bin" show-pairs --model "$m" --data "$data" -n 6 -o "$tmp/pairs.png" >"$tmp/pairs.txt" 2>&1
rc=$?
rows=$(awk -F'\t' '$1 ~ /^[0-9]+$/ && $8 ~ /^[0-9.]+$/ && ($9 == "same" || $9 == "different")' "$tmp/pairs.txt" | wc -l)
check '[ $rc -eq 0 ] && [ "$rows" -eq 6 ] && [ "$(head -c 8 "$tmp/pairs.png" | od -An -tx1 | tr -d " \n")" = 89504e470d0a1a0a ]' \
  "show-pairs on the conv model: exit $rc, $rows rows with a distance and a verdict (want 6), or no PNG: $(cat "$tmp/pairs.txt")"

# --- inspect: T-shirts good, trousers the defect ------------------------------------
ref="$tmp/ref" img="$tmp/images"
mkdir -p "$ref" "$img/good" "$img/trouser"
for i in $(indices train 0 100); do pgm train "$i" "$ref/$i.pgm"; done
for i in $(indices t10k 0 40); do pgm t10k "$i" "$img/good/$i.pgm"; done
for i in $(indices t10k 1 40); do pgm t10k "$i" "$img/trouser/$i.pgm"; done
"$bin" inspect --reference "$ref" --images "$img" --model "$m" --score centroid --csv "$tmp/inspect.csv" \
  >"$tmp/inspect.txt" 2>"$tmp/inspect.err"
rc=$?
auroc=$(sed -n 's/^AUROC \([0-9.]*\) .*/\1/p' "$tmp/inspect.txt")
n=$(awk -F'\t' '$1 ~ /^[0-9]+$/' "$tmp/inspect.txt" | wc -l)
echo "inspect on the conv model: AUROC $auroc, $n images ranked"
check '[ $rc -eq 0 ] && [ "$n" -eq 80 ] && awk -v a="$auroc" "BEGIN { exit !(a > 0.5) }"' \
  "inspect on the conv model: exit $rc, $n images ranked (want 80), AUROC '$auroc' (want > 0.5): $(cat "$tmp/inspect.err")"
# Its scores are the distances of embed's rows to the references' mean row
# (the centroid score, the Euclidean head's clamp at sqrt(1e-7)).
"$bin" embed --model "$m" --features auto --out "$tmp/r.csv" "$ref" >/dev/null 2>&1 &&
  "$bin" embed --model "$m" --features auto --out "$tmp/i.csv" "$img" >/dev/null 2>&1
rc=$?
worst=$(awk -F, '
  FILENAME == ARGV[1] { for (j = 1; j <= NF; j++) c[j] += $j; nr++; next }
  FILENAME == ARGV[2] { for (j = 1; j <= NF; j++) s[FNR] += ($j - c[j] / nr) ^ 2; next }
  FILENAME == ARGV[3] { if (FNR > 1) path[$1 + 1] = $2; next }
  FNR > 1 { for (r in path) if (path[r] == $2) { d = sqrt(s[r] > 1e-7 ? s[r] : 1e-7);
              e = ($3 - d) / d; e = e < 0 ? -e : e; if (e > w) w = e; k++ } }
  END { printf "%.3g %d", w, k }' "$tmp/r.csv" "$tmp/i.csv" "$tmp/i.index.csv" "$tmp/inspect.csv")
echo "inspect's scores against embed's rows: largest relative difference, images matched: $worst"
check '[ $rc -eq 0 ] && awk -v w="$worst" "BEGIN { split(w, x, \" \"); exit !(x[2] == 80 && x[1] < 1e-4) }"' \
  "inspect's centroid scores are not the distances of embed's rows to their mean: (largest relative difference, images matched) $worst"

finish
