#!/usr/bin/env bash
# test_design_pairs.sh - the documents are exact, checked against the real
# binary:
#  1. scripts/pairs_from_docs.py, written from docs/design.md alone, passes
#     the document's check values and rebuilds the pairs `siamese
#     show-pairs` draws (200 test pairs for seed 42, 200 training pairs for
#     the largest seed): which pair each column shows, its images, classes
#     and truth; a damaged table is caught, so the check can fail.
#  2. The Python reader printed in docs/model-format.md reads a freshly
#     trained model, and refuses each damaged copy exactly when siamese
#     does, naming the same fault (the first in the documented order); the
#     fields the document says are not checked are accepted by both. With
#     numpy (skipped with a message without it), the document's embedding
#     reproduces the distances `show-pairs --model` prints.
#
#   usage: bash test_design_pairs.sh PATH/TO/siamese
#   exit:  0 all passed, 1 a failure, 77 skipped (no python3, or no
#          Fashion-MNIST outside CI)
set -u
bin=${1:?usage: test_design_pairs.sh PATH/TO/siamese}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
if ! command -v python3 >/dev/null; then
  echo "SKIP: python3 is not installed (needed to run scripts/pairs_from_docs.py)"
  exit 77
fi
. "$here/testlib.sh"
export LC_ALL=C
script=$root/scripts/pairs_from_docs.py

# --- 1. the pair builder of docs/design.md -------------------------------
out=$(python3 "$script" --self-test 2>&1)
check '[ $? -eq 0 ]' "pairs_from_docs.py --self-test: $out"

# pairs_check NAME SPLIT SEED: show-pairs draws 200 pairs, the script
# rebuilds them from the document and compares every row.
pairs_check() {
  local name=$1 split=$2 seed=$3 rc
  "$bin" show-pairs --split "$split" --count 200 --seed "$seed" --data "$data" \
    --out "$tmp/$name.png" >"$tmp/$name.tsv" 2>"$tmp/$name.err"
  rc=$?
  check '[ $rc -eq 0 ]' "show-pairs --split $split --seed $seed failed (exit $rc): $(cat "$tmp/$name.err")"
  local rows
  rows=$(awk -F'\t' 'NF == 7 && $1 ~ /^[0-9]+$/' "$tmp/$name.tsv" | wc -l)
  check '[ "$rows" -eq 200 ]' "show-pairs --split $split printed $rows table rows, expected 200"
  python3 "$script" --data "$data" --split "$split" --seed "$seed" --check "$tmp/$name.tsv" \
    >"$tmp/$name.check" 2>&1
  rc=$?
  check '[ $rc -eq 0 ] && grep -q "^200 of 200 rows match" "$tmp/$name.check"' \
    "$split pairs of seed $seed rebuilt from docs/design.md differ from siamese's (exit $rc): $(head -c 1500 "$tmp/$name.check")"
}
pairs_check test42 test 42
pairs_check trainmax train 18446744073709551615

# The comparison can fail: one right image changed in row 17, one pair
# number changed in row 40.
awk -F'\t' -v OFS='\t' '$1 == 17 {$5 = $5 + 1} $1 == 40 {$2 = $2 + 2} {print}' \
  "$tmp/test42.tsv" >"$tmp/damaged.tsv"
python3 "$script" --data "$data" --split test --seed 42 --check "$tmp/damaged.tsv" \
  >"$tmp/damaged.check" 2>&1
rc=$?
check '[ $rc -eq 1 ] && grep -q "^row 17:" "$tmp/damaged.check" && grep -q "^row 40:" "$tmp/damaged.check" && grep -q "^198 of 200 rows match" "$tmp/damaged.check"' \
  "a damaged table was not caught as rows 17 and 40 (exit $rc): $(head -c 800 "$tmp/damaged.check")"

# --- 2. the reader of docs/model-format.md --------------------------------
# Its code blocks: the first is the standard-library reader, the second the
# NumPy part.
awk -v dir="$tmp" '/^```python/ {n++; f = 1; next} /^```/ {f = 0} f {print > (dir "/block" n ".py")}' \
  "$root/docs/model-format.md"
check '[ -s "$tmp/block1.py" ] && [ -s "$tmp/block2.py" ]' \
  "docs/model-format.md should hold two python blocks (reader, numpy part)"
{
  cat "$tmp/block1.py"
  cat <<'EOF'
import sys
try:
    m = read_model(sys.argv[1])
except ValueError as e:
    print("refused: %s" % e)
    sys.exit(3)
print("ok epoch=%d params=%d seed=%d step=%d" % (m["epoch"], len(m["params"]), m["seed"],
                                                 m["step"]))
EOF
} >"$tmp/reader.py"

