#!/usr/bin/env bash
# test_design_pairs.sh - the documents are exact, checked against the real
# binary:
#  1. scripts/pairs_from_docs.py, written from docs/design.md alone, passes
#     the document's check values and rebuilds the pairs `siamese
#     show-pairs` draws (200 test pairs for seed 42, 200 training pairs for
#     the largest seed): which pair each column shows, its images, classes
#     and truth; a damaged table is caught, so the check can fail.
#  2. docs/model-format.md (format version 3): its header tables are
#     contiguous and list its reader's fields, the version-2 field sits
#     where version 3's kernels does, and the damaged copies below are made
#     at their offsets; its standard-library Python reader reads freshly
#     trained models (euclidean, and cosine with --layers 64,32), a
#     version-2 file (threads in place of kernels) and a version-1 file
#     built from the version-1 table, and refuses each
#     damaged copy exactly when siamese does, naming the same fault (the
#     first in the documented order); what the document says is not
#     checked is accepted by both, and the checks the commands make after
#     loading (fingerprint, step, threshold of a completed run) behave as
#     documented; the fingerprint computed from its description matches.
#     With numpy, the document's embedding and distances reproduce what
#     `show-pairs --model` prints, for each head.
#
#   usage: bash test_design_pairs.sh PATH/TO/siamese
#   exit:  0 all passed, 1 a failure, 77 skipped (no python3, or no
#          Fashion-MNIST, outside CI; under CI=true either fails); the
#          standard-library part runs with the python3 on PATH, the numpy
#          part with /usr/bin/python3 (or python3) when it has numpy
#          (without: skipped with a message, a failure under CI=true)
set -u
bin=${1:?usage: test_design_pairs.sh PATH/TO/siamese}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
if ! command -v python3 >/dev/null; then
  if [ -n "${CI:-}" ] && [ "$CI" != false ]; then
    echo "FAIL: python3 is not installed (needed to run scripts/pairs_from_docs.py; scripts/setup.sh installs it)"
    exit 1
  fi
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
doc=$root/docs/model-format.md
# Its code blocks: the first is the standard-library reader, the second the
# NumPy part.
awk -v dir="$tmp" '/^```python/ {n++; f = 1; next} /^```/ {f = 0} f {print > (dir "/block" n ".py")}' \
  "$doc"
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
print("ok version=%d epoch=%d params=%d seed=%d step=%d input=%dx%d,grey%d,resize%d head=%s "
      "layers=%s classes=%d first=%s fingerprint=%016x threshold=%r kernels=%d threads=%s"
      % (m["version"], m["epoch"], len(m["params"]), m["seed"], m["step"], m["width"],
         m["height"], m["grey"], m["resize"], HEADS[m["head"]],
         ",".join(map(str, m["widths"][:m["n_layers"]])), len(m["classes"]),
         m["classes"][0].encode("utf-8", "surrogateescape").hex(), m["fingerprint"],
         m["threshold"], m["kernels"], m.get("threads", "-")))
EOF
} >"$tmp/reader.py"

# field WORD LINE: the value of WORD=... in a line of reader.py's output.
field() { printf '%s\n' "$2" | tr ' ' '\n' | sed -n "s/^$1=//p"; }

model=$tmp/m.siam
"$bin" train --epochs 2 --train-pairs 2000 --threads 1 --model "$model" --data "$data" --quiet \
  2>"$tmp/train.err"
rc=$?
check '[ $rc -eq 0 ] && [ -s "$model" ]' "train failed (exit $rc): $(cat "$tmp/train.err")"
if [ ! -s "$model" ]; then echo "$pass passed, $((fail + 1)) failed (no model: stopping)"; exit 1; fi
out=$(python3 "$tmp/reader.py" "$model" 2>&1)
check 'case "$out" in "ok version=3 epoch=2 params=133504 seed=42 step=0 input=28x28,grey1,resize0 head=euclidean layers=128,128,128 classes=10 first=542d73686972742f746f70 "*" kernels=0 threads=-") true;; *) false;; esac' \
  "the documented reader on a fresh model (version 3, exact kernels): '$out'"
fresh=$out
threshold=$(field threshold "$fresh")
check 'python3 -c "import math, sys; t = float(sys.argv[1]); sys.exit(not (math.isfinite(t) and t > 0))" "$threshold"' \
  "a completed run should store a finite threshold > 0, the reader found '$threshold'"

