#!/usr/bin/env bash
# test_inspect.sh - `siamese inspect` end to end on Fashion-MNIST images
# written as PGM files: T-shirts of the training split as references, test
# T-shirts as good/, shirts, pullovers and dresses as defect types (the
# MVTec AD layout). The learned model must beat raw pixels by a wide
# margin; text, --csv and --json agree; the report is a PNG; bad input is
# one line and the right status.
# usage: test_inspect.sh SIAMESE_BINARY
set -u
bin=$1
. "$(dirname "$0")/testlib.sh"

raw="$tmp/raw"
mkdir "$raw"
for s in train t10k; do
  gzip -dc "$data/$s-images-idx3-ubyte.gz" | tail -c +17 >"$raw/$s.img"
  gzip -dc "$data/$s-labels-idx1-ubyte.gz" | tail -c +9 >"$raw/$s.lab"
done
# first N indices of class C in split S
indices() { od -An -v -tu1 -w1 "$raw/$1.lab" | awk -v c="$2" -v n="$3" '$1 == c && k < n { print NR - 1; k++ }'; }
# pgm SPLIT INDEX FILE: image INDEX of SPLIT as a binary PGM
pgm() { { printf 'P5\n28 28\n255\n'; dd if="$raw/$1.img" bs=784 skip="$2" count=1 status=none; } >"$3"; }

# Every JSON read here goes through load(): a key repeated in one object
# (json.load would keep the last silently) fails the check.
cat >"$tmp/strictjson.py" <<'PY'
import json
def _no_repeats(pairs):
    keys = [k for k, _ in pairs]
    repeated = sorted({k for k in keys if keys.count(k) > 1})
    if repeated:
        raise ValueError("a key repeated in one object: %s" % repeated)
    return dict(pairs)
def load(path):
    return json.load(open(path), object_pairs_hook=_no_repeats)
PY
export PYTHONPATH="$tmp${PYTHONPATH:+:$PYTHONPATH}"

ref="$tmp/ref" img="$tmp/images"
mkdir -p "$ref" "$img/good" "$img/shirt" "$img/pullover" "$img/dress"
for i in $(indices train 0 300); do pgm train "$i" "$ref/$i.pgm"; done
for i in $(indices t10k 0 100); do pgm t10k "$i" "$img/good/$i.pgm"; done
for i in $(indices t10k 6 60); do pgm t10k "$i" "$img/shirt/$i.pgm"; done
for i in $(indices t10k 2 60); do pgm t10k "$i" "$img/pullover/$i.pgm"; done
for i in $(indices t10k 3 60); do pgm t10k "$i" "$img/dress/$i.pgm"; done
echo "README: not an image" >"$ref/README"

model="$tmp/m.siam"
"$bin" train --epochs 3 --train-pairs 30000 --threads 2 --data "$data" --model "$model" --quiet
check '[ -s "$model" ]' "training failed"

# --- learned against raw pixels ----------------------------------------------
"$bin" inspect --reference "$ref" --images "$img" --model "$model" --csv "$tmp/l.csv" \
  --report "$tmp/l.png" >"$tmp/l.txt" 2>"$tmp/l.err"
rc=$?
check '[ $rc -eq 0 ]' "inspect failed: $(cat "$tmp/l.err")"
"$bin" inspect --reference "$ref" --images "$img" --model none >"$tmp/r.txt" 2>"$tmp/r.err"
rc=$?
check '[ $rc -eq 0 ]' "inspect --model none failed: $(cat "$tmp/r.err")"
auc_l=$(sed -n 's/^AUROC \([0-9.]*\) .*/\1/p' "$tmp/l.txt")
auc_r=$(sed -n 's/^AUROC \([0-9.]*\) .*/\1/p' "$tmp/r.txt")
echo "AUROC learned $auc_l, raw pixels $auc_r"
check 'awk -v l="$auc_l" -v r="$auc_r" "BEGIN { exit !(l >= r + 0.08 && l > 0.8) }"' \
  "learned AUROC $auc_l not well above raw pixels' $auc_r"
check 'grep -q "score centroid" "$tmp/l.txt" && grep -q "score knn (k = 1)" "$tmp/r.txt"' \
  "default scores: centroid with a model, 1-NN for raw pixels"
check 'grep -q "skipped 1 file that is not an image by name (images end in .png" "$tmp/l.err"' "the README was not counted: $(cat "$tmp/l.err")"
# Every image ranked once, scores descending, nearest is a reference.
n=$(awk -F'\t' '$1 ~ /^[0-9]+$/' "$tmp/l.txt" | wc -l)
check '[ "$n" -eq 280 ]' "ranked $n images, want 280"
check 'awk -F"\t" "\$1 ~ /^[0-9]+\$/ { if (seen && \$2 > prev) bad = 1; prev = \$2; seen = 1 } END { exit bad }" "$tmp/l.txt"' \
  "scores not in descending order"
check 'awk -F"\t" "\$1 ~ /^[0-9]+\$/ && index(\$6, \"$ref/\") != 1 { bad = 1 } END { exit bad }" "$tmp/l.txt"' \
  "a nearest image that is not a reference"