model=$tmp/m.siam
"$bin" train --epochs 2 --train-pairs 2000 --threads 1 --model "$model" --data "$data" --quiet \
  2>"$tmp/train.err"
rc=$?
check '[ $rc -eq 0 ] && [ -s "$model" ]' "train failed (exit $rc): $(cat "$tmp/train.err")"
if [ ! -s "$model" ]; then echo "$pass passed, $((fail + 1)) failed (no model: stopping)"; exit 1; fi
out=$(python3 "$tmp/reader.py" "$model" 2>&1)
check '[ "$out" = "ok epoch=2 params=133504 seed=42 step=0" ]' \
  "the documented reader on a fresh model: '$out'"

# damage KIND: writes $tmp/KIND.siam, a copy of the model with one fault
# (the CRC recomputed unless the fault is the CRC or comes before it).
cat >"$tmp/damage.py" <<'EOF'
import math, struct, sys, zlib
src, dst, kind = sys.argv[1:4]
b = bytearray(open(src, "rb").read())
epoch, = struct.unpack_from("<I", b, 72)
n, = struct.unpack_from("<Q", b, 128)
params = 136 + 8 * epoch
fix_crc = True
def f32(off, v): struct.pack_into("<f", b, off, v)
if kind == "short": b = b[:-1]; fix_crc = False
elif kind == "trailing": b += b"\0"; fix_crc = False
elif kind == "crc": b[params + 100] ^= 0x10; fix_crc = False
elif kind == "magic": b[0:8] = b"SIAMMODX"
elif kind == "version": struct.pack_into("<I", b, 8, 2)
elif kind == "layers": struct.pack_into("<I", b, 12, 4)
elif kind == "nparams": struct.pack_into("<Q", b, 128, n + 1)
elif kind == "epochbig": struct.pack_into("<I", b, 72, 100001)
elif kind == "lrinf": f32(24, math.inf)
elif kind == "rho1": f32(28, 1.0)
elif kind == "epsnan": f32(32, math.nan)
elif kind == "margininf": f32(36, -math.inf)
elif kind == "dropout1": f32(40, 1.0)
elif kind == "batch0": struct.pack_into("<I", b, 44, 0)
elif kind == "epochs0": struct.pack_into("<I", b, 48, 0)
elif kind == "threads0": struct.pack_into("<I", b, 52, 257)
elif kind == "losssum": struct.pack_into("<d", b, 120, 0.5)
elif kind == "paramnan": f32(params + 4 * 5, math.nan)
elif kind == "vneg": f32(params + 4 * n + 4 * 7, -1.0)
elif kind == "lr_and_param": f32(24, 0.0); f32(params, math.inf)
elif kind == "crc_and_lr": f32(24, 0.0); fix_crc = False
elif kind == "histnan": f32(136, math.nan); f32(140, -1.0)
elif kind == "epochs1": struct.pack_into("<I", b, 48, 1)
elif kind == "rngzero": b[80:112] = bytes(32)
elif kind == "step100": struct.pack_into("<I", b, 76, 100); struct.pack_into("<d", b, 120, 1.0)
else: sys.exit("unknown damage " + kind)
if fix_crc:
    struct.pack_into("<I", b, len(b) - 4, zlib.crc32(bytes(b[:-4])))
open(dst, "wb").write(bytes(b))
EOF

# refused KIND TOOL_WORDS READER_WORDS: siamese and the documented reader
# both refuse the damaged copy, each naming the fault.
refused() {
  local kind=$1 tool_re=$2 reader_re=$3 rc out
  python3 "$tmp/damage.py" "$model" "$tmp/$kind.siam" "$kind" || { bad "damage.py $kind failed"; return; }
  "$bin" train --resume --epochs 2 --quiet --model "$tmp/$kind.siam" --data "$data" \
    >"$tmp/$kind.out" 2>"$tmp/$kind.err"
  rc=$?
  check '[ $rc -eq 1 ] && grep -qE "$tool_re" "$tmp/$kind.err"' \
    "siamese on a model with damage '$kind': exit $rc, expected 1 and /$tool_re/: $(cat "$tmp/$kind.err")"
  out=$(python3 "$tmp/reader.py" "$tmp/$kind.siam" 2>&1)
  rc=$?
  check '[ $rc -eq 3 ] && printf "%s" "$out" | grep -qE "$reader_re"' \
    "the documented reader on damage '$kind': exit $rc, expected 3 and /$reader_re/: $out"
}
refused short 'truncated model file' 'truncated'
refused trailing 'trailing bytes' 'trailing bytes'
refused crc 'CRC-32 mismatch' 'CRC-32 mismatch'
refused magic 'expected magic' 'bad magic'
refused version 'format version 2' 'format version 2'
refused layers 'unsupported architecture' 'unsupported architecture'
refused nparams 'parameter count 133505' 'n_params 133505'
refused epochbig 'absurd epoch count' 'absurd epoch count'
refused lrinf 'bad learning rate inf' 'bad lr'
refused rho1 'bad rho' 'bad rho'
refused epsnan 'bad epsilon nan' 'bad eps'
refused margininf 'bad margin -inf' 'bad margin'
refused dropout1 'bad dropout rate' 'bad dropout'
refused batch0 'bad batch size 0' 'bad batch'
refused epochs0 'bad epoch target 0' 'bad epochs'
refused threads0 'bad thread count 257' 'bad threads'
refused losssum 'bad running loss 0.5 at step 0' 'bad running loss 0.5 at step 0'
refused paramnan 'parameter 5 is NaN' 'parameter 5 is nan'
refused vneg 'optimizer state 7 is -1' 'optimizer state 7 is -1'
# The order of the checks: hyper-parameters before the weights, the CRC
# before the hyper-parameters.
refused lr_and_param 'bad learning rate 0' 'bad lr'
refused crc_and_lr 'CRC-32 mismatch' 'CRC-32 mismatch'

