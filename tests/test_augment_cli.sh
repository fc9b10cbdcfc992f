#!/usr/bin/env bash
# test_augment_cli.sh - cold start, `train --pairs augment`, end to end:
#  - on a plain folder of images (no train/ or test/, nested folders, a
#    non-image file): training works and says it uses no labels; the file
#    is format 5 with one class, as the reader of docs/model-format.md
#    reads it; eval says the model saw no labels, in text and JSON, with
#    the validation loss train printed for its last epoch, the held-out
#    tenth's pair count, and no pair metrics (--roc, --sweep and
#    --threshold refused, after the report); --pairs
#    labels on the folder is refused, naming the way out (exit 2), and
#    show-pairs and export (with --rgb or not) refuse it with that line;
#    an MVTec AD test/ folder (good/ beside defect folders) is refused
#    (exit 2), naming the good images to give;
#  - the model file is byte-identical for --threads 1, 2 and 3, for every
#    exact --kernels path this CPU runs (a path it lacks is skipped, said)
#    and with OPENBLAS_CORETYPE unset and Haswell, with every kind of
#    augmentation on a conv network; one epoch then --resume to two gives
#    the straight run's bytes; another --augment or --seed gives other
#    bytes, and so does --pairs labels (the augmentations are used);
#  - on Fashion-MNIST (labels ignored by training): eval reports the
#    validation loss and the usual pair metrics on the data's classes;
#  - bad --augment values exit 2 naming the item;
#  - the augmented images (test_augment DIR: a training batch and the
#    validation images) match tests/augment_from_docs.py's rebuild from
#    docs/design.md 3.8, and a damaged copy is caught.
# usage: test_augment_cli.sh SIAMESE_BINARY TEST_AUGMENT_BINARY
set -u
bin=$1
unit=$2
here=$(cd "$(dirname "$0")" && pwd)
. "$here/testlib.sh"
export LC_ALL=C

# --- a plain folder of 16 x 16 images: bars and blocks, nested ----------
flat=$tmp/good
python3 - "$flat" <<'EOF'
import os, sys
root = sys.argv[1]
for i in range(120):
    d = os.path.join(root, "batch%d" % (i % 3), "deeper" if i % 5 == 0 else "")
    os.makedirs(d, exist_ok=True)
    w = h = 16
    a, b, c = i % 7, (i * 5) % 11, 40 + (i * 37) % 200
    px = bytes(c if (a <= x < a + 6 and b <= y < b + 4) or (x + y + i) % 9 == 0 else 10
               for y in range(h) for x in range(w))
    open(os.path.join(d, "img%03d.pgm" % i), "wb").write(b"P5\n16 16\n255\n" + px)
open(os.path.join(root, "README.txt"), "w").write("not an image\n")
EOF
all=shift:3,flip,flipv,rot90,brightness:0.3,contrast:0.4,noise:0.05
spec=(--pairs augment --augment "$all" --layers conv4,pool,conv8,gap,8 --batch 32 --seed 7
      --data "$flat")
# run NAME [env ... --] ARGS...: trains spec + ARGS into $tmp/NAME.siam.
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
same() {
  local name=$1
  check '[ $rc -eq 0 ] && cmp -s "$tmp/ref.siam" "$tmp/$name.siam"' \
    "$2: exit $rc, the model differs from --threads 1's: $(cmp "$tmp/ref.siam" "$tmp/$name.siam" 2>&1 | head -1) $(head -c 400 "$tmp/$name.out")"
}

run ref --epochs 2 --threads 1
check '[ $rc -eq 0 ] && [ -s "$tmp/ref.siam" ]' "training on a plain folder failed: exit $rc: $(cat "$tmp/ref.out")"
[ -s "$tmp/ref.siam" ] || { finish; exit 1; }
check 'grep -qx "Train on 216 pairs, validate on 24 pairs" "$tmp/ref.out"' \
  "120 images: 108 trained on (216 pairs), 12 held out (24 pairs): $(head -3 "$tmp/ref.out")"
check 'grep -qx "Pairs of augmented images (flip,flipv,rot90,shift:3,brightness:0.3,contrast:0.4,noise:0.05): no labels are used" "$tmp/ref.out"' \
  "train should say which augmentations and that no labels are used: $(head -3 "$tmp/ref.out")"
