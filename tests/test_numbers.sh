#!/usr/bin/env bash
# test_numbers.sh - no inf or nan ever reaches a user, one threshold rule,
# and inspect's scores and messages (issue 16, sections 2 and 4). Models
# with valid CRCs and huge weights (tests/edit_model.py) must give a
# one-line error naming the model and what overflowed; the cosine head
# stays finite on finite embeddings; every JSON and CSV parses (python3's
# json and csv); eval, compare and show-pairs judge at the same threshold;
# inspect scores with the model's head (checked against compare, the
# head's per-pair distance), the same on every kernel path and thread
# count; --k needs --score knn; the messages name options that exist.
# usage: test_numbers.sh SIAMESE_BINARY
set -u
bin=$1
here=$(dirname "$0")
. "$here/testlib.sh"
py=$(command -v python3 || true)
if [ -z "$py" ]; then
  if in_ci; then echo "FAIL: python3 missing (CI needs it)"; exit 1; fi
  echo "SKIP: python3 missing"; exit 77
fi

raw="$tmp/raw"
mkdir "$raw"
gzip -dc "$data/t10k-images-idx3-ubyte.gz" | tail -c +17 >"$raw/t10k.img"
gzip -dc "$data/t10k-labels-idx1-ubyte.gz" | tail -c +9 >"$raw/t10k.lab"
indices() { od -An -v -tu1 -w1 "$raw/t10k.lab" | awk -v c="$1" -v n="$2" -v s="${3:-0}" '$1 == c { if (k >= s && k < s + n) print NR - 1; k++ }'; }
pgm() { { printf 'P5\n28 28\n255\n'; dd if="$raw/t10k.img" bs=784 skip="$1" count=1 status=none; } >"$2"; }
A="$tmp/a.pgm" Bimg="$tmp/b.pgm"
pgm 0 "$A"
pgm 1 "$Bimg"
ref="$tmp/ref" img="$tmp/img"
mkdir -p "$ref" "$img/good" "$img/shirt"
for i in $(indices 0 60); do pgm "$i" "$ref/$i.pgm"; done
for i in $(indices 0 20 60); do pgm "$i" "$img/good/$i.pgm"; done
for i in $(indices 6 20); do pgm "$i" "$img/shirt/$i.pgm"; done

train() { # MODEL HEAD [OPTION...]
  "$bin" train --epochs 1 --train-pairs 2000 --layers 16,8 --threads 2 --data "$data" \
    --model "$1" --distance "$2" --quiet "${@:3}"
  if [ -s "$1" ]; then ok; else bad "training a $2 model failed"; fi
}
e="$tmp/e.siam" c="$tmp/c.siam" mh="$tmp/m.siam"
train "$e" euclidean
train "$c" cosine
train "$mh" manhattan --history "$tmp/hist.csv"
edit() { "$py" "$here/edit_model.py" "$@" || bad "edit_model.py $*"; }
edit "$e" "$tmp/e13.siam" scale 1e13   # finite embeddings, their squares overflow
edit "$e" "$tmp/e20.siam" scale 1e20   # the embeddings themselves overflow
edit "$c" "$tmp/c13.siam" scale 1e13   # the cosine's sums overflow

# err CMD... : the command's exit status and its stderr's lines
one_error() { # WANT-STATUS PARTS-ALL-REQUIRED... -- ARGS
  local want=$1
  shift
  local parts=()
  while [ "$1" != -- ]; do parts+=("$1"); shift; done
  shift
  local out rc
  out=$("$bin" "$@" 2>&1 >"$tmp/stdout"); rc=$?
  local ok_=1
  [ "$rc" -eq "$want" ] || ok_=0
  for p in "${parts[@]}"; do [[ "$out" == *"$p"* ]] || ok_=0; done
  # one line, and never a nan or inf shown on stdout (compare: nothing)
  [ "$(printf '%s\n' "$out" | grep -vc 'note:')" -eq 1 ] || ok_=0
  ! grep -qiwE 'nan|inf|-nan' "$tmp/stdout" || ok_=0
  [ "$1" != compare ] || [ ! -s "$tmp/stdout" ] || ok_=0
  if [ $ok_ -eq 1 ]; then ok; else bad "siamese $*: exit $rc (want $want), '$out', stdout '$(head -c 200 "$tmp/stdout")'"; fi
}