# The fingerprint, computed as the document describes it, from the IDX files.
cat >"$tmp/fingerprint.py" <<'EOF'
import gzip, os, struct, sys, zlib
def idx(path):
    raw = gzip.open(path).read()
    dims = raw[3]
    shape = struct.unpack_from(">%dI" % dims, raw, 4)
    return shape, raw[4 + 4 * dims:]
h = 0xcbf29ce484222325
def fnv(v, n):
    global h
    for i in range(n):
        h = ((h ^ ((v >> (8 * i)) & 0xff)) * 0x100000001b3) & (2**64 - 1)
splits = []
for prefix in ("train", "t10k"):
    (n, rows, cols), px = idx(os.path.join(sys.argv[1], prefix + "-images-idx3-ubyte.gz"))
    _, labels = idx(os.path.join(sys.argv[1], prefix + "-labels-idx1-ubyte.gz"))
    splits.append((n, rows * cols, px, labels))
fnv(rows, 4); fnv(cols, 4); fnv(10, 4)
for n, P, px, labels in splits:
    fnv(n, 8)
    crcs = [zlib.crc32(px[i * P:(i + 1) * P]) for i in range(n)]
    for c in range(10):
        for i in range(n):
            if labels[i] == c:
                fnv(crcs[i], 4)
print("%016x" % (h or 1))
EOF
fp=$(python3 "$tmp/fingerprint.py" "$data" 2>&1)
check '[ "$fp" = "$(field fingerprint "$fresh")" ]' \
  "the fingerprint computed as docs/model-format.md describes it ($fp) differs from the file's ($(field fingerprint "$fresh"))"

# damage.py DOC SRC DST KIND: writes DST, a copy of SRC with one fault (the
# CRC recomputed unless the fault is the CRC or comes before it). Offsets
# come from the header tables of the document (checked to be contiguous and
# to list the reader's fields); the class table is parsed to find the body.
cat >"$tmp/damage.py" <<'EOF'
import math, struct, sys, zlib
doc, src, dst, kind = sys.argv[1:5]

def table(heading, total):
    """{field: (offset, size)} of the header table under heading."""
    lines = open(doc).read().split("\n")
    fields, end = {}, 0
    for line in lines[lines.index(heading) + 1:]:
        if line.startswith("#"):
            break
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if line.startswith("|") and cells[0].isdigit():
            off, size, name = int(cells[0]), int(cells[1]), cells[3]
            if off != end:
                sys.exit("%s: field %s at %d, expected %d" % (heading, name, off, end))
            fields[name] = (off, size)
            end = off + size
    if end != total:
        sys.exit("%s: the fields end at %d, expected %d" % (heading, end, total))
    return fields

V3 = table("## Header (196 bytes)", 196)
V1 = table("### Version 1 header (136 bytes)", 136)
reader = {}
exec(open(sys.argv[0].replace("damage.py", "block1.py")).read(), reader)
for v, t in ((3, V3), (1, V1)):
    if list(t)[2:] != [name for name, _ in reader["FIELDS"][v]]:
        sys.exit("version %d: the table's fields differ from the reader's FIELDS" % v)
# Version 2: the one field of its table replaces version 3's at the same
# offset, in the document and in the reader.
lines = open(doc).read().split("\n")
rows = [[c.strip() for c in l.strip().strip("|").split("|")]
        for l in lines[lines.index("### Version 2 field") + 1:] if l.startswith("| 9")]
if len(rows) != 1 or rows[0][3] != "threads" or int(rows[0][0]) != V3["kernels"][0] \
        or int(rows[0][1]) != V3["kernels"][1]:
    sys.exit("### Version 2 field: expected one row, threads at kernels' place: %r" % rows)
v2 = [("threads", f) if name == "kernels" else (name, f) for name, f in reader["FIELDS"][3]]
if reader["FIELDS"][2] != v2:
    sys.exit("version 2: the reader's FIELDS are not version 3's with threads for kernels")
V2_THREADS = int(rows[0][0])

b = bytearray(open(src, "rb").read())
def off(name): return V3[name][0]
def u32(name, v, i=0): struct.pack_into("<I", b, off(name) + 4 * i, v)
def u64(name, v, i=0): struct.pack_into("<Q", b, off(name) + 8 * i, v)
def f32(at, v): struct.pack_into("<f", b, at, v)
def get(fmt, name): return struct.unpack_from(fmt, b, off(name))[0]
epoch, n = get("<I", "epoch"), get("<Q", "n_params")
names, pos = [], 196
for _ in range(get("<I", "n_classes")):
    k, = struct.unpack_from("<H", b, pos)
    names.append(pos)
    pos += 2 + k