check 'grep -q "skipped 1 file that is not an image by name" "$tmp/ref.out"' "README.txt should be noted as skipped"

# train/ and test/ with one class folder each: labels are ignored, so one
# class is enough; an MVTec-style part (test/ holds defect folders train/
# lacks) is refused with the way out, the good images' own folder
for d in one/train/good one/test/good mv/train/good mv/test/good mv/test/scratch; do
  mkdir -p "$tmp/$d"
  cp "$flat"/batch1/img*.pgm "$tmp/$d/"
done
"$bin" train --pairs augment --layers conv4,gap,4 --epochs 1 --data "$tmp/one" --model "$tmp/one.siam" \
  >"$tmp/one.out" 2>&1
rc=$?
check '[ $rc -eq 0 ] && [ -s "$tmp/one.siam" ]' "one class under --pairs augment should train: $(head -c 300 "$tmp/one.out")"
"$bin" train --layers conv4,gap,4 --epochs 1 --data "$tmp/one" --model "$tmp/one-labels.siam" \
  >"$tmp/one-labels.out" 2>&1
rc=$?
check '[ $rc -eq 1 ] && grep -q "1 class: expected 2" "$tmp/one-labels.out"' \
  "one class with labels needs two: $(head -c 300 "$tmp/one-labels.out")"
for d in "$tmp/mv" "$tmp/mv/"; do
  "$bin" train --pairs augment --epochs 1 --data "$d" --model "$tmp/mv.siam" >"$tmp/mv.out" 2>&1
  rc=$?
  check '[ $rc -eq 1 ] && grep -qF "without labels, give the folder of good images itself (e.g. $tmp/mv/train/good)" "$tmp/mv.out" && [ ! -e "$tmp/mv.siam" ]' \
    "an MVTec-style part ($d) should point at train/good: $(head -c 300 "$tmp/mv.out")"
done

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
run haswell env OPENBLAS_CORETYPE=Haswell -- --epochs 2 --threads 3
same haswell "OPENBLAS_CORETYPE=Haswell"
run half --epochs 1 --threads 2
cp "$tmp/half.siam" "$tmp/resumed.siam"
"$bin" train --resume --epochs 2 --data "$flat" --model "$tmp/resumed.siam" --quiet \
  >"$tmp/resumed.out" 2>&1
rc=$?
same resumed "one epoch, then --resume to two"
"$bin" train --resume --epochs 2 --data "$flat" --augment flip --pairs augment \
  --model "$tmp/half.siam" >"$tmp/resume-other.out" 2>&1
rc=$?
check '[ $rc -eq 2 ] && grep -q -- "--augment flip differs from .*half.siam.s flip,flipv,rot90" "$tmp/resume-other.out"' \
  "--resume with another --augment: exit $rc: $(head -c 300 "$tmp/resume-other.out")"
# The augmentations and the seed matter.
run flip --epochs 2 --augment flip
check '[ $rc -eq 0 ] && ! cmp -s "$tmp/ref.siam" "$tmp/flip.siam"' "--augment flip should give other bytes (exit $rc)"
run seed8 --epochs 2 --seed 8
check '[ $rc -eq 0 ] && ! cmp -s "$tmp/ref.siam" "$tmp/seed8.siam"' "--seed 8 should give other bytes (exit $rc)"

# --- the file: format 5, one class, read by the documented reader --------
awk -v out="$tmp/reader.py" '/^```python/ {n++; f = (n == 1); next} /^```/ {f = 0} f {print > out}' \
  "$here/../docs/model-format.md"
cat >>"$tmp/reader.py" <<'EOF'
import sys
m = read_model(sys.argv[1])
print("version=%d pairs=%d augment=%08x classes=%s shift=%g" % (m["version"], m["pairs"],
      m["augment"], ",".join(m["classes"]), m["augment_args"][3]))
EOF
out=$(python3 "$tmp/reader.py" "$tmp/ref.siam" 2>&1)
check '[ "$out" = "version=5 pairs=1 augment=0000007f classes=(unlabelled) shift=3" ]' \
  "the documented reader on a cold-start model: '$out'"