# --- section 2: overflow is a one-line error naming the model ---------------
one_error 1 "e13.siam" "distance" "overflows float32" -- compare --json -m "$tmp/e13.siam" "$A" "$Bimg"
one_error 1 "e20.siam" "embedding" "overflows float32" -- compare --json -m "$tmp/e20.siam" "$A" "$Bimg"
# (unrelated images were called "same" at 0.000316 from a NaN once)
one_error 1 "e20.siam" "embedding" -- compare -m "$tmp/e20.siam" "$A" "$Bimg"
one_error 1 "e13.siam" "distance" "overflows float32" -- eval --json -m "$tmp/e13.siam" --data "$data"
one_error 1 "e20.siam" "embedding" "overflows float32" -- eval -m "$tmp/e20.siam" --data "$data"
one_error 1 "e13.siam" "distance" "overflows float32" -- inspect --reference "$ref" --images "$img" -m "$tmp/e13.siam"
one_error 1 "e20.siam" "embedding" -- inspect --reference "$ref" --images "$img" -m "$tmp/e20.siam"
one_error 1 "e13.siam" "distance" -- show-pairs -m "$tmp/e13.siam" --data "$data" --out "$tmp/sp.png"
one_error 1 "e20.siam" "embedding" -- embed -m "$tmp/e20.siam" --out "$tmp/x.npy" "$A"