# accepted KIND: what the document says is not checked when loading.
accepted() {
  local kind=$1 rc out
  python3 "$tmp/damage.py" "$model" "$tmp/$kind.siam" "$kind" || { bad "damage.py $kind failed"; return; }
  "$bin" train --resume --epochs 2 --quiet --model "$tmp/$kind.siam" --data "$data" \
    >"$tmp/$kind.out" 2>"$tmp/$kind.err"
  rc=$?
  check '[ $rc -eq 0 ]' \
    "siamese should load a model with '$kind' (the doc says it is not checked): exit $rc: $(cat "$tmp/$kind.err")"
  out=$(python3 "$tmp/reader.py" "$tmp/$kind.siam" 2>&1)
  check '[ "${out%% *}" = ok ]' "the documented reader should accept '$kind': $out"
}
accepted histnan
accepted epochs1
accepted rngzero
accepted step100
# ... but train --resume checks step against the epoch it resumes.
"$bin" train --resume --epochs 3 --quiet --model "$tmp/step100.siam" --data "$data" \
  >"$tmp/step100.out" 2>"$tmp/step100.err"
rc=$?
check '[ $rc -eq 1 ] && grep -q "the model stopped at step 100 of an epoch, but an epoch here has only 16 steps" "$tmp/step100.err"' \
  "train --resume on step 100 of 16: exit $rc: $(cat "$tmp/step100.err")"

# --- 2b. the NumPy part, with a python3 that has numpy ---------------------
py=
for cand in python3 /usr/bin/python3; do
  if command -v "$cand" >/dev/null && "$cand" -c 'import numpy' 2>/dev/null; then py=$cand; break; fi
done
if [ -z "$py" ]; then
  echo "SKIP (numpy part of docs/model-format.md): no python3 with numpy"
else
  "$bin" show-pairs --split test --count 40 --model "$model" --data "$data" \
    --out "$tmp/dist.png" >"$tmp/dist.tsv" 2>"$tmp/dist.err"
  rc=$?
  check '[ $rc -eq 0 ]' "show-pairs --model failed (exit $rc): $(cat "$tmp/dist.err")"
  cp "$model" "$tmp/model.siam"
  {
    cat "$tmp/block1.py" "$tmp/block2.py"
    cat <<'EOF'
import gzip, sys
raw = gzip.open(sys.argv[1]).read()
count, rows, cols = struct.unpack_from(">3I", raw, 4)
images = np.frombuffer(raw, np.uint8, count * rows * cols, 16).reshape(count, rows * cols)
checked = worst = 0
for line in open(sys.argv[2]):
    f = line.rstrip("\n").split("\t")
    if len(f) != 9 or not f[0].isdigit():
        continue
    left, right, printed = int(f[2]), int(f[4]), float(f[7])
    d = float(distance(embed(images[left:left + 1]), embed(images[right:right + 1]))[0])
    worst = max(worst, abs(d - printed))
    checked += 1
print("%d distances, largest difference %.2e" % (checked, worst))
sys.exit(0 if checked == 40 and worst <= 6e-5 else 1)
EOF
  } >"$tmp/numpy_check.py"
  out=$(cd "$tmp" && "$py" numpy_check.py "$data/t10k-images-idx3-ubyte.gz" dist.tsv 2>&1)
  rc=$?
  check '[ $rc -eq 0 ]' "the numpy part of docs/model-format.md does not reproduce show-pairs' distances: $out"
fi

finish