body = pos
params = body + 8 * epoch
v = params + 4 * n

if kind.startswith("v1"):       # version 1: the old header, no class table
    h = bytearray(136)
    for name, (o, size) in V1.items():
        if name in V3:
            h[o:o + size] = b[off(name):off(name) + size]
    struct.pack_into("<I", h, V1["version"][0], 1)
    struct.pack_into("<I", h, V1["threads"][0], 1)    # not in version 3
    widths = struct.unpack_from("<8I", b, off("widths"))
    struct.pack_into("<3I", h, V1["layers"][0], 3, get("<I", "width") * get("<I", "height"),
                     widths[0])
    b = h + b[body:]
    if kind == "v1layers": struct.pack_into("<I", b, V1["layers"][0], 4)
    elif kind != "v1": sys.exit("unknown damage " + kind)
    struct.pack_into("<I", b, len(b) - 4, zlib.crc32(bytes(b[:-4])))
    open(dst, "wb").write(bytes(b))
    sys.exit(0)

fix_crc = True
if kind == "short": b = b[:-1]; fix_crc = False
elif kind == "trailing": b += b"\0"; fix_crc = False
elif kind == "crc": b[params + 100] ^= 0x10; fix_crc = False
elif kind == "header": b = b[:150]; fix_crc = False
elif kind == "classcut": b = b[:201]; fix_crc = False
elif kind == "magic": b[0:8] = b"SIAMMODX"
elif kind == "version6": u32("version", 6)
elif kind == "height0": u32("height", 0)
elif kind == "grey2": u32("grey", 2)
elif kind == "resize2": u32("resize", 2)
elif kind == "head4": u32("head", 4)
elif kind == "nlayers9": u32("n_layers", 9)
elif kind == "width0": u32("widths", 0, 1)
elif kind == "widthpast": u32("widths", 7, 5)
elif kind == "nparams": u64("n_params", n + 1)
elif kind == "nparamsabsurd": u32("n_layers", 9); u64("n_params", 1 << 40)
elif kind == "nclasses1": u32("n_classes", 1)
elif kind == "classname": b[names[0] + 2] = 0x01
elif kind == "classlen0": struct.pack_into("<H", b, names[0], 0)
elif kind == "classdup": b[names[7] + 2:names[7] + 9] = b"Trouser"    # class 1's name
elif kind == "epochbig": u32("epoch", 100001)
elif kind == "lrinf": f32(off("lr"), math.inf)
elif kind == "rho1": f32(off("rho"), 1.0)
elif kind == "epsnan": f32(off("eps"), math.nan)
elif kind == "margininf": f32(off("margin"), -math.inf)
elif kind == "margin2.5": f32(off("margin"), 2.5)
elif kind == "dropout1": f32(off("dropout"), 1.0)
elif kind == "batch0": u32("batch", 0)
elif kind == "epochs0": u32("epochs", 0)
elif kind == "kernels2": u32("kernels", 2)
elif kind == "kernels2_epochgt": u32("kernels", 2); u32("epochs", epoch - 1)
elif kind == "epochs0_kernels2": u32("epochs", 0); u32("kernels", 2)
elif kind.startswith("v2"):     # version 2: threads where kernels is
    u32("version", 2)
    struct.pack_into("<I", b, V2_THREADS, {"v2": 3, "v2threads257": 257, "v2threads0": 0}[kind])
