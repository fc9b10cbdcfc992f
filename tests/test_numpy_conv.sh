#!/usr/bin/env bash
# test_numpy_conv.sh - docs/model-format.md is enough to use a version-4
# model with NumPy alone. Its two Python blocks, taken from the document
# as they stand (the standard-library reader and the NumPy part), read
# models trained here for seconds (conv4,pool,conv8,gap,16; conv3,pool,
# conv4,pool,8 with the learned head, a dense layer flattening C, H, W;
# nine dense layers, version 4 without a spatial layer), embed the first
# 64 test images and must match `siamese embed --model` (.npy) within
# 1e-5 of the embedding's largest value. The comparison can fail: the
# document's code with the im2col taps read kx before ky does not match.
# The version-4 header table of the document is contiguous and lists the
# reader's fields; damaged version-4 headers are refused by siamese and by
# the documented reader naming the same field.
#
#   usage: bash test_numpy_conv.sh PATH/TO/siamese
#   exit:  0 all passed, 1 a failure, 77 skipped (no Fashion-MNIST, or no
#          python3 with numpy, outside CI; under CI=true either fails)
set -u
bin=${1:?usage: test_numpy_conv.sh PATH/TO/siamese}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
. "$here/testlib.sh"
export LC_ALL=C
py=$numpy_py
if [ -z "$py" ]; then
  tool_missing "docs/model-format.md's numpy part: no python3 with numpy"
  finish
  [ "$skipped" -gt 0 ] && ! in_ci && exit 77
  exit 1
fi
doc=$root/docs/model-format.md
awk -v dir="$tmp" '/^```python/ {n++; f = 1; next} /^```/ {f = 0} f {print > (dir "/block" n ".py")}' \
  "$doc"
check '[ -s "$tmp/block1.py" ] && [ -s "$tmp/block2.py" ]' \
  "docs/model-format.md should hold two python blocks (reader, numpy part)"

# The version-4 header table: contiguous from 0 to 308, the reader's fields.
cat >"$tmp/table4.py" <<'EOF'
import sys
doc, block1 = sys.argv[1:3]
lines = open(doc).read().split("\n")
heading = "### Version 4 header (308 bytes)"
if heading not in lines:
    sys.exit("no heading %r" % heading)
names, end = [], 0
for line in lines[lines.index(heading) + 1:]:
    if line.startswith("#"):
        break
    cells = [c.strip() for c in line.strip().strip("|").split("|")]
    if line.startswith("|") and cells[0].isdigit():
        if int(cells[0]) != end:
            sys.exit("field %s at %s, expected %d" % (cells[3], cells[0], end))
        names.append(cells[3])
        end += int(cells[1])
if end != 308:
    sys.exit("the fields end at %d, expected 308" % end)
reader = {}
exec(open(block1).read(), reader)
if names[2:] != [n for n, _ in reader["FIELDS"][4]]:
    sys.exit("the table's fields differ from the reader's FIELDS[4]: %r" % names)
print("version 4 table: %d fields, 308 bytes" % len(names))
EOF
out=$(python3 "$tmp/table4.py" "$doc" "$tmp/block1.py" 2>&1)
check '[ $? -eq 0 ]' "docs/model-format.md's version-4 header table: $out"

# The document's code, then: embed the first 64 test images and compare.
{
  cat "$tmp/block1.py"
  sed 's/^m = read_model("model.siam")/m = read_model(sys.argv[1])/' "$tmp/block2.py"
  cat <<'EOF'
import gzip
raw = gzip.open(sys.argv[2]).read()
count, rows, cols = struct.unpack_from(">3I", raw, 4)
images = np.frombuffer(raw, np.uint8, 64 * rows * cols, 16).reshape(64, rows * cols)
ours = embed(images)
theirs = np.load(sys.argv[3])[:64]
scale = float(np.abs(theirs).max())
worst = float(np.abs(ours - theirs).max()) / scale if scale > 0 else math.inf
print("version %d, layers %s, head %s: 64 embeddings of %d, largest difference %.2e of the "
      "largest value %.3g" % (m["version"], ",".join(item(k, a) for k, a in layers_of(m)[1]),
                              head, theirs.shape[1], worst, scale))
sys.exit(0 if ours.shape == theirs.shape and worst <= 1e-5 else 1)
EOF
} >"$tmp/embed_check.py"
sed -i '1i import sys' "$tmp/embed_check.py"
# The same with the taps read in the wrong order (kx before ky).
sed 's/for c in range(C) for ky in range(3) for kx in range(3)/for c in range(C) for kx in range(3) for ky in range(3)/' \
  "$tmp/embed_check.py" >"$tmp/embed_mutant.py"
check '! cmp -s "$tmp/embed_check.py" "$tmp/embed_mutant.py"' \
  "the im2col line of docs/model-format.md's numpy part was not found (mutation not made)"