# Flagged exactly when the score is above the printed threshold.
thr=$(sed -n 's/^threshold \([^ ]*\) .*/\1/p' "$tmp/l.txt")
check 'awk -F"\t" -v t="$thr" "\$1 ~ /^[0-9]+\$/ && ((\$2 > t) != (\$3 == \"yes\")) { bad = 1 } END { exit bad }" "$tmp/l.txt"' \
  "flags disagree with threshold $thr"
# The CSV: same ranking and scores as the text.
check '[ "$(head -1 "$tmp/l.csv")" = "rank,path,score,flagged,nearest,type" ] && [ "$(wc -l <"$tmp/l.csv")" -eq 281 ]' \
  "CSV header or size: $(head -2 "$tmp/l.csv")"
check 'diff <(awk -F"\t" "\$1 ~ /^[0-9]+\$/ { print \$1, \$5, \$6 }" "$tmp/l.txt") \
            <(awk -F, "NR > 1 { print \$1, \$2, \$5 }" "$tmp/l.csv") >/dev/null' "CSV and text disagree"
check '[ "$(head -c 8 "$tmp/l.png" | od -An -tx1 | tr -d " \n")" = 89504e470d0a1a0a ]' "report is not a PNG"

# --- the threshold: given, and the JSON ---------------------------------------
"$bin" inspect --reference "$ref" --images "$img" --model "$model" --threshold 0 --json >"$tmp/j.json"
if command -v python3 >/dev/null; then
  check 'python3 -c "