# --- eval: no labels seen, the validation loss train printed -------------
last=$(sed -n 's/^Epoch 2\/2 .*val_loss: \([0-9.]*\)$/\1/p' "$tmp/ref.out")
"$bin" eval --model "$tmp/ref.siam" --data "$flat" >"$tmp/eval.out" 2>"$tmp/eval.err"
rc=$?
check '[ $rc -eq 0 ] && grep -q "This model saw no labels" "$tmp/eval.out" && grep -q "; 24 validation pairs" "$tmp/eval.out" && grep -q "no pair metrics" "$tmp/eval.out"' \
  "eval on the plain folder: exit $rc: $(cat "$tmp/eval.out" "$tmp/eval.err")"
check '[ -n "$last" ] && grep -q "^validation loss $last (24 pairs" "$tmp/eval.out"' \
  "eval's validation loss should be train's last ($last): $(grep validation "$tmp/eval.out")"
"$bin" eval --model "$tmp/ref.siam" --data "$flat" --json >"$tmp/eval.json" 2>/dev/null
rc=$?
check '[ $rc -eq 0 ] && python3 -c "import json, sys; j = json.load(open(sys.argv[1])); sys.exit(not (j[\"labels_seen\"] is False and j[\"pairs\"] == \"augment\" and j[\"pair_metrics\"] is None and j[\"val_pairs\"] == 24 and abs(j[\"val_loss\"] - float(sys.argv[2])) < 6e-5))" "$tmp/eval.json" "$last"' \
  "eval --json on the plain folder: exit $rc: $(cat "$tmp/eval.json")"
"$bin" eval --model "$tmp/ref.siam" --data "$flat" --roc "$tmp/roc.png" >/dev/null 2>"$tmp/roc.err"
rc=$?
check '[ $rc -eq 1 ] && grep -q "no ROC curve to draw" "$tmp/roc.err" && [ ! -e "$tmp/roc.png" ]' \
  "eval --roc without classes: exit $rc: $(cat "$tmp/roc.err")"
"$bin" eval --model "$tmp/ref.siam" --data "$flat" --sweep >"$tmp/sweep.out" 2>"$tmp/sweep.err"
rc=$?
check '[ $rc -eq 1 ] && grep -q "^siamese eval: --sweep: .*no threshold sweep to list$" "$tmp/sweep.err" && grep -q "no pair metrics" "$tmp/sweep.out"' \
  "eval --sweep without classes: exit $rc: $(cat "$tmp/sweep.err")"
"$bin" eval --model "$tmp/ref.siam" --data "$flat" --threshold 0.3 >"$tmp/thr.out" 2>"$tmp/thr.err"
rc=$?
check '[ $rc -eq 1 ] && grep -q "^siamese eval: --threshold: .*no pairs to judge at a threshold$" "$tmp/thr.err" && grep -q "no pair metrics" "$tmp/thr.out"' \
  "eval --threshold without classes: exit $rc: $(cat "$tmp/thr.err")"
"$bin" train --data "$flat" --epochs 1 --model "$tmp/labels.siam" >"$tmp/labels.out" 2>&1
rc=$?
check '[ $rc -eq 2 ] && grep -q "a folder of images has no labels to pair by: only train --pairs augment (and a model trained so) reads it" "$tmp/labels.out"' \
  "--pairs labels on a plain folder: exit $rc: $(cat "$tmp/labels.out")"
# show-pairs and export read labels too: train's line (the same library
# call), exit 2, nothing written, with --rgb as without (not "IDX files
# hold grey images").
want=$(sed -n '1s/^siamese train: //p' "$tmp/labels.out")
for cmd in "show-pairs --out $tmp/strip.png" "show-pairs --rgb --out $tmp/strip.png" \
           "export --out $tmp/exported" "export --rgb --out $tmp/exported"; do
  "$bin" $cmd --data "$flat" >"$tmp/plain.out" 2>&1
  rc=$?
  check '[ $rc -eq 2 ] && [ -n "$want" ] && [ "$(sed -n "1s/^siamese [a-z-]*: //p" "$tmp/plain.out")" = "$want" ] && [ ! -e "$tmp/strip.png" ] && [ ! -e "$tmp/exported" ]' \
    "$cmd on a plain folder: exit $rc, expected 2 and train's line ($want): $(head -1 "$tmp/plain.out")"