elif kind == "epochgt": u32("epochs", epoch - 1)
elif kind == "stepend": u32("step", 5); struct.pack_into("<d", b, off("loss_sum"), 1.0)
elif kind == "rngzero": b[off("rng"):off("rng") + 32] = bytes(32)
elif kind == "losssum": struct.pack_into("<d", b, off("loss_sum"), 0.5)
elif kind == "thresholdinf": f32(off("threshold"), math.inf)
elif kind == "histnan": f32(body, math.nan)
elif kind == "paramnan": f32(params + 4 * 5, math.nan)
elif kind == "paraminf": f32(params + 4 * 9, -math.inf)
elif kind == "vneg": f32(v + 4 * 7, -1.0)
elif kind == "lr_and_param": f32(off("lr"), 0.0); f32(params, math.inf)
elif kind == "crc_and_lr": f32(off("lr"), 0.0); fix_crc = False
# Not checked when loading (docs/model-format.md):
elif kind == "seed": u64("seed", 12345)
elif kind == "kernels1": u32("kernels", 1)
elif kind == "trainpairs": u64("train_pairs", 10**12)
elif kind == "epochseed": u64("epoch_seed", 0x0123456789abcdef)
elif kind == "rngother": [u64("rng", i + 1, i) for i in range(4)]
elif kind == "fingerprint0": u64("fingerprint", 0)
elif kind == "fingerprintx": u64("fingerprint", 0x0123456789abcdef)
elif kind == "threshold5": f32(off("threshold"), 5.0)
elif kind == "thresholdnan": f32(off("threshold"), math.nan)
elif kind == "margin1000": f32(off("margin"), 1000.0)
elif kind == "classutf8": b[names[0] + 2:names[0] + 13] = b"T-shirt\xc3\xa9op"      # UTF-8, not checked
elif kind == "step100":
    u32("epochs", epoch + 1); u32("step", 100); struct.pack_into("<d", b, off("loss_sum"), 1.0)
else: sys.exit("unknown damage " + kind)
if fix_crc:
    struct.pack_into("<I", b, len(b) - 4, zlib.crc32(bytes(b[:-4])))
open(dst, "wb").write(bytes(b))
EOF

# damage KIND [SRC]: writes $tmp/KIND.siam from SRC (default: the model).
damage() {
  python3 "$tmp/damage.py" "$doc" "${2:-$model}" "$tmp/$1.siam" "$1" 2>"$tmp/$1.damage" ||
    { bad "damage.py $1 failed: $(cat "$tmp/$1.damage")"; return 1; }
}

# refused KIND WORDS [SRC]: siamese and the documented reader both refuse the
# damaged copy, naming the fault with the same words (an extended regex).
refused() {
  local kind=$1 re=$2 rc out
  damage "$kind" "${3:-}" || return
  "$bin" train --resume --epochs 2 --quiet --model "$tmp/$kind.siam" --data "$data" \
    >"$tmp/$kind.out" 2>"$tmp/$kind.err"
  rc=$?
  check '[ $rc -eq 1 ] && [ "$(wc -l <"$tmp/$kind.err")" -eq 1 ] && grep -qE "$re" "$tmp/$kind.err"' \
    "siamese on a model with damage '$kind': exit $rc, expected 1 and one line /$re/: $(cat "$tmp/$kind.err")"
  out=$(python3 "$tmp/reader.py" "$tmp/$kind.siam" 2>&1)
  rc=$?
  check '[ $rc -eq 3 ] && printf "%s" "$out" | grep -qE "$re"' \
    "the documented reader on damage '$kind': exit $rc, expected 3 and /$re/: $out"
}
refused short 'truncated model file: [0-9]+ bytes, expected'
refused trailing 'model file has 1 trailing bytes'
refused crc 'CRC-32 mismatch'
refused header 'truncated model file: 150 bytes, the header alone needs 200'
refused classcut 'truncated model file: the class table ends early'
refused magic 'expected magic "SIAMMODL"'
refused version6 'model format version 6, this build reads versions 1 to 5'
refused height0 'field width/height: input of 28 x 0 pixels'
refused grey2 'field grey: unknown grey formula 2'
refused resize2 'field resize: unknown resize filter 2'
refused head4 'field head: unknown distance head 4'
refused nlayers9 'field n_layers: 9 layers'
refused width0 'field widths: layer 2 is 0 wide'
refused widthpast 'field widths: entry 6 is 7'
refused nparams 'field n_params: 133505 does not match the architecture \(expected 133504\)'
refused nparamsabsurd 'field n_params: absurd parameter count 1099511627776'
refused nclasses1 'field n_classes: 1: expected 2\.\.1000'
refused classname 'class table: name 0 is not printable text'
refused classlen0 'class table: name 0 is 0 bytes: expected 1\.\.255'
refused classdup 'class table: name 7 is a duplicate'
refused epochbig 'field epoch: absurd epoch count 100001'
refused lrinf 'field lr: bad learning rate inf'
refused rho1 'field rho: 1: expected 0 <= rho < 1'
refused epsnan 'field eps: bad epsilon -?nan'
refused margininf 'field margin: bad margin -inf'
refused dropout1 'field dropout: 1: expected'
refused batch0 'field batch: 0: expected 1\.\.65536'
refused epochs0 'field epochs: 0: expected 1\.\.100000'
refused kernels2 'field kernels: 2: expected 0 \(exact\) or 1 \(openblas\)'
refused epochgt 'field epoch: 2 epochs done of 1 asked for'
refused stepend 'field step: 5 steps into an epoch past the last'
refused rngzero 'field rng: all-zero state'
refused losssum 'field loss_sum: bad running loss 0\.5 at step 0'
refused thresholdinf 'field threshold: inf: expected NaN'
refused histnan 'history: epoch 1 has loss -?nan'
refused paramnan 'parameter 5 is NaN'
refused paraminf 'parameter 9 is infinite'
refused vneg 'optimizer state 7 is -1'
# The order of the checks: the fields before the weights, the CRC before
# the fields.
refused lr_and_param 'field lr: bad learning rate 0'
refused epochs0_kernels2 'field epochs: 0: expected'
refused kernels2_epochgt 'field kernels: 2: expected'
refused crc_and_lr 'CRC-32 mismatch'

