#!/usr/bin/env bash
# test_docs_arithmetic.sh - the arithmetic the documents write down is what
# siamese does, bit for bit (tests/docs_arithmetic.py, transcribed from
# docs/design.md 2.2 and 2.4 and docs/model-format.md "Input"):
#  1. every head (euclidean, manhattan, cosine, learned): the distance of
#     neighbouring pairs of 12 test images, from the embeddings `siamese
#     embed` writes, equals what `siamese compare --json` prints;
#  2. the box-filter resize of a model trained with --size 20x20 (one dense
#     layer): images of 28 x 28, 37 x 45, 13 x 9, 100 x 30, 40 x 28, 28 x
#     40, 3 x 3 and 20 x 20, resized and embedded as documented, equal
#     `siamese embed`'s embeddings; rounding the resize otherwise does not.
#
#   usage: bash test_docs_arithmetic.sh PATH/TO/siamese
#   exit:  0 all passed, 1 a failure, 77 skipped (no python3 with NumPy, or
#          no Fashion-MNIST, outside CI; under CI=true both fail)
set -u
bin=$1
here=$(cd "$(dirname "$0")" && pwd)
. "$here/testlib.sh"

py=
for cand in /usr/bin/python3 python3; do
  if command -v "$cand" >/dev/null && "$cand" -c 'import numpy' 2>/dev/null; then py=$cand; break; fi
done
if [ -z "$py" ]; then
  if in_ci; then echo "FAIL: no python3 with numpy (CI needs it)"; exit 1; fi
  echo "SKIP: no python3 with numpy (/usr/bin/python3 or python3)"
  exit 77
fi

# Test images as binary PGM: six Fashion-MNIST test images (28 x 28), and
# seeded random ones of other sizes for the resize.
"$py" - "$data/t10k-images-idx3-ubyte.gz" "$tmp" <<'EOF'
import gzip, struct, sys
import numpy as np
raw = gzip.open(sys.argv[1]).read()
count, rows, cols = struct.unpack_from(">3I", raw, 4)
images = np.frombuffer(raw, np.uint8, count * rows * cols, 16).reshape(count, rows, cols)
def pgm(path, px):
    with open(path, "wb") as f:
        f.write(b"P5\n%d %d\n255\n" % (px.shape[1], px.shape[0]) + px.tobytes())
for k, i in enumerate((0, 1, 2, 3, 17, 1000, 2024, 3000, 4321, 5000, 7777, 9999)):
    pgm("%s/fm%02d.pgm" % (sys.argv[2], k), images[i])
rng = np.random.default_rng(42)
for w, h in ((37, 45), (13, 9), (100, 30), (40, 28), (28, 40), (3, 3), (20, 20)):
    pgm("%s/r%dx%d.pgm" % (sys.argv[2], w, h), rng.integers(0, 256, (h, w), dtype=np.uint8))
EOF
check '[ -s "$tmp/fm11.pgm" ] && [ -s "$tmp/r20x20.pgm" ]' "could not write the test images"

# 1. Every head.
for head in euclidean manhattan cosine learned; do
  "$bin" train --epochs 1 --train-pairs 1000 --threads 1 --distance "$head" --layers 16 \
    --model "$tmp/$head.siam" --quiet >/dev/null 2>"$tmp/$head.err"
  rc=$?
  check '[ $rc -eq 0 ]' "train --distance $head failed (exit $rc): $(cat "$tmp/$head.err")"
  out=$("$py" "$here/docs_arithmetic.py" heads "$bin" "$tmp/$head.siam" "$tmp"/fm*.pgm 2>&1)
  rc=$?
  check '[ $rc -eq 0 ]' "docs/design.md 2.4 does not give compare's $head distances: $out"
done

# 2. The resize, through a one-layer model trained with --size.
"$bin" train --epochs 1 --train-pairs 500 --threads 1 --layers 8 --size 20x20 \
  --model "$tmp/sized.siam" --quiet >/dev/null 2>"$tmp/sized.err"
rc=$?
check '[ $rc -eq 0 ]' "train --size 20x20 failed (exit $rc): $(cat "$tmp/sized.err")"
out=$("$py" "$here/docs_arithmetic.py" resize "$bin" "$tmp/sized.siam" "$tmp/fm00.pgm" "$tmp"/r*.pgm 2>&1)
rc=$?
check '[ $rc -eq 0 ]' "docs/model-format.md's resize and design.md 2.2's layer do not give embed's embeddings: $out"
finish