done

# show-pairs with the augment model on its own plain folder draws its pairs
# as the model sees them: a "same" pair is two augmentations (the noise
# makes them differ), never one image twice at the clamped distance 0.0003
"$bin" show-pairs --data "$flat" --model "$tmp/ref.siam" --count 30 --out "$tmp/aug-strip.png" >"$tmp/augsp.out" 2>&1
rc=$?
check '[ $rc -eq 0 ] && [ -s "$tmp/aug-strip.png" ] && awk -F"\t" "\$7 == \"same\" {n++; if (\$8 + 0 < 0.001) bad++} END {exit !(n > 0 && !bad)}" "$tmp/augsp.out"' \
  "show-pairs --model (augment) on its plain folder: exit $rc: $(head -8 "$tmp/augsp.out")"

# An MVTec AD part's test/ (good/ beside defect folders) is refused before
# any work, naming the folders and the good images to give (train/good
# first when it is there); its train/, good/ alone, trains.
mkdir -p "$tmp/part/test/good" "$tmp/part/test/crack" "$tmp/part/train/good"
cp "$flat"/batch0/img0[0-4]*.pgm "$tmp/part/test/good/"
cp "$flat"/batch2/img0[0-4]*.pgm "$tmp/part/train/good/"
cp "$flat"/batch1/img0[0-4]*.pgm "$tmp/part/test/crack/"
for d in "$tmp/part/test" "$tmp/part/test/"; do
  "$bin" train --data "$d" --pairs augment --epochs 1 --model "$tmp/part.siam" >"$tmp/part.out" 2>&1
  rc=$?
  check '[ $rc -eq 2 ] && [ "$(wc -l <"$tmp/part.out")" -eq 1 ] && grep -qF "$d: good/ beside crack/ (the MVTec AD test layout): without labels every image would be trained on as good, the defects too; give the folder of good images itself (e.g. --data $tmp/part/train/good, or $tmp/part/test/good)" "$tmp/part.out" && [ ! -e "$tmp/part.siam" ]' \
    "--pairs augment on $d (good/ and crack/): exit $rc, expected 2: $(cat "$tmp/part.out")"
done
"$bin" train --data "$tmp/part/train" --pairs augment --epochs 1 --layers 4 \
  --model "$tmp/part.siam" >"$tmp/part.out" 2>&1
rc=$?
check '[ $rc -eq 0 ] && [ -s "$tmp/part.siam" ]' "--pairs augment on train/ (good/ alone): exit $rc: $(cat "$tmp/part.out")"

# --- Fashion-MNIST, labels ignored: eval's pair metrics on its classes --
fm=(--data "$data" --layers 32 --train-pairs 512 --epochs 1 --quiet)
"$bin" train "${fm[@]}" --pairs augment --model "$tmp/fm.siam" >"$tmp/fm.out" 2>&1
rc=$?
"$bin" train "${fm[@]}" --model "$tmp/fm-labels.siam" >/dev/null 2>&1
check '[ $rc -eq 0 ] && ! cmp -s "$tmp/fm.siam" "$tmp/fm-labels.siam"' \
  "Fashion-MNIST with --pairs augment (exit $rc) should differ from --pairs labels: $(cat "$tmp/fm.out")"
"$bin" eval --model "$tmp/fm.siam" --data "$data" >"$tmp/fm-eval.out" 2>&1
rc=$?
check '[ $rc -eq 0 ] && grep -q "This model saw no labels" "$tmp/fm-eval.out" && grep -q "pair metrics below use this data.s classes" "$tmp/fm-eval.out" && grep -q "19980 test pairs" "$tmp/fm-eval.out" && grep -q "^ROC AUC" "$tmp/fm-eval.out" && grep -q "^validation loss [0-9.]* (20000 pairs" "$tmp/fm-eval.out"' \
  "eval of a cold-start model on Fashion-MNIST: exit $rc: $(head -c 1200 "$tmp/fm-eval.out")"