# accepted KIND [SRC]: what the document says is not checked when loading:
# siamese loads it (--epochs 2 is reached: nothing to do, exit 0), and so
# does the documented reader. Sets $out to the reader's line.
accepted() {
  local kind=$1 rc
  damage "$kind" "${2:-}" || return
  "$bin" train --resume --epochs 2 --quiet --model "$tmp/$kind.siam" --data "$data" \
    >"$tmp/$kind.out" 2>"$tmp/$kind.err"
  rc=$?
  check '[ $rc -eq 0 ]' \
    "siamese should load a model with '$kind' (the doc says it is not checked): exit $rc: $(cat "$tmp/$kind.err")"
  out=$(python3 "$tmp/reader.py" "$tmp/$kind.siam" 2>&1)
  check '[ "${out%% *}" = ok ]' "the documented reader should accept '$kind': $out"
}
accepted seed
check '[ "$(field seed "$out")" = 12345 ]' "the reader on 'seed': $out"
accepted kernels1
check '[ "$(field kernels "$out")" = 1 ]' "the reader on 'kernels1': $out"
accepted trainpairs
accepted epochseed
accepted rngother
accepted fingerprint0
accepted threshold5
accepted margin1000
accepted classutf8
check '[ "$(field first "$out")" = 542d7368697274c3a96f70 ]' "the reader on 'classutf8': $out"
accepted fingerprintx
# ... but the commands compare the fingerprint with their data: eval notes
# it, train --resume refuses.
"$bin" eval --model "$tmp/fingerprintx.siam" --data "$data" >"$tmp/fpx.out" 2>"$tmp/fpx.err"
rc=$?
check '[ $rc -eq 0 ] && grep -q "is not the data .*fingerprintx.siam was trained on" "$tmp/fpx.err"' \
  "eval on a model of other data: exit $rc, expected 0 and a note: $(cat "$tmp/fpx.err")"
"$bin" train --resume --epochs 3 --quiet --model "$tmp/fingerprintx.siam" --data "$data" \
  >"$tmp/fpx3.out" 2>"$tmp/fpx3.err"
rc=$?
check '[ $rc -eq 1 ] && grep -q "not the data .*fingerprintx.siam was trained on (fingerprint $fp, the model.s 0123456789abcdef)" "$tmp/fpx3.err"' \
  "train --resume on a model of other data: exit $rc, expected 1: $(cat "$tmp/fpx3.err")"
accepted step100
# ... but train --resume checks step against the epoch it resumes.
"$bin" train --resume --epochs 3 --quiet --model "$tmp/step100.siam" --data "$data" \
  >"$tmp/step100.out" 2>"$tmp/step100.err"
rc=$?
check '[ $rc -eq 1 ] && grep -q "the model stopped at step 100 of an epoch, but an epoch here has only 16 steps" "$tmp/step100.err"' \
  "train --resume on step 100 of 16: exit $rc: $(cat "$tmp/step100.err")"
# A completed run without its threshold: train --resume stores it, the same
# as the run's own (same weights, same training pairs).
accepted thresholdnan
check '[ "$(field threshold "$out")" = "$threshold" ]' \
  "train --resume should store the threshold of a completed run ($threshold): $out"

