#!/usr/bin/env bash
# measure_patch.sh - the patch score on local defects, and what --bank
# costs: 1,000 training T-shirts of Fashion-MNIST as references; 100 test
# T-shirts as good/, 100 with a 4 x 4 square inverted at a random place
# (rows and columns 6..21: on the garment or its edge) as square/, 100
# with a 20-pixel horizontal line inverted as line/ (seeded, Python's
# random). A conv model (conv32,pool,conv64,pool,conv128,gap,128) is
# trained on the notebook's pairs for TRAIN_PAIRS pairs (default 2,000:
# seconds; a model that is barely trained) unless MODEL exists; then
# inspect with --score patch at several --bank sizes, knn (k = 10) on the
# pooled features (--features auto) and raw pixels (knn, k = 10). Prints
# one line per run: AUROC overall and per defect kind, and CPU seconds.
# usage: scripts/measure_patch.sh [WORK]   (default /tmp/siamese-patch)
set -euo pipefail
cd "$(dirname "$0")/.."
bin=$PWD/build/siamese
data=${SIAMESE_DATA:-/usr/share/datasets/fashion-mnist}
work=${1:-/tmp/siamese-patch}
mkdir -p "$work"
cd "$work"
model=${MODEL:-$work/conv.siam}
if [ ! -s "$model" ]; then
  "$bin" train --data "$data" --layers conv32,pool,conv64,pool,conv128,gap,128 --epochs 1 \
    --train-pairs "${TRAIN_PAIRS:-2000}" --threads 2 --model "$model" --quiet
fi
rm -rf ref img
python3 - "$data" <<'PY'
import gzip, os, random, sys
random.seed(1)
d = sys.argv[1]
def idx(name, skip):
    with gzip.open(os.path.join(d, name)) as f:
        return f.read()[skip:]
tr, trl = idx("train-images-idx3-ubyte.gz", 16), idx("train-labels-idx1-ubyte.gz", 8)
te, tel = idx("t10k-images-idx3-ubyte.gz", 16), idx("t10k-labels-idx1-ubyte.gz", 8)
def pgm(path, px):
    with open(path, "wb") as f:
        f.write(b"P5\n28 28\n255\n" + bytes(px))
for s in ["ref", "img/good", "img/square", "img/line"]:
    os.makedirs(s, exist_ok=True)
for i in [i for i in range(60000) if trl[i] == 0][:1000]:
    pgm("ref/%05d.pgm" % i, tr[i * 784:(i + 1) * 784])
for n, i in enumerate([i for i in range(10000) if tel[i] == 0][:300]):
    px = list(te[i * 784:(i + 1) * 784])
    if n < 100:
        pgm("img/good/%04d.pgm" % i, px)
        continue
    if n < 200:
        x, y = random.randint(6, 18), random.randint(6, 18)
        for r in range(y, y + 4):
            for c in range(x, x + 4):
                px[r * 28 + c] = 255 if px[r * 28 + c] < 128 else 0
        pgm("img/square/%04d.pgm" % i, px)
    else:
        y = random.randint(6, 21)
        for c in range(4, 24):
            px[y * 28 + c] = 0 if px[y * 28 + c] >= 128 else 255
        pgm("img/line/%04d.pgm" % i, px)
PY
row() { # NAME ARGS...: one line of the table
  local name=$1
  shift
  /usr/bin/time -f %U -o time.txt "$bin" inspect --reference ref --images img --threads 2 "$@" >out.txt
  printf '%-28s %s  square %s  line %s  cpu %ss\n' "$name" "$(grep -E '^AUROC' out.txt | cut -c1-12)" \
    "$(awk '$1 == "square" { print $3 }' out.txt)" "$(awk '$1 == "line" { print $3 }' out.txt)" "$(cat time.txt)"
}
for b in 256 1024 4096 49000; do row "patch, bank $b" --model "$model" --score patch --bank "$b"; done
row "knn 10, pooled (auto)" --model "$model" --score knn --k 10
row "raw pixels, knn 10" --model none --score knn --k 10