# The cosine head: finite embeddings give a finite distance, as JSON.
json_get() { "$py" -c 'import json, sys; d = json.load(open(sys.argv[1])); print(d[sys.argv[2]])' "$@"; }
"$bin" compare --json -m "$tmp/c13.siam" "$A" "$A" >"$tmp/cc.json"
rc=$?
check '[ $rc -eq 0 ] && "$py" -c "
import json, math, sys
d = json.load(open(sys.argv[1]))
assert math.isfinite(d[\"distance\"]) and abs(d[\"distance\"]) < 1e-6 and d[\"same\"] is True, d
" "$tmp/cc.json"' "cosine compare(A, A) on huge weights: $(cat "$tmp/cc.json")"
"$bin" compare --json -m "$tmp/c13.siam" "$A" "$Bimg" >"$tmp/cd.json"
rc=$?
check '[ $rc -eq 0 ] && "$py" -c "
import json, math, sys
d = json.load(open(sys.argv[1]))
assert math.isfinite(d[\"distance\"]) and 0 <= d[\"distance\"] <= 2, d
" "$tmp/cd.json"' "cosine compare(A, B) on huge weights: $(cat "$tmp/cd.json")"

# --- every JSON and CSV parses; "-" where a figure does not exist -----------
mkdir -p "$tmp/onlygood"
cp -r "$img/good" "$tmp/onlygood/good"
"$bin" inspect --reference "$ref" --images "$tmp/onlygood" -m "$e" --csv "$tmp/og.csv" >"$tmp/og.txt"
rc=$?
check '[ $rc -eq 0 ] && grep -q "^AUROC -   accuracy" "$tmp/og.txt" && ! grep -qi "nan" "$tmp/og.txt"' \
  "good/ alone: $(grep AUROC "$tmp/og.txt")"
"$bin" inspect --reference "$ref" --images "$tmp/onlygood" -m "$e" --json >"$tmp/og.json"
"$bin" inspect --reference "$ref" --images "$img" -m "$c" --json --csv "$tmp/i.csv" >"$tmp/i.json"
"$bin" compare --json -m "$e" "$A" "$Bimg" >"$tmp/c.json"
"$bin" eval --json --sweep -m "$e" --data "$data" >"$tmp/ev.json" 2>/dev/null
"$bin" embed -m "$e" --out "$tmp/emb.csv" "$A" "$Bimg" >/dev/null
for f in og.json i.json c.json ev.json; do
  check '"$py" -c "
import json, sys
json.load(open(sys.argv[1]), parse_constant=lambda c: sys.exit(\"not JSON: \" + c))
" "$tmp/$f"' "$f is not valid JSON: $(head -c 300 "$tmp/$f")"
done
check '[ "$(json_get "$tmp/og.json" auroc)" = None ]' "good/ alone: JSON auroc is not null"
for f in og.csv i.csv emb.csv emb.index.csv hist.csv; do
  check '"$py" -c "
import csv, math, sys
rows = list(csv.reader(open(sys.argv[1], newline=\"\")))
assert len(rows) >= 2 and all(len(r) == len(rows[0]) for r in rows), \"ragged\"
for r in rows[1:]:
    for v in r:
        try:
            x = float(v)
        except ValueError:
            continue
        assert math.isfinite(x), v
" "$tmp/$f"' "$f is not a valid CSV of finite numbers: $(head -3 "$tmp/$f")"
done

# --- section 4: one threshold rule for eval, compare and show-pairs ---------
edit "$e" "$tmp/e-none.siam" threshold nan
edit "$mh" "$tmp/m-none.siam" threshold nan
stored=$(json_get "$tmp/c.json" threshold)
check '[ "$(json_get "$tmp/c.json" threshold_from)" = model ]' "compare: the stored threshold is not used"
# threshold_of MODEL [--threshold X]: "compare eval show-pairs" thresholds
threshold_of() {
  local m=$1
  shift
  local tc te ts
  tc=$("$bin" compare --json -m "$m" "$@" "$A" "$Bimg" 2>/dev/null | "$py" -c 'import json, sys; d = json.load(sys.stdin); print("%.6f %s" % (d["threshold"], d["threshold_from"]))')
  te=$("$bin" eval --json -m "$m" --data "$data" "$@" 2>/dev/null | "$py" -c 'import json, sys; d = json.load(sys.stdin); print("%.6f %s" % (d["threshold"], d["threshold_from"]))')
  ts=$("$bin" show-pairs -m "$m" --data "$data" --only-errors --out "$tmp/sp.png" "$@" 2>/dev/null |
       sed -n 's/.*wrongly predicted at threshold \([^ ]*\).*/\1/p' | head -1)
  ts=$(awk -v t="$ts" 'BEGIN { printf "%.6f", t }')
  echo "$tc|$te|$ts"
}
for case in "$e:model:$stored" "$tmp/e-none.siam:default:0.5" "$tmp/m-none.siam:default:4" "$e:option:0.3:--threshold 0.3"; do
  IFS=: read -r m from want opt <<<"$case"
  # shellcheck disable=SC2086
  got=$(threshold_of "$m" $opt)
  w=$(awk -v t="$want" 'BEGIN { printf "%.6f", t }')
  check '[ "$got" = "$w $from|$w $from|$w" ]' "$(basename "$m") ${opt:-}: compare|eval|show-pairs thresholds '$got', want $w from $from"
done

# --- inspect: the model's head, on every path and thread count -------------
# The 1-NN score of an image is the head's distance to its nearest
# reference: compare computes it per pair.
for m in "$c" "$mh" "$e"; do
  "$bin" inspect --reference "$ref" --images "$img" -m "$m" --score knn --k 1 --csv "$tmp/h.csv" >/dev/null
  IFS=, read -r _ p s _ q _ <<<"$(sed -n 2p "$tmp/h.csv")"
  d=$("$bin" compare --json -m "$m" "$p" "$q" | "$py" -c 'import json, sys; print(json.load(sys.stdin)["distance"])')
  check '"$py" -c "
import struct, sys
f = lambda v: struct.unpack(\"f\", struct.pack(\"f\", float(v)))[0]
sys.exit(f(sys.argv[1]) != f(sys.argv[2]))
" "$s" "$d"' \
    "$(basename "$m"): inspect's 1-NN score $s is not the head's distance $d (compare)"
done
"$bin" inspect --reference "$ref" --images "$img" -m "$c" --csv "$tmp/k-auto-1.csv" --threads 1 >/dev/null
# The exact paths give the same bits; OpenBLAS ranks the candidates with
# its own rounding (its kernels vary with the CPU and OPENBLAS_CORETYPE),
# so it is only required to score every image.
"$bin" inspect --reference "$ref" --images "$img" -m "$c" --kernels openblas --csv "$tmp/k-ob.csv" \
  >/dev/null 2>"$tmp/k.err"
rc=$?
check '[ $rc -eq 0 ] && [ "$(wc -l <"$tmp/k-ob.csv")" -eq "$(wc -l <"$tmp/k-auto-1.csv")" ]' \
  "inspect --kernels openblas: $(cat "$tmp/k.err")"
for k in auto avx512 avx2 generic; do
  for t in 1 3; do
    if ! "$bin" inspect --reference "$ref" --images "$img" -m "$c" --kernels "$k" --threads "$t" \
         --csv "$tmp/k.csv" >/dev/null 2>"$tmp/k.err"; then
      if grep -q "cannot run\|does not\|no $k\|lacks" "$tmp/k.err"; then
        echo "skip: --kernels $k: $(cat "$tmp/k.err")"; continue
      fi
      bad "inspect --kernels $k --threads $t: $(cat "$tmp/k.err")"; continue
    fi
    check 'cmp -s "$tmp/k.csv" "$tmp/k-auto-1.csv"' "inspect --kernels $k --threads $t: other scores than auto, 1 thread"
  done
done

# --- --k needs the knn score ------------------------------------------------
"$bin" inspect --reference "$ref" --images "$img" -m "$e" --k 5 >/dev/null 2>"$tmp/k5.err"
rc=$?
check '[ $rc -eq 2 ] && grep -q "^siamese inspect: --k 5: neighbours are for --score knn" "$tmp/k5.err"' \
  "--k without knn: $(head -1 "$tmp/k5.err")"
"$bin" inspect --reference "$ref" --images "$img" -m "$e" --score centroid --k 5 >/dev/null 2>&1
rc=$?
check '[ $rc -eq 2 ]' "--score centroid --k 5 accepted"
"$bin" inspect --reference "$ref" --images "$img" -m none --k 5 >"$tmp/none.txt" 2>&1
rc=$?
check '[ $rc -eq 0 ] && grep -q "score knn (k = 5)" "$tmp/none.txt"' "--model none --k 5 (knn by default): $(head -2 "$tmp/none.txt")"

# --- messages ----------------------------------------------------------------
# inspect --report -: the report is a picture; the text goes to stderr.
"$bin" inspect --reference "$ref" --images "$img" -m "$e" --report - >"$tmp/rep.png" 2>"$tmp/rep.txt"
rc=$?
check '[ $rc -eq 0 ] && [ "$(head -c 8 "$tmp/rep.png" | od -An -tx1 | tr -d " \n")" = 89504e470d0a1a0a ] && grep -q "^threshold" "$tmp/rep.txt"' \
  "inspect --report -: $(head -2 "$tmp/rep.txt")"
# Mixed sizes: no "pass --size", an option neither embed nor inspect has.
mkdir -p "$tmp/mixed"
cp "$A" "$tmp/mixed/1.pgm"
{ printf 'P5\n32 32\n255\n'; head -c 1024 /dev/zero; } >"$tmp/mixed/2.pgm"
one_error 1 "2.pgm: 32 x 32 pixels" "the model takes 28 x 28" -- inspect --reference "$ref" --images "$tmp/mixed" -m "$e"
check '! grep -q "pass --size" <<<"$("$bin" inspect --reference "$ref" --images "$tmp/mixed" -m "$e" 2>&1)"' "inspect still says pass --size"
one_error 1 "2.pgm: 32 x 32 pixels" "the model takes 28 x 28" -- embed -m "$e" --out "$tmp/m.npy" "$tmp/mixed/1.pgm" "$tmp/mixed/2.pgm"
check '! grep -q "pass --size" <<<"$("$bin" embed -m "$e" --out "$tmp/m.npy" "$tmp/mixed" 2>&1)"' "embed still says pass --size"
# --model none: there is no model to take a size; the references set it.
one_error 1 "--images" "32 x 32 pixels, but the references are 28 x 28" -- inspect --reference "$ref" --images "$tmp/mixed/2.pgm" -m none
check '! grep -q "the model takes" <<<"$("$bin" inspect --reference "$ref" --images "$tmp/mixed" -m none 2>&1)"' "--model none still speaks of a model"
# Standard output that cannot be written: the README's words.
if [ -w /dev/full ]; then
  for args in "compare -m $e $A $Bimg" "embed -m $e --out $tmp/f.npy $A"; do
    # shellcheck disable=SC2086
    out=$("$bin" $args 2>&1 >/dev/full); rc=$?
    check '[ $rc -eq 1 ] && [[ "$out" == *"write error on standard output"* ]] && [[ "$out" != *"cannot write to stdout"* ]]' \
      "$args >/dev/full: exit $rc, '$out'"
  done
else
  echo "skip: no writable /dev/full"
fi
# bench names the images it embedded, not Fashion-MNIST's 60,000.
mkdir -p "$tmp/small/train/top" "$tmp/small/train/shirt" "$tmp/small/test/top" "$tmp/small/test/shirt"
for i in $(indices 0 150); do pgm "$i" "$tmp/small/train/top/$i.pgm"; done
for i in $(indices 6 150); do pgm "$i" "$tmp/small/train/shirt/$i.pgm"; done
for i in $(indices 0 20 150); do pgm "$i" "$tmp/small/test/top/$i.pgm"; done
for i in $(indices 6 20 150); do pgm "$i" "$tmp/small/test/shirt/$i.pgm"; done
"$bin" bench --data "$tmp/small" --threads 2 >"$tmp/bench.txt" 2>&1
rc=$?
check '[ $rc -eq 0 ] && grep -q "^embed (300 training images)" "$tmp/bench.txt"' "bench: $(grep -i embed "$tmp/bench.txt")"

finish