# A cosine model with other layers: a margin above 2 is refused for this
# head only.
cos=$tmp/cos.siam
"$bin" train --epochs 2 --train-pairs 2000 --threads 1 --distance cosine --layers 64,32 \
  --model "$cos" --data "$data" --quiet 2>"$tmp/cos.err"
rc=$?
check '[ $rc -eq 0 ] && [ -s "$cos" ]' "train --distance cosine failed (exit $rc): $(cat "$tmp/cos.err")"
out=$(python3 "$tmp/reader.py" "$cos" 2>&1)
check 'case "$out" in "ok version=3 epoch=2 params=52320 seed=42 step=0 input=28x28,grey1,resize0 head=cosine layers=64,32 "*) true;; *) false;; esac' \
  "the documented reader on a cosine model: '$out'"
refused margin2.5 'field margin: bad margin 2\.5 \(expected above 0, at most 2 for this head\)' "$cos"

# A version-2 file: the model with version 2 and a thread count (3) where
# kernels is. siamese and the reader both load it, as the same model
# trained with OpenBLAS kernels, and eval gives the same results; train
# --resume writes it back as version 3 with kernels = 1 (openblas).
accepted v2
want="ok version=2 ${fresh#ok version=3 }"
want="${want% kernels=0 threads=-} kernels=1 threads=3"
check '[ "$out" = "$want" ]' "the documented reader on a version-2 file: '$out', expected '$want'"
"$bin" eval --model "$tmp/v2.siam" --data "$data" >"$tmp/v2.eval" 2>"$tmp/v2.everr"
rc=$?
check '[ $rc -eq 0 ] && [ ! -s "$tmp/v2.everr" ]' \
  "siamese eval --model v2.siam: exit $rc, expected 0 and no note: $(cat "$tmp/v2.everr")"
"$bin" eval --model "$model" --data "$data" >"$tmp/v3.eval" 2>"$tmp/v3.everr"
check 'head -1 "$tmp/v2.eval" | grep -q "v2.siam: epoch 2, seed 42, distance euclidean" && [ "$(tail -n +2 "$tmp/v2.eval")" = "$(tail -n +2 "$tmp/v3.eval")" ]' \
  "eval of the version-2 file differs from the version-3 model's: $(diff "$tmp/v2.eval" "$tmp/v3.eval" | head -20)"
cp "$tmp/v2.siam" "$tmp/v2resumed.siam"
"$bin" train --resume --epochs 3 --quiet --model "$tmp/v2resumed.siam" --data "$data" \
  >"$tmp/v2resumed.out" 2>"$tmp/v2resumed.err"
rc=$?
out=$(python3 "$tmp/reader.py" "$tmp/v2resumed.siam" 2>&1)
check '[ $rc -eq 0 ] && [ "$(field version "$out")" = 3 ] && [ "$(field epoch "$out")" = 3 ] && [ "$(field kernels "$out")" = 1 ] && [ "$(field threads "$out")" = - ]' \
  "train --resume of a version-2 file should write version 3 with kernels 1 (exit $rc: $(cat "$tmp/v2resumed.err")): $out"
refused v2threads257 'field threads: 257: expected 1\.\.256'
refused v2threads0 'field threads: 0: expected 1\.\.256'

# A version-1 file, built from the model with the document's version-1
# table (as tests/test_model_file.c builds one): siamese and the reader
# both read it as the same network with Fashion-MNIST's classes, no
# fingerprint and no threshold, and eval gives the same results.
damage v1
out=$(python3 "$tmp/reader.py" "$tmp/v1.siam" 2>&1)
check 'case "$out" in "ok version=1 epoch=2 params=133504 seed=42 step=0 input=28x28,grey1,resize0 head=euclidean layers=128,128,128 classes=10 first=542d73686972742f746f70 fingerprint=0000000000000000 threshold=nan kernels=1 threads=1") true;; *) false;; esac' \
  "the documented reader on a version-1 file: '$out'"