# numpy_check NAME OPTIONS...: trains NAME.siam for seconds, embeds the
# test split with siamese and checks the document's embeddings.
numpy_check() {
  local name=$1 rc out
  shift
  "$bin" train "$@" --epochs 1 --train-pairs 512 --threads 2 --data "$data" \
    --model "$tmp/$name.siam" --quiet 2>"$tmp/$name.err"
  rc=$?
  check '[ $rc -eq 0 ] && [ -s "$tmp/$name.siam" ]' "train $* failed (exit $rc): $(cat "$tmp/$name.err")"
  "$bin" embed --model "$tmp/$name.siam" --data "$data" --split test --out "$tmp/$name.npy" \
    >"$tmp/$name.embed" 2>&1
  rc=$?
  check '[ $rc -eq 0 ] && [ -s "$tmp/$name.npy" ]' "embed with $name failed (exit $rc): $(cat "$tmp/$name.embed")"
  out=$("$py" "$tmp/embed_check.py" "$tmp/$name.siam" "$data/t10k-images-idx3-ubyte.gz" \
    "$tmp/$name.npy" 2>&1)
  rc=$?
  check '[ $rc -eq 0 ] && case "$out" in "version 4,"*) true;; *) false;; esac' \
    "docs/model-format.md's numpy part does not reproduce siamese embed ($name): $out"
  echo "$name: $out"
}
numpy_check conv --layers conv4,pool,conv8,gap,16
numpy_check flat --layers conv3,pool,conv4,pool,8 --distance learned
numpy_check deep --layers 8,8,8,8,8,8,8,8,8 --distance cosine
out=$("$py" "$tmp/embed_mutant.py" "$tmp/conv.siam" "$data/t10k-images-idx3-ubyte.gz" \
  "$tmp/conv.npy" 2>&1)
check '[ $? -eq 1 ]' "the comparison should fail with the taps in the wrong order: $out"
echo "mutant (kx before ky): $out"

# Damaged version-4 headers: siamese (eval) and the documented reader both
# refuse them in one line naming the field.
cat >"$tmp/damage4.py" <<'EOF'
import struct, sys, zlib
src, dst, kind = sys.argv[1:4]
b = bytearray(open(src, "rb").read())
def u32(at, v): struct.pack_into("<I", b, at, v)
KINDS, ARGS = 52, 116
if kind == "channels": u32(28, 2)
elif kind == "in_c": u32(28, 3)                      # channels 3, in_c still 1
elif kind == "in_h": u32(36, 27)
elif kind == "nlayers": u32(48, 17)
elif kind == "kind": u32(KINDS + 4, 7)
elif kind == "kindpast": u32(KINDS + 4 * 9, 2)
elif kind == "arg": u32(ARGS, 0)                     # conv0
elif kind == "poolarg": u32(ARGS + 4, 2)             # pool2
elif kind == "order": u32(KINDS + 4, 0); u32(ARGS + 4, 8)   # conv8 after a dense 8
elif kind == "nparams": struct.pack_into("<Q", b, 300, struct.unpack_from("<Q", b, 300)[0] + 1)
else: sys.exit("unknown damage " + kind)
struct.pack_into("<I", b, len(b) - 4, zlib.crc32(bytes(b[:-4])))
open(dst, "wb").write(bytes(b))
EOF
{
  cat "$tmp/block1.py"
  cat <<'EOF'
import sys
try:
    read_model(sys.argv[1])
except ValueError as e:
    print("refused: %s" % e)
    sys.exit(3)
print("ok")
EOF
} >"$tmp/reader.py"
refused() {
  local kind=$1 re=$2 rc out
  python3 "$tmp/damage4.py" "$tmp/conv.siam" "$tmp/$kind.siam" "$kind" ||
    { bad "damage4.py $kind failed"; return; }
  "$bin" eval --model "$tmp/$kind.siam" --data "$data" >"$tmp/$kind.out" 2>"$tmp/$kind.err"
  rc=$?
  check '[ $rc -eq 1 ] && [ "$(wc -l <"$tmp/$kind.err")" -eq 1 ] && grep -qE "$re" "$tmp/$kind.err"' \
    "siamese on a version-4 model with damage '$kind': exit $rc, expected 1 and one line /$re/: $(cat "$tmp/$kind.err")"
  out=$(python3 "$tmp/reader.py" "$tmp/$kind.siam" 2>&1)
  rc=$?
  check '[ $rc -eq 3 ] && printf "%s" "$out" | grep -qE "$re"' \
    "the documented reader on version-4 damage '$kind': exit $rc, expected 3 and /$re/: $out"
}
refused channels 'field channels: 2: expected 1 \(grey\) or 3 \(RGB\)'
refused in_c 'field in_c: 1 input channels, but field channels says 3'
refused in_h 'field in_h/in_w: the network takes 27 x 28 pixels'
refused nlayers 'field n_layers: 17 layers: expected 1\.\.16'
refused kind 'field kinds: layer 2 is of unknown kind 7'
refused kindpast 'field kinds: entry 10 is 2: expected 0 past the last layer'
refused arg 'fields in_c/in_h/in_w, kinds and args: layer 1: conv 0 is not a --layers item'
refused poolarg 'fields in_c/in_h/in_w, kinds and args: layer 2: pool 2 is not a --layers item'
refused order 'fields in_c/in_h/in_w, kinds and args: layer 3: conv after a dense layer'
refused nparams 'field n_params: [0-9]+ does not match the architecture'

finish