import sys
from strictjson import load
d = load(sys.argv[1])
assert d[\"threshold\"] == 0 and d[\"threshold_rule\"] == \"given\"
assert 0.5 < d[\"auroc\"] <= 1 and len(d[\"images\"]) == 280
assert all(i[\"flagged\"] for i in d[\"images\"])
assert {t[\"type\"] for t in d[\"types\"]} == {\"good\", \"shirt\", \"pullover\", \"dress\"}
assert all(set(i) >= {\"path\", \"score\", \"nearest\", \"flagged\", \"type\"} for i in d[\"images\"])
" "$tmp/j.json"' "inspect --json: $(head -c 300 "$tmp/j.json")"
else
  tool_missing "python3 missing: the JSON check needs it"
fi
# Nothing flagged: no precision ("-", null), not 0; the recall is a real 0.
"$bin" inspect --reference "$ref" --images "$img" --model "$model" --threshold 1e6 >"$tmp/t6.txt"
check 'grep -q "^AUROC 0\.[0-9]\{4\}   accuracy 0\.[0-9]\{4\}   precision -   recall 0\.0000 " "$tmp/t6.txt"' \
  "nothing flagged: $(grep "^AUROC" "$tmp/t6.txt")"
"$bin" inspect --reference "$ref" --images "$img" --model "$model" --threshold 1e6 --json >"$tmp/t6.json"
if command -v python3 >/dev/null; then
  check 'python3 -c "
import sys
from strictjson import load
d = load(sys.argv[1])
assert d[\"precision\"] is None and d[\"recall\"] == 0 and 0 < d[\"accuracy\"] < 1
assert all(t[\"flagged\"] == 0 for t in d[\"types\"])
" "$tmp/t6.json"' "nothing flagged, --json: $(grep -m3 "precision\|recall\|accuracy" "$tmp/t6.json")"
else
  tool_missing "python3 missing: the JSON check needs it"
fi
# k-NN with a k: runs, and differs from the centroid.
"$bin" inspect --reference "$ref" --images "$img" --model "$model" --score knn --k 10 >"$tmp/k.txt"
check 'grep -q "score knn (k = 10)" "$tmp/k.txt" && ! cmp -s "$tmp/k.txt" "$tmp/l.txt"' "--score knn --k 10"

# --features: a middle layer of the dense model runs (euclidean, named in
# the summary); the embedding is auto's choice for a dense model
"$bin" inspect --reference "$ref" --images "$img" --model "$model" --features layer:1 --score knn --k 10 >"$tmp/f1.txt"
check 'grep -q "score knn (k = 10) on layer 1 (128)" "$tmp/f1.txt" && ! cmp -s "$tmp/f1.txt" "$tmp/k.txt"' \
  "--features layer:1: $(head -1 "$tmp/f1.txt")"
"$bin" inspect --reference "$ref" --images "$img" --model "$model" --features embedding --score knn --k 10 >"$tmp/fe.txt"
check 'cmp -s "$tmp/fe.txt" "$tmp/k.txt"' "--features embedding is not the default of a dense model"

# --- --score patch on a conv model: a square drawn into good T-shirts -----
cm="$tmp/conv.siam"
"$bin" train --layers conv8,pool,conv16,pool,gap,16 --epochs 1 --train-pairs 2000 --threads 2 \
  --data "$data" --model "$cm" --quiet
check '[ -s "$cm" ]' "training a conv model failed"

# --- the default score follows the features (design.md 2.9) ----------------
# a conv model's pooled features: knn with k = 5; its embedding: the centroid
"$bin" inspect --reference "$ref" --images "$img" --model "$cm" >"$tmp/cd.txt" 2>&1
"$bin" inspect --reference "$ref" --images "$img" --model "$cm" --score knn --k 5 >"$tmp/ck5.txt" 2>&1
check 'grep -q "score knn (k = 5)" "$tmp/cd.txt" && cmp -s "$tmp/cd.txt" "$tmp/ck5.txt"' \
  "a conv model's default is not knn with k = 5 on its pooled features: $(grep -m1 score "$tmp/cd.txt")"
"$bin" inspect --reference "$ref" --images "$img" --model "$cm" --k 3 >"$tmp/ck3.txt" 2>&1
check 'grep -q "score knn (k = 3)" "$tmp/ck3.txt"' "--k 3 on a conv model's pooled features: $(head -2 "$tmp/ck3.txt")"
"$bin" inspect --reference "$ref" --images "$img" --model "$cm" --features embedding >"$tmp/ce.txt" 2>&1
"$bin" inspect --reference "$ref" --images "$img" --model "$cm" --features embedding \
  --score centroid >"$tmp/cc.txt" 2>&1
check 'grep -q "score centroid" "$tmp/ce.txt" && cmp -s "$tmp/ce.txt" "$tmp/cc.txt"' \
  "a conv model's embedding does not default to the centroid: $(grep -m1 score "$tmp/ce.txt")"
out=$("$bin" inspect --reference "$ref" --images "$img" --model "$cm" --features embedding --k 3 2>&1)
rc=$?
check '[ $rc -eq 2 ] && [[ "$out" == *"the default on a model'"'"'s embedding"* ]]' \
  "--k with the embedding's default centroid: $out"
pimg="$tmp/pimg" pimg2="$tmp/pimg2"
mkdir -p "$pimg/good" "$pimg/square"
for f in $(ls "$img/good" | head -40); do cp "$img/good/$f" "$pimg/good/$f"; done
for f in $(ls "$img/good" | tail -20); do
  cp "$img/good/$f" "$pimg/square/$f"
  for r in 2 3 4 5 6 7; do # a 6 x 6 white square at rows and columns 2..7
    printf '\377\377\377\377\377\377' | dd of="$pimg/square/$f" bs=1 seek=$((13 + r * 28 + 2)) conv=notrunc status=none
  done
done
"$bin" inspect --reference "$ref" --images "$pimg" --model "$cm" --score patch --bank 2000 \
  --maps "$tmp/maps" --report "$tmp/patch.png" --json >"$tmp/patch.json" 2>"$tmp/patch.err"
rc=$?
check '[ $rc -eq 0 ]' "inspect --score patch: exit $rc, $(cat "$tmp/patch.err")"
check '[ "$(head -c 8 "$tmp/patch.png" | od -An -tx1 | tr -d " \n")" = 89504e470d0a1a0a ]' \
  "inspect --score patch --report: not a PNG"
# the maps are named by the images' paths below --images (good/ and square/
# folders: NN-good-NAME.png, NN-square-NAME.png), numbered in --images order
check '[ "$(ls "$tmp/maps" | grep -c "\.png$")" -eq 60 ] && [ -f "$tmp/maps/01-good-$(ls "$pimg/good" | head -1 | sed "s/\.pgm$//").png" ] &&
       [ -f "$tmp/maps/60-square-$(ls "$pimg/square" | tail -1 | sed "s/\.pgm$//").png" ]' \
  "--maps: $(ls "$tmp/maps" | sed -n "1p;\$p")"
check '! grep -q "note: --maps" "$tmp/patch.err"' "a fresh --maps folder got a note: $(cat "$tmp/patch.err")"
# a second run on the 40 good images into the same folder: their maps are
# rewritten, the first run's 20 square maps stay (a run deletes nothing)
# and stderr says how many
mkdir -p "$pimg2/good" && cp "$pimg/good/"* "$pimg2/good/" # 40 good, no squares
"$bin" inspect --reference "$ref" --images "$pimg2" --model "$cm" --score patch --bank 2000 \
  --maps "$tmp/maps" >/dev/null 2>"$tmp/maps2.err"
rc=$?
check '[ $rc -eq 0 ] && [ "$(ls "$tmp/maps" | grep -c "\.png$")" -eq 60 ] && grep -q "^siamese inspect: note: --maps $tmp/maps holds 20 PNG files besides the 40 maps this run wrote" "$tmp/maps2.err"' \
  "--maps into a used folder: exit $rc, $(ls "$tmp/maps" | wc -l) files, $(cat "$tmp/maps2.err")"
# an image name of 240 bytes in a subfolder: its map's name is cut so that
# the writer's .probe-XXXXXX and .tmp-XXXXXX names beside it still fit 255
long=$(printf 'h%.0s' $(seq 240))
mkdir -p "$tmp/plong/good" && cp "$(ls -d "$pimg/good/"* | head -1)" "$tmp/plong/good/$long.pgm"
"$bin" inspect --reference "$ref" --images "$tmp/plong" --model "$cm" --score patch --bank 2000 \
  --maps "$tmp/maplong" >/dev/null 2>"$tmp/maplong.err"
rc=$?
check '[ $rc -eq 0 ] && [ "$(ls "$tmp/maplong" | wc -l)" -eq 1 ] && [ "$(ls "$tmp/maplong" | head -1 | wc -c)" -le 243 ]' \
  "a 240-byte image name: exit $rc, $(ls "$tmp/maplong" 2>&1 | head -1 | wc -c) bytes, $(cat "$tmp/maplong.err")"
if command -v python3 >/dev/null; then
  check 'python3 -c "
import os, sys
from strictjson import load
d = load(sys.argv[1])
assert d[\"score\"] == \"patch\" and d[\"positions\"] == [7, 7] and d[\"bank\"] == 2000
assert d[\"bank_of\"] == 300 * 49 and d[\"layer\"] == 4
assert d[\"maps_scale\"][1] == max(i[\"score\"] for i in d[\"images\"])
assert all(os.path.exists(i[\"map\"]) and open(i[\"map\"], \"rb\").read(8) == b\"\\x89PNG\\r\\n\\x1a\\n\" for i in d[\"images\"])
for i in d[\"images\"]:  # NN-<type>-<name>.png, the JSON naming the file written
    rel = os.path.relpath(i[\"path\"], sys.argv[2])
    n, _, rest = os.path.basename(i[\"map\"]).partition(\"-\")
    assert len(n) == 2 and rest == rel.replace(\"/\", \"-\")[:-len(\".pgm\")] + \".png\", (i[\"map\"], rel)
assert d[\"auroc\"] > 0.9, d[\"auroc\"]
print(\"patch: AUROC of the squares\", d[\"auroc\"])
" "$tmp/patch.json" "$pimg"' "inspect --score patch --json: $(head -c 400 "$tmp/patch.json")"
else
  tool_missing "python3 missing: the patch JSON check needs it"
fi
# --- the patch score's bits: the same for any --threads and exact path, with
# --local 3 and a bank the coreset picks (every option of the score)
"$bin" inspect --reference "$ref" --images "$pimg" --model "$cm" --score patch --bank 500 --local 3 \
  --threads 1 --kernels generic >"$tmp/pl1.txt" 2>"$tmp/pl1.err"
"$bin" inspect --reference "$ref" --images "$pimg" --model "$cm" --score patch --bank 500 --local 3 \
  --threads 3 >"$tmp/pl3.txt" 2>"$tmp/pl3.err"
check 'cmp -s "$tmp/pl1.txt" "$tmp/pl3.txt" && grep -q "each averaged over 3 x 3), bank 500 of" "$tmp/pl1.txt"' \
  "--score patch --local 3: 1 thread generic and 3 threads auto differ: $(diff "$tmp/pl1.txt" "$tmp/pl3.txt" | head -3; cat "$tmp/pl1.err")"
check '! cmp -s "$tmp/pl1.txt" <("$bin" inspect --reference "$ref" --images "$pimg" --model "$cm" --score patch --bank 500 2>/dev/null)' \
  "--local 3 changes nothing"
# --- --near R: each position against its own grid positions' entries; the
# bank then keeps every position, the same bits on any path; the squares
# are still found, and the scores are not those of --near any
"$bin" inspect --reference "$ref" --images "$pimg" --model "$cm" --score patch --near 0 \
  --threads 1 --kernels generic >"$tmp/pn1.txt" 2>"$tmp/pn1.err"
"$bin" inspect --reference "$ref" --images "$pimg" --model "$cm" --score patch --near 0 \
  --threads 3 --json >"$tmp/pn3.json" 2>"$tmp/pn3.err"
"$bin" inspect --reference "$ref" --images "$pimg" --model "$cm" --score patch --near 0 \
  --threads 3 >"$tmp/pn3.txt" 2>/dev/null
check 'cmp -s "$tmp/pn1.txt" "$tmp/pn3.txt" && grep -q "bank 14700 of 14700 positions, each position against the bank.s within 0 rows" "$tmp/pn1.txt"' \
  "--near 0: 1 thread generic and 3 threads differ, or not every position kept: $(diff "$tmp/pn1.txt" "$tmp/pn3.txt" | head -3; head -2 "$tmp/pn1.txt"; cat "$tmp/pn1.err")"
check '! cmp -s "$tmp/pn1.txt" <("$bin" inspect --reference "$ref" --images "$pimg" --model "$cm" --score patch --near any --bank 14700 2>/dev/null)' \
  "--near 0 scores as --near any does"
if command -v python3 >/dev/null; then
  check 'python3 -c "
import sys
from strictjson import load
d = load(sys.argv[1])
assert d[\"near\"] == 0 and d[\"bank\"] == 300 * 49, (d[\"near\"], d[\"bank\"])
assert d[\"auroc\"] > 0.9, d[\"auroc\"]
" "$tmp/pn3.json"' "inspect --score patch --near 0 --json: $(head -c 400 "$tmp/pn3.json")"
  # --pixels 1: the cells' pixels beside the features, weighted on the references
  "$bin" inspect --reference "$ref" --images "$pimg" --model "$cm" --score patch --near 0 \
    --pixels 1 --threads 2 --json >"$tmp/pp.json" 2>"$tmp/pp.err"
  check 'python3 -c "
import sys
from strictjson import load
a, b = load(sys.argv[1]), load(sys.argv[2])
assert b[\"pixels\"] == 1 and b[\"pixel_weight\"] > 0 and a[\"pixels\"] == 0 and a[\"pixel_weight\"] == 0
assert [i[\"score\"] for i in a[\"images\"]] != [i[\"score\"] for i in b[\"images\"]]
assert b[\"auroc\"] > 0.9, b[\"auroc\"]
" "$tmp/pn3.json" "$tmp/pp.json"' "inspect --pixels 1 --json: $(head -c 300 "$tmp/pp.json"; cat "$tmp/pp.err")"
else
  tool_missing "python3 missing: the --near JSON check needs it"
fi
# --- the memory a patch run needs, checked before anything is embedded -----
# 10,000 references (copies of one image: links would be one file) of the
# first layer's 28 x 28 positions of 8 features need about 1.6 GiB; under
# ulimit -v of about 1 GB the run must end with the message naming the
# limit and what to change, exit 1, not be killed or fail halfway
# AddressSanitizer reserves terabytes of address space at start, so no
# ulimit -v can be set under it: that build skips this part (the Release
# build of the same sources runs it)
if grep -q __asan_init "$bin"; then
  skipped=$((skipped + 1))
  echo "SKIP (part): ulimit -v under AddressSanitizer (it cannot start with a limit)"
elif command -v python3 >/dev/null; then
  mkdir -p "$tmp/many"
  python3 -c "import os, shutil, sys
for i in range(10000): shutil.copyfile(sys.argv[1], os.path.join(sys.argv[2], '%05d.pgm' % i))" \
    "$(ls -d "$ref"/*.pgm | head -1)" "$tmp/many"
  out=$( (ulimit -v 1000000 && "$bin" inspect --reference "$tmp/many" --images "$pimg" --model "$cm" \
    --score patch --features layer:1 --threads 2) 2>&1 >/dev/null); rc=$?
  check '[ $rc -eq 1 ] && [[ "$out" == *"the patch score needs about"*"GiB for 10000 references"* ]] &&
         [[ "$out" == *"ulimit -v"*"--features layer:K"* ]] && [ "$(printf "%s\n" "$out" | wc -l)" -eq 1 ]' \
    "a patch run beyond ulimit -v: exit $rc, '$out'"
  rm -rf "$tmp/many"
else
  tool_missing "python3 missing: the memory check's 10,000 references need it"
fi
# --- pixel AUROC: the squares' masks in MVTec's layout ---------------------
# test/ holds the same good and square images, ground_truth/square/ a mask
# of the 6 x 6 square for each; found beside test/ when --masks is not given
mv="$tmp/mv"
mkdir -p "$mv/test" "$mv/ground_truth/square"
cp -r "$pimg/good" "$pimg/square" "$mv/test/"
if command -v python3 >/dev/null; then
  python3 -c "
import os, struct, sys, zlib
def png(path, rows):  # 8-bit grey PNG, standard library only
    raw = b''.join(b'\\0' + bytes(r) for r in rows)
    chunk = lambda t, d: struct.pack('>I', len(d)) + t + d + struct.pack('>I', zlib.crc32(t + d))
    head = struct.pack('>IIBBBBB', len(rows[0]), len(rows), 8, 0, 0, 0, 0)
    open(path, 'wb').write(b'\\x89PNG\\r\\n\\x1a\\n' + chunk(b'IHDR', head)
                           + chunk(b'IDAT', zlib.compress(raw)) + chunk(b'IEND', b''))
rows = [[255 if 2 <= y <= 7 and 2 <= x <= 7 else 0 for x in range(28)] for y in range(28)]
for f in os.listdir(sys.argv[1]):
    png(os.path.join(sys.argv[2], os.path.splitext(f)[0] + '_mask.png'), rows)
png(sys.argv[3], [r[:27] for r in rows[:27]])  # a mask of another size
" "$mv/test/square" "$mv/ground_truth/square" "$mv/small.png"
  "$bin" inspect --reference "$ref" --images "$mv/test" --model "$cm" --score patch --bank 2000 \
    >"$tmp/pix.txt" 2>"$tmp/pix.err"
  rc=$?
  check '[ $rc -eq 0 ] && grep -q "^pixel AUROC 0\.[0-9]\{4\} (47040 pixels, of them 720 defect)$" "$tmp/pix.txt" &&
         awk "/^pixel AUROC/ { exit !(\$3 > 0.5) }" "$tmp/pix.txt"' \
    "inspect --score patch, masks beside the images: exit $rc, $(grep -i "auroc\|error" "$tmp/pix.txt" "$tmp/pix.err" | head -3)"
  # the per-type column: "-" for good/, the square's equal to the overall figure
  check 'awk "/^pixel AUROC/ { p = \$3 } \$1 == \"good\" && NF == 5 { g = \$5 } \$1 == \"square\" && NF == 5 { s = \$5 }
             END { exit !(p != \"\" && g == \"-\" && s == p) }" "$tmp/pix.txt"' \
    "pixel AUROC per type: $(grep -A3 "^type" "$tmp/pix.txt")"
  # --masks given: the same numbers, in JSON too
  "$bin" inspect --reference "$ref" --images "$mv/test" --model "$cm" --score patch --bank 2000 \
    --masks "$mv/ground_truth" --json >"$tmp/pix.json"
  check 'python3 -c "
import re, sys
from strictjson import load
d = load(sys.argv[1])
text = float(re.search(r\"^pixel AUROC ([0-9.]+)\", open(sys.argv[2]).read(), re.M).group(1))
assert d[\"mask_pixels\"] == 47040 and d[\"defect_pixels\"] == 720 and d[\"pixels\"] == 0, d
assert abs(d[\"pixel_auroc\"] - text) <= 5e-5, (d[\"pixel_auroc\"], text)
t = {x[\"type\"]: x for x in d[\"types\"]}
assert t[\"good\"][\"pixel_auroc\"] is None and t[\"square\"][\"pixel_auroc\"] == d[\"pixel_auroc\"]
print(\"pixel AUROC of the squares\", d[\"pixel_auroc\"])
" "$tmp/pix.json" "$tmp/pix.txt"' "inspect --masks --json: $(head -c 600 "$tmp/pix.json")"
  # a defect image without its mask: exit 1, the mask named
  first="$mv/ground_truth/square/$(ls "$mv/test/square" | head -1 | sed "s/\.pgm$//")_mask.png"
  rm "$first"
  out=$("$bin" inspect --reference "$ref" --images "$mv/test" --model "$cm" --score patch 2>&1 >/dev/null); rc=$?
  check '[ $rc -eq 1 ] && [[ "$out" == *"a defect image without its mask: $first"* ]] &&
         [ "$(printf "%s\n" "$out" | grep -vc "note:")" -eq 1 ]' "a missing mask: exit $rc, '$out'"
  # a mask of another size: exit 1, both sizes said
  cp "$mv/small.png" "$first"
  out=$("$bin" inspect --reference "$ref" --images "$mv/test" --model "$cm" --score patch 2>&1 >/dev/null); rc=$?
  check '[ $rc -eq 1 ] && [[ "$out" == *"$first: mask of 27 x 27 pixels for an image of 28 x 28"* ]]' \
    "a mask of another size: exit $rc, '$out'"
else
  tool_missing "python3 missing: the pixel AUROC checks need it (to write the masks)"
fi
# the knn score on the pooled conv features (auto) runs too
"$bin" inspect --reference "$ref" --images "$pimg" --model "$cm" --score knn --k 5 >"$tmp/pk.txt"
check 'grep -q "score knn (k = 5) on layer 3 (conv16) pooled" "$tmp/pk.txt"' "auto on a conv model: $(head -1 "$tmp/pk.txt")"

# --- every inspect command line of the README runs -------------------------
# Each "build/siamese inspect ..." (joined across its "\" lines, comments
# cut) runs, exit 0, in a folder where its names exist: good/ and
# run/reference the references, new/ and run/images the square set (good/
# and square/), parts.siam the conv model, model.siam the dense one.
readme="$(dirname "$0")/../README.md" rd="$tmp/readme"
abs_bin="$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")"
mkdir -p "$rd/run"
ln -s "$ref" "$rd/good" && ln -s "$pimg" "$rd/new"
ln -s "$ref" "$rd/run/reference" && ln -s "$pimg" "$rd/run/images"
cp "$cm" "$rd/parts.siam" && cp "$model" "$rd/model.siam"
mapfile -t cmds < <(awk '/build\/siamese inspect/ {
    c = $0; while (c ~ /\\$/ && (getline l) > 0) c = substr(c, 1, length(c) - 1) " " l
    sub(/#.*/, "", c); sub(/^[ \t]*build\/siamese /, "", c); print c }' "$readme")
check '[ ${#cmds[@]} -ge 6 ]' "README: ${#cmds[@]} inspect command lines found, want 6 or more"
for c in "${cmds[@]}"; do
  (cd "$rd" && eval "\"\$abs_bin\" $c") >/dev/null 2>"$tmp/readme.err"; rc=$?
  check '[ $rc -eq 0 ]' "README's 'siamese $c': exit $rc, $(grep -v "note:" "$tmp/readme.err" | head -1)"
done

# --- no labels: a plain folder ------------------------------------------------
"$bin" inspect --reference "$ref" --images "$img/shirt" --model "$model" >"$tmp/p.txt"
rc=$?
check '[ $rc -eq 0 ] && ! grep -q AUROC "$tmp/p.txt" && [ "$(awk -F"\t" "\$1 ~ /^[0-9]+\$/" "$tmp/p.txt" | wc -l)" -eq 60 ]' \
  "a folder without good/: $(head -3 "$tmp/p.txt")"

# --- images that are also references (the same file): a note, scores kept --
# self/ holds 5 test T-shirts and a hard link to a reference; copy/ the
# same with a copy of it (same pixels, another file): the same output, the
# note only for the link
mkdir "$tmp/self" "$tmp/copy"
for f in $(ls "$img/good" | head -5); do cp "$img/good/$f" "$tmp/self/" && cp "$img/good/$f" "$tmp/copy/"; done
r1=$(ls "$ref" | grep pgm | head -1)
ln "$ref/$r1" "$tmp/self/zz.pgm" && cp "$ref/$r1" "$tmp/copy/zz.pgm"
"$bin" inspect --reference "$ref" --images "$tmp/self" --model "$model" >"$tmp/self.txt" 2>"$tmp/self.err"
"$bin" inspect --reference "$ref" --images "$tmp/copy" --model "$model" >"$tmp/copy.txt" 2>"$tmp/copy.err"
check 'grep -q "^siamese inspect: note: 1 of the 6 images is also a reference (the same file): each is compared with itself, which lowers its score" "$tmp/self.err" &&
       ! grep -q "also a reference" "$tmp/copy.err" &&
       cmp -s <(sed "s|$tmp/self|D|" "$tmp/self.txt") <(sed "s|$tmp/copy|D|" "$tmp/copy.txt")' \
  "an image that is a reference: $(cat "$tmp/self.err" "$tmp/copy.err"; diff "$tmp/self.txt" "$tmp/copy.txt" | head -4)"
# every image a reference (the folder checked against itself, or --images
# inside --reference): still a note, one line, and the run completes
"$bin" inspect --reference "$img" --images "$img/shirt" --model "$model" >/dev/null 2>"$tmp/all.err"; rc=$?
check '[ $rc -eq 0 ] && [ "$(grep -c "also reference" "$tmp/all.err")" -eq 1 ] &&
       grep -q "^siamese inspect: note: all 60 images are also references (the same files)" "$tmp/all.err"' \
  "--images inside --reference: exit $rc, $(cat "$tmp/all.err")"

# --- bad input ---------------------------------------------------------------
bad_run() { # STATUS MESSAGE-PART ARGS...
  local want=$1 part=$2
  shift 2
  local out rc
  out=$("$bin" inspect "$@" 2>&1 >/dev/null); rc=$?
  # the error is the first line that is not a note; a runtime error is the only one
  check '[ $rc -eq $want ] && [[ "$(printf "%s\n" "$out" | grep -v "note:" | head -1)" == *"$part"* ]] &&
         { [ $want -eq 2 ] || [ "$(printf "%s\n" "$out" | grep -vc "note:")" -eq 1 ]; }' \
    "inspect $*: exit $rc (want $want), '$out'"
}
mkdir "$tmp/empty"
bad_run 1 "no images" --reference "$tmp/empty" --images "$img" --model "$model"
bad_run 1 "No such file" --reference "$tmp/nothere" --images "$img" --model "$model"
bad_run 2 "--k" --reference "$ref" --images "$img" --k 0 --model "$model"
bad_run 2 "--score" --reference "$ref" --images "$img" --score median --model "$model"
bad_run 2 "--images" --reference "$ref" --model "$model"
bad_run 2 "the model has 3 layers" --reference "$ref" --images "$img" --model "$model" --features layer:4
bad_run 2 "--features layer:x" --reference "$ref" --images "$img" --model "$model" --features layer:x
bad_run 2 "--features needs a model" --reference "$ref" --images "$img" --model none --features auto
bad_run 2 "2 x 2 positions" --reference "$ref" --images "$img" --model "$model" --score patch
bad_run 2 "--score patch needs a model" --reference "$ref" --images "$img" --model none --score patch
bad_run 2 "--bank belongs to --score patch" --reference "$ref" --images "$img" --model "$model" --bank 10
bad_run 2 "--local belongs to --score patch" --reference "$ref" --images "$img" --model "$model" --local 3
bad_run 2 "--pixels belongs to --score patch" --reference "$ref" --images "$img" --model "$model" --pixels 1
bad_run 2 "--near belongs to --score patch" --reference "$ref" --images "$img" --model "$model" --near 0
bad_run 2 "--near: expected any or a whole number from 0 to 64, found 'x'" --reference "$ref" --images "$pimg" --model "$cm" --score patch --near x
bad_run 2 "found '65'" --reference "$ref" --images "$pimg" --model "$cm" --score patch --near 65
bad_run 2 "--local 4: the neighbourhood's side must be odd" --reference "$ref" --images "$pimg" --model "$cm" --score patch --local 4
bad_run 2 "--maps belongs to --score patch" --reference "$ref" --images "$img" --model "$model" --maps "$tmp/maps"
bad_run 2 "--maps" --reference "$ref" --images "$img" --model "$model" --score patch --maps "$img/good"
# --maps DIR that cannot be written: refused with the other outputs, before
# anything is scored (nothing on stdout), exit 1; the folder holding DIR is
# not made (as for --report), DIR itself is
ro="$tmp/ro-maps"
mkdir "$ro" && chmod 500 "$ro"
unwritable="$ro" && [ "$(id -u)" -eq 0 ] && unwritable=/sys # root: permissions do not stop it
for m in "$tmp/nothere/maps:cannot create the folder: No such file or directory" \
         "$tmp/l.csv:not a folder" "$unwritable:cannot create files in the folder" \
         "$unwritable/maps:cannot create the folder"; do
  out=$("$bin" inspect --reference "$ref" --images "$pimg" --model "$cm" --score patch \
    --maps "${m%%:*}" 2>"$tmp/mapsbad.err"); rc=$?
  check '[ $rc -eq 1 ] && [ -z "$out" ] && [ "$(wc -l <"$tmp/mapsbad.err")" -eq 1 ] &&
         grep -q "^siamese inspect: --maps ${m%%:*}: ${m#*:}" "$tmp/mapsbad.err"' \
    "--maps ${m%%:*}: exit $rc, stdout $(printf "%s" "$out" | head -c 80), stderr $(cat "$tmp/mapsbad.err")"
done
check '[ ! -e "$tmp/nothere" ] && [ -z "$(ls -A "$ro")" ] && [ -f "$tmp/l.csv" ]' \
  "a refused --maps made or changed something: $(ls -A "$tmp/nothere" "$ro" 2>&1 | head -3)"
chmod 700 "$ro"
# a map never replaces an input: --maps inside --images is refused first
bad_run 2 "--maps $pimg/square" --reference "$ref" --images "$pimg" --model "$cm" --score patch --maps "$pimg/square"
# no other output inside --maps DIR: a map would replace it, or it a map
first_map=$(ls "$tmp/maps" | head -1)
cp "$tmp/maps/$first_map" "$tmp/map-before.png"
bad_run 2 "--report $tmp/maps/$first_map is inside --maps $tmp/maps, which this run writes" --reference "$ref" --images "$pimg" --model "$cm" --score patch --maps "$tmp/maps" --report "$tmp/maps/$first_map"
bad_run 2 "--csv $tmp/maps/new.csv is inside --maps $tmp/maps" --reference "$ref" --images "$pimg" --model "$cm" --score patch --maps "$tmp/maps" --csv "$tmp/maps/new.csv"
check 'cmp -s "$tmp/maps/$first_map" "$tmp/map-before.png" && [ ! -e "$tmp/maps/new.csv" ]' "a refused run changed --maps DIR"
bad_run 2 "--masks belongs to --score patch" --reference "$ref" --images "$pimg" --model "$cm" --score knn --masks "$tmp"
bad_run 2 "pixel metrics need the MVTec layout" --reference "$ref" --images "$pimg/square" --model "$cm" --score patch --masks "$tmp"
# an MVTec AD category's root (test/good/, ground_truth/ beside it) is not a
# set of images: refused before any work, naming the folder to give
bad_run 2 "--images $mv/ is an MVTec AD category (test/good/ with ground_truth/ or train/ beside it), not a set of images: its masks and training images would be scored as parts; give its test images, --images $mv/test" \
  --reference "$ref" --images "$mv/" --model "$cm" --score patch
bad_run 2 "--reference $mv is an MVTec AD category" --reference "$mv" --images "$mv/test" --model "$cm"
# train/ instead of ground_truth/; its good images named when they are there
mkdir -p "$tmp/cat/train/good" && ln -s "$mv/test" "$tmp/cat/test"
bad_run 2 "give its test images, --images $tmp/cat/test (and --reference $tmp/cat/train/good)" --reference "$ref" --images "$tmp/cat" --model "$model"
rm -r "$tmp/cat/train" # test/ alone beside nothing: a folder of images like any other
"$bin" inspect --reference "$ref" --images "$tmp/cat" --model "$model" >/dev/null 2>"$tmp/cat.err"; rc=$?
check '[ $rc -eq 0 ]' "test/good/ without train/ or ground_truth/ beside it: exit $rc, $(cat "$tmp/cat.err")"
printf 'P5\n2 2\n255\n\001\002\003\004' >"$tmp/tiny.pgm"
bad_run 1 "tiny.pgm: 2 x 2 pixels, but the model takes 28 x 28" --reference "$ref" --images "$tmp/tiny.pgm" --model "$model"
cp "$img/good/"$(ls "$img/good" | head -1) "$img/loose.pgm"
bad_run 1 "every image must be in good/" --reference "$ref" --images "$img" --model "$model"
rm "$img/loose.pgm"
bad_run 1 "k = 301 neighbours" --reference "$ref" --images "$img" --model "$model" --score knn --k 301 --threshold 1
# A link back to a folder it is in would be listed forever.
mkdir "$tmp/loop"
cp "$ref/$(ls "$ref" | grep pgm | head -1)" "$tmp/loop/"
ln -s . "$tmp/loop/self"
bad_run 1 "a link back to a folder it is inside" --reference "$tmp/loop" --images "$img" --model "$model"
rm "$tmp/loop/self"
# No output may be an input image (refused before any work, input intact).
victim="$img/shirt/$(ls "$img/shirt" | head -1)"
cp "$victim" "$tmp/victim.copy"
bad_run 2 "is the same file as --images" --reference "$ref" --images "$img" --model "$model" --csv "$victim"
check 'cmp -s "$victim" "$tmp/victim.copy"' "an input image was overwritten by --csv"
# good/ alone: no AUROC, and the JSON says null rather than nan.
mkdir -p "$tmp/onlygood"
ln -s "$img/good" "$tmp/onlygood/good"
"$bin" inspect --reference "$ref" --images "$tmp/onlygood" --model "$model" --json >"$tmp/og.json" 2>/dev/null
# no anomalous image: no recall either; the precision of the good flagged is 0
check 'grep -q "\"auroc\": null" "$tmp/og.json" && grep -q "\"recall\": null" "$tmp/og.json" &&
       grep -q "\"precision\": 0\.000000" "$tmp/og.json" && ! grep -qi "nan" "$tmp/og.json"' \
  "good/ alone: $(grep "auroc\|recall\|precision" "$tmp/og.json")"
# A PNG whose chunk claims 2 GB (found by fuzzing: stb_image would allocate
# it) is refused from its bytes.
cp "$(dirname "$0")/fuzz/corpus/image/oom-png-idat-length-2g.png" "$tmp/huge-chunk.png"
bad_run 1 "huge-chunk.png: a cut-short PNG file: a chunk is longer than the rest" --reference "$ref" --images "$tmp/huge-chunk.png" --model "$model"
echo garbage >"$img/good/broken.png"
bad_run 1 "broken.png" --reference "$ref" --images "$img" --model "$model"

finish