# --- bad --augment values: exit 2, the item named ------------------------
bad_augment() {
  local want=$1
  shift
  "$bin" train --data "$flat" --epochs 1 --model "$tmp/bad.siam" "$@" >"$tmp/bad.out" 2>&1
  local rc=$?
  check '[ $rc -eq 2 ] && grep -qF -- "$want" "$tmp/bad.out" && [ ! -e "$tmp/bad.siam" ]' \
    "train $* should exit 2 with '$want': exit $rc: $(head -c 400 "$tmp/bad.out")"
}
bad_augment "--augment: 'blur:2': unknown augmentation" --pairs augment --augment blur:2
bad_augment "--augment: 'shift:0': shift expects a whole number of pixels, 1..255, found 0" --pairs augment --augment shift:0
bad_augment "--augment: 'noise:1.5': noise expects a number F, 0 < F <= 1, found 1.5" --pairs augment --augment flip,noise:1.5
bad_augment "--augment: 'flip': flip is given twice" --pairs augment --augment flip,flip
bad_augment "--augment: 'shift:16': a shift of 16 pixels does not fit images of 16 x 16" --pairs augment --augment shift:16
bad_augment "--augment: 'rot90': the images are 16 x 12 (width x height): a quarter turn needs square images" --pairs augment --augment rot90 --size 16x12
bad_augment "--augment: the augmentations make the pairs of --pairs augment" --augment flip
bad_augment "--pairs: expected" --pairs none
# --data names the path given, not a file a source would look for in it
"$bin" train --data "$tmp/nothere" --epochs 1 --model "$tmp/nothere.siam" >"$tmp/nothere.out" 2>&1
rc=$?
check '[ $rc -eq 1 ] && grep -qx "siamese train: $tmp/nothere: No such file or directory (expected a data folder)" "$tmp/nothere.out"' "a missing --data: exit $rc: $(cat "$tmp/nothere.out")"
"$bin" train --pairs augment --data "$flat/batch1/img001.pgm" --epochs 1 --model "$tmp/nothere.siam" >"$tmp/nothere.out" 2>&1
rc=$?
check '[ $rc -eq 1 ] && grep -q "img001.pgm: not a folder (expected a data folder" "$tmp/nothere.out"' "an image as --data: exit $rc: $(cat "$tmp/nothere.out")"
bad_augment "--augment: 'shift:0x2': shift expects a whole number of pixels, 1..255, found '0x2'" --pairs augment --augment shift:0x2
bad_augment "--augment: 'brightness:+0.5': brightness expects" --pairs augment --augment brightness:+0.5
bad_augment "--augment: 'shift: 2': shift expects" --pairs augment --augment 'shift: 2'
bad_augment "--augment: 'noise:1e-1': noise expects" --pairs augment --augment noise:1e-1

# --- the augmented images against the rebuild from docs/design.md -------
if [ -z "$numpy_py" ]; then
  tool_missing "augment_from_docs.py: no python3 with numpy (/usr/bin/python3 or python3)"
else
  mkdir "$tmp/dump"
  "$unit" "$tmp/dump" >"$tmp/unit.out" 2>&1
  rc=$?
  check '[ $rc -eq 0 ]' "test_augment $tmp/dump: exit $rc: $(cat "$tmp/unit.out")"
  out=$("$numpy_py" "$here/augment_from_docs.py" "$tmp/dump" 2>&1)
  rc=$?
  check '[ $rc -eq 0 ] && printf "%s" "$out" | grep -q "^68 of 68 augmented images match"' \
    "the augmented images rebuilt from docs/design.md differ (exit $rc): $(printf "%s" "$out" | tail -5)"
  # The comparison can fail: one byte of one batch image changed.
  "$numpy_py" -c "import numpy as np, sys; a = np.load(sys.argv[1]); a[5, 40] = (a[5, 40] + 1) % 256; np.save(sys.argv[1], a)" "$tmp/dump/batch.npy"
  out=$("$numpy_py" "$here/augment_from_docs.py" "$tmp/dump" 2>&1)
  rc=$?
  check '[ $rc -eq 1 ] && printf "%s" "$out" | grep -q "^batch row 5 " && printf "%s" "$out" | grep -q "^67 of 68"' \
    "a damaged batch image was not caught (exit $rc): $(printf "%s" "$out" | tail -3)"
fi
finish