# (At one threshold: the version-1 file stores none, so eval's default
# is the head's, 0.5, where the version-3 model's is its stored one.)
"$bin" eval --model "$model" --data "$data" --threshold 0.5 >"$tmp/v3-0.5.eval"
"$bin" eval --model "$tmp/v1.siam" --data "$data" --threshold 0.5 >"$tmp/v1.eval" 2>"$tmp/v1.everr"
rc=$?
check '[ $rc -eq 0 ] && [ ! -s "$tmp/v1.everr" ]' \
  "siamese eval --model v1.siam: exit $rc, expected 0 and no note: $(cat "$tmp/v1.everr")"
check 'head -1 "$tmp/v1.eval" | grep -q "v1.siam: epoch 2, seed 42, distance euclidean" && [ "$(tail -n +2 "$tmp/v1.eval")" = "$(tail -n +2 "$tmp/v3-0.5.eval")" ]' \
  "eval of the version-1 file differs from the version-3 model's: $(diff "$tmp/v1.eval" "$tmp/v3-0.5.eval" | head -20)"
refused v1layers 'unsupported architecture: 4 layers, 784 inputs, 128 hidden'
# train --resume writes it back as version 3, with this data's fingerprint
# and kernels = 1 (openblas).
cp "$tmp/v1.siam" "$tmp/v1resumed.siam"
"$bin" train --resume --epochs 3 --quiet --model "$tmp/v1resumed.siam" --data "$data" \
  >"$tmp/v1resumed.out" 2>"$tmp/v1resumed.err"
rc=$?
out=$(python3 "$tmp/reader.py" "$tmp/v1resumed.siam" 2>&1)
check '[ $rc -eq 0 ] && [ "$(field version "$out")" = 3 ] && [ "$(field epoch "$out")" = 3 ] && [ "$(field fingerprint "$out")" = "$fp" ] && [ "$(field classes "$out")" = 10 ] && [ "$(field kernels "$out")" = 1 ]' \
  "train --resume of a version-1 file (exit $rc: $(cat "$tmp/v1resumed.err")): $out"

# --- 2b. the NumPy part, with a python3 that has numpy (testlib.sh) --------
py=$numpy_py
if [ -z "$py" ]; then
  tool_missing "the numpy part of docs/model-format.md: no python3 with numpy (/usr/bin/python3 or python3)"
else
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
print("%s: %d distances, largest difference %.2e" % (head, checked, worst))
sys.exit(0 if checked == 40 and worst <= 6e-5 else 1)
EOF
  } >"$tmp/numpy_check.py"
  # numpy_check NAME MODEL: the document's embedding and distance reproduce
  # the 40 distances `show-pairs --model` prints (4 decimals).
  numpy_check() {
    local name=$1 m=$2 rc out
    mkdir -p "$tmp/np-$name" && cp "$m" "$tmp/np-$name/model.siam"
    "$bin" show-pairs --split test --count 40 --model "$m" --data "$data" \
      --out "$tmp/np-$name/dist.png" >"$tmp/np-$name/dist.tsv" 2>"$tmp/np-$name/dist.err"
    rc=$?
    check '[ $rc -eq 0 ]' "show-pairs --model ($name) failed (exit $rc): $(cat "$tmp/np-$name/dist.err")"
    out=$(cd "$tmp/np-$name" && "$py" "$tmp/numpy_check.py" "$data/t10k-images-idx3-ubyte.gz" \
      dist.tsv 2>&1)
    rc=$?
    check '[ $rc -eq 0 ]' \
      "the numpy part of docs/model-format.md does not reproduce show-pairs' distances ($name): $out"
    echo "numpy part ($py): $out"
  }
  numpy_check euclidean "$model"
  numpy_check cosine "$cos"
  # The learned head's w and c follow the network's parameters.
  "$bin" train --epochs 1 --train-pairs 2000 --threads 1 --distance learned --layers 48 \
    --model "$tmp/learned.siam" --data "$data" --quiet 2>"$tmp/learned.err"
  rc=$?
  check '[ $rc -eq 0 ]' "train --distance learned failed (exit $rc): $(cat "$tmp/learned.err")"
  numpy_check learned "$tmp/learned.siam"
  "$bin" train --epochs 1 --train-pairs 2000 --threads 1 --distance manhattan --layers 16,16,16,16 \
    --model "$tmp/manhattan.siam" --data "$data" --quiet 2>"$tmp/manhattan.err"
  rc=$?
  check '[ $rc -eq 0 ]' "train --distance manhattan failed (exit $rc): $(cat "$tmp/manhattan.err")"
  numpy_check manhattan "$tmp/manhattan.siam"
fi

finish
