#!/usr/bin/env bash
# test_embed.sh - `siamese compare` and `siamese embed` end to end on a
# small model: an image compared with itself gives the clamped distance
# sqrt(1e-7) and "same"; a different test pair gives the distance
# show-pairs prints for it, at the threshold train stored (0.5 and a note
# when the model has none), also under a model with the learned head,
# other layers and --size (the files resized as its data was); embed's
# .npy (header parsed here, data read by Python's struct and by
# numpy.load when numpy is installed) and .csv hold the same floats,
# their rows give compare's distance, and an IDX test image embeds as its
# PGM export does; the index CSV names each row's file in bytewise order,
# quoting names that need it, or the split index and class for --data
# (IDX and image folders); bad files exit 1 with one line naming them and
# leave the old output; bad usage exits 2, as does an --out whose index
# another format's existing file shares (e.csv beside e.npy).
#
# The test images are PGM files cut from the IDX bytes here (a P5 header
# and 784 bytes), so the test needs no other command.
#
#   usage: bash test_embed.sh PATH/TO/siamese
#   env:   SIAMESE_TEST_NO_PYTHON=1 takes the awk/od path meant for machines
#          without python3 (to test that path on one that has it)
#   exit:  0 all passed, 1 a failure, 77 Fashion-MNIST missing (skip;
#          a failure instead when CI=true)
set -u
bin=${1:?usage: test_embed.sh PATH/TO/siamese}
. "$(dirname "$0")/testlib.sh"
export LC_ALL=C
py=0
if [ -z "${SIAMESE_TEST_NO_PYTHON:-}" ] && command -v python3 >/dev/null; then py=1; fi
numpy=0
if [ $py = 1 ] && [ -n "$numpy_py" ]; then numpy=1; fi
# no_tool MESSAGE: a part that needs python3 (or numpy) cannot run: asked
# for (SIAMESE_TEST_NO_PYTHON), a printed skip; else a missing tool.
no_tool() {
  if [ -n "${SIAMESE_TEST_NO_PYTHON:-}" ]; then echo "SKIP (part, SIAMESE_TEST_NO_PYTHON): $*"; else tool_missing "$*"; fi
}

# run NAME ARGS...: siamese with stdout in $tmp/NAME.out, stderr in
# $tmp/NAME.err and the status in $rc; a signal or a crash report fails.
rc=0
run() {
  local name=$1
  shift
  "$bin" "$@" >"$tmp/$name.out" 2>"$tmp/$name.err"
  rc=$?
  check '[ $rc -lt 128 ]' "$name: killed by a signal (exit $rc): $(head -c 400 "$tmp/$name.err")"
  check '! grep -qE "Sanitizer|runtime error:|^ *#[0-9]+ 0x|Segmentation fault|Aborted|backtrace" "$tmp/$name.err"' \
    "$name: crash report on stderr: $(head -c 400 "$tmp/$name.err")"
}
# expect_fail NAME STATUS WORD ARGS...: exits STATUS with one stderr line
# holding WORD (a file name or option), nothing on stdout for status 1.
expect_fail() {
  local name=$1 want=$2 word=$3
  shift 3
  run "$name" "$@"
  check '[ $rc -eq $want ]' "$name: exit $rc, expected $want: $(head -c 300 "$tmp/$name.err")"
  check 'grep -qF -- "$word" "$tmp/$name.err"' "$name: the error does not name '$word': $(head -c 300 "$tmp/$name.err")"
  if [ "$want" -eq 1 ]; then
    check '[ "$(wc -l <"$tmp/$name.err")" -eq 1 ]' "$name: error is not one line: $(cat "$tmp/$name.err")"
  fi
}
# near A B TOL: |A - B| <= TOL
near() { awk -v a="$1" -v b="$2" -v t="$3" 'BEGIN {d = a - b; if (d < 0) d = -d; exit !(a != "" && b != "" && d <= t)}'; }

# --- a small model (one epoch on 2,000 pairs: a second or two)
model=$tmp/m.siam
run train train --epochs 1 --train-pairs 2000 --threads 1 --model "$model" --data "$data" --verbose
check '[ $rc -eq 0 ] && [ -s "$model" ]' "train failed (exit $rc): $(cat "$tmp/train.err")"
if [ ! -s "$model" ]; then echo "$pass passed, $((fail + 1)) failed (no model: stopping)"; exit 1; fi
stored=$(sed -n 's/^suggested threshold \([0-9.]*\) .*/\1/p' "$tmp/train.err")
check '[ -n "$stored" ]' "train did not report the threshold it stored: $(cat "$tmp/train.err")"

# --- test images: PGMs cut from the IDX test images (16-byte header)
gzip -dc "$data/t10k-images-idx3-ubyte.gz" >"$tmp/t10k"
pgm() { # INDEX FILE
  { printf 'P5\n28 28\n255\n'; tail -c +$((16 + $1 * 784 + 1)) "$tmp/t10k" | head -c 784; } >"$2"
}

# A different pair from show-pairs' table: its two test indices and distance.
run show show-pairs --model "$model" --split test --data "$data" --count 20 --out "$tmp/p.png"
check '[ $rc -eq 0 ]' "show-pairs failed (exit $rc): $(cat "$tmp/show.err")"
read -r left right shown <<<"$(awk -F'\t' '$7 == "different" && $8 != "" {print $3, $5, $8; exit}' "$tmp/show.out")"
check '[ -n "${shown:-}" ]' "no different pair with a distance in show-pairs' table: $(head -5 "$tmp/show.out")"
left=${left:-0} right=${right:-1} shown=${shown:-}
pgm "$left" "$tmp/a.pgm"
pgm "$right" "$tmp/b.pgm"
check '[ "$(wc -c <"$tmp/a.pgm")" -eq 797 ]' "a.pgm is not 13 + 784 bytes"

# --- compare: an image with itself sits at the clamp, sqrt(1e-7)
run self compare "$tmp/a.pgm" "$tmp/a.pgm" --model "$model"
check '[ $rc -eq 0 ]' "compare A A failed (exit $rc): $(cat "$tmp/self.err")"
read -r w1 dself w2 tself verdict rest <<<"$(cat "$tmp/self.out")"
check '[ "${w1:-}" = distance ] && [ "${w2:-}" = threshold ] && [ -z "${rest:-}" ]' \
  "compare's line is '$(cat "$tmp/self.out")', expected 'distance D  threshold T  same|different'"
check '[ "${dself:-}" = 0.000316 ] && [ "${verdict:-}" = same ]' \
  "compare A A: '$(cat "$tmp/self.out")', expected distance 0.000316 (sqrt(1e-7)) and same"
check 'near "${tself:-}" "$stored" 0.00005' "compare's default threshold ${tself:-} is not the stored $stored"
run selfj compare "$tmp/a.pgm" "$tmp/a.pgm" --model "$model" --json
dj=$(sed -n 's/.*"distance": \([^,]*\),.*/\1/p' "$tmp/selfj.out")
check 'near "$dj" 0.000316227766 0.0000000005' "compare --json A A: distance '$dj', expected sqrt(1e-7) = 0.000316227766"
check 'grep -q "\"same\": true}" "$tmp/selfj.out" && grep -q "\"threshold_from\": \"model\"" "$tmp/selfj.out"' \
  "compare --json A A: $(cat "$tmp/selfj.out")"

# --- compare: the different pair, as show-pairs measured it (4 decimals)
run pair compare "$tmp/a.pgm" "$tmp/b.pgm" --model "$model" --json
check '[ $rc -eq 0 ]' "compare A B failed (exit $rc): $(cat "$tmp/pair.err")"
dab=$(sed -n 's/.*"distance": \([^,]*\),.*/\1/p' "$tmp/pair.out")
check 'near "$dab" "$shown" 0.00006' "compare A B gives '$dab', show-pairs printed $shown for pair $left/$right"
if awk -v d="$dab" -v t="$stored" 'BEGIN {exit !(d < t)}'; then want=true; else want=false; fi
check 'grep -q "\"same\": $want}" "$tmp/pair.out"' "compare A B verdict at threshold $stored: $(cat "$tmp/pair.out")"
if [ $py = 1 ]; then
  check 'python3 -c "import json, sys; d = json.load(open(sys.argv[1])); assert d[\"a\"] == sys.argv[2] and d[\"b\"] == sys.argv[3] and d[\"same\"] is $( [ $want = true ] && echo True || echo False)" "$tmp/pair.out" "$tmp/a.pgm" "$tmp/b.pgm"' \
    "compare --json is not the JSON expected: $(cat "$tmp/pair.out")"
fi
# The verdict follows --threshold; exit 0 either way.
run big compare "$tmp/a.pgm" "$tmp/b.pgm" --model "$model" --threshold 1000
check '[ $rc -eq 0 ] && grep -q " same$" "$tmp/big.out" && grep -q "threshold 1000 " "$tmp/big.out"' "compare --threshold 1000: exit $rc, $(cat "$tmp/big.out")"
run small compare "$tmp/a.pgm" "$tmp/b.pgm" --model "$model" --threshold 0.0001
check '[ $rc -eq 0 ] && grep -q " different$" "$tmp/small.out"' "compare --threshold 0.0001: exit $rc, $(cat "$tmp/small.out")"

# A model with another head, layers and input size (--distance learned
# --layers 64,32 --size 14x14): compare resizes the 28x28 files as the
# model's data was resized and uses its head, so it gives show-pairs'
# distance under it; embed's rows are its 32 floats; a 2x2 file is
# resized, not refused.
m2=$tmp/m14.siam
run train14 train --size 14x14 --distance learned --layers 64,32 --epochs 1 --train-pairs 2000 \
  --threads 1 --model "$m2" --data "$data" --quiet
check '[ $rc -eq 0 ]' "train --size 14x14 --distance learned failed (exit $rc): $(cat "$tmp/train14.err")"
run show14 show-pairs --model "$m2" --split test --data "$data" --count 20 --out "$tmp/p14.png"
read -r l14 r14 shown14 <<<"$(awk -F'\t' '$7 == "different" && $8 != "" {print $3, $5, $8; exit}' "$tmp/show14.out")"
pgm "${l14:-0}" "$tmp/c.pgm"
pgm "${r14:-1}" "$tmp/d.pgm"
run c14 compare "$tmp/c.pgm" "$tmp/d.pgm" --model "$m2" --json
d14=$(sed -n 's/.*"distance": \([^,]*\),.*/\1/p' "$tmp/c14.out")
check '[ $rc -eq 0 ] && near "$d14" "${shown14:-}" 0.00006' \
  "compare under the learned-head 14x14 model gives '$d14' (exit $rc), show-pairs printed '${shown14:-}': $(cat "$tmp/c14.err")"
check 'grep -q "\"head\": \"learned\"" "$tmp/c14.out"' "compare --json does not name the learned head: $(cat "$tmp/c14.out")"
run e14 embed --model "$m2" --out "$tmp/e14.csv" "$tmp/c.pgm" "$tmp/d.pgm"
check '[ $rc -eq 0 ] && grep -q "2 embeddings of 32 floats" "$tmp/e14.out" && [ "$(head -1 "$tmp/e14.csv" | tr , "\n" | wc -l)" -eq 32 ]' \
  "embed under --layers 64,32: exit $rc, $(cat "$tmp/e14.out" "$tmp/e14.err")"
printf 'P5\n2 2\n255\n\001\002\003\004' >"$tmp/tiny.pgm"
run tiny14 compare "$tmp/tiny.pgm" "$tmp/d.pgm" --model "$m2"
check '[ $rc -eq 0 ] && grep -q "^distance " "$tmp/tiny14.out"' "a 2x2 image under the --size model: exit $rc, $(cat "$tmp/tiny14.err")"

# A model without a threshold (NaN, as version 1 files load): 0.5 and a note.
if [ $py = 1 ]; then
  python3 - "$model" "$tmp/nothr.siam" <<'EOF'
import struct, sys, zlib
b = bytearray(open(sys.argv[1], "rb").read())
b[180:184] = struct.pack("<I", 0x7FC00000)  # threshold field (docs/model-format.md), NaN
b[-4:] = struct.pack("<I", zlib.crc32(bytes(b[:-4])))
open(sys.argv[2], "wb").write(b)
EOF
  run nothr compare "$tmp/a.pgm" "$tmp/b.pgm" --model "$tmp/nothr.siam"
  check '[ $rc -eq 0 ] && grep -q "threshold 0.5 " "$tmp/nothr.out"' "compare without a stored threshold: exit $rc, $(cat "$tmp/nothr.out" "$tmp/nothr.err")"
  check '[ "$(wc -l <"$tmp/nothr.err")" -eq 1 ] && grep -q "note: .*nothr.siam stores no threshold.*0.5" "$tmp/nothr.err"' \
    "no one-line note for the missing threshold: $(cat "$tmp/nothr.err")"
else
  no_tool "no python3 to patch a model's threshold to NaN"
fi

# --- embed the pair: .npy and .csv, the same floats
# npy_shape FILE: checks the .npy header here (magic, version 1.0, length,
# 64-byte alignment, the exact dict, '\n', file size) and prints "N H".
npy_shape() {
  local f=$1 len hdr n h
  [ "$(head -c 8 "$f" | od -An -tx1 | tr -d ' \n')" = 934e554d50590100 ] || { echo "bad magic/version"; return 1; }
  set -- $(head -c 10 "$f" | tail -c 2 | od -An -tu1)
  len=$(($1 + 256 * $2))
  [ $(((10 + len) % 64)) -eq 0 ] || { echo "data at $((10 + len)), not a multiple of 64"; return 1; }
  [ "$(head -c $((10 + len)) "$f" | tail -c 1 | od -An -tx1 | tr -d ' ')" = 0a ] || { echo "header does not end in \\n"; return 1; }
  hdr=$(head -c $((10 + len)) "$f" | tail -c "$len")
  n=$(printf '%s' "$hdr" | sed -n "s/^{'descr': '<f4', 'fortran_order': False, 'shape': (\([0-9]*\), \([0-9]*\)), } *\$/\1/p")
  h=$(printf '%s' "$hdr" | sed -n "s/^{'descr': '<f4', 'fortran_order': False, 'shape': (\([0-9]*\), \([0-9]*\)), } *\$/\2/p")
  [ -n "$n" ] && [ -n "$h" ] || { echo "header '$hdr'"; return 1; }
  [ "$(wc -c <"$f")" -eq $((10 + len + n * h * 4)) ] || { echo "size $(wc -c <"$f") for ($n, $h)"; return 1; }
  echo "$n $h"
}
run enpy embed --model "$model" --out "$tmp/e.npy" "$tmp/a.pgm" "$tmp/b.pgm"
check '[ $rc -eq 0 ]' "embed to .npy failed (exit $rc): $(cat "$tmp/enpy.err")"
check 'grep -qx "wrote $tmp/e.npy: 2 embeddings of 128 floats (index: $tmp/e.index.csv)" "$tmp/enpy.out"' \
  "embed's line: $(cat "$tmp/enpy.out")"
run eone embed --model "$model" --out "$tmp/one.npy" "$tmp/a.pgm"
check '[ $rc -eq 0 ] && grep -qx "wrote $tmp/one.npy: 1 embedding of 128 floats (index: $tmp/one.index.csv)" "$tmp/eone.out"' \
  "embed's line for one image: $(cat "$tmp/eone.out" "$tmp/eone.err")"
shape=$(npy_shape "$tmp/e.npy")
check '[ "$shape" = "2 128" ]' "e.npy: $shape"
check '[ "$(cat "$tmp/e.index.csv")" = "row,path,class
0,$tmp/a.pgm,
1,$tmp/b.pgm," ]' "e.index.csv: $(cat "$tmp/e.index.csv")"
cp "$tmp/e.index.csv" "$tmp/e_npy.index.csv"
# e.csv would share e.npy's index e.index.csv: refused, nothing written
expect_fail ecsv_beside 2 "--out $tmp/e.csv: its index $tmp/e.index.csv is also the index of $tmp/e.npy, which exists" \
  embed --model "$model" --out "$tmp/e.csv" "$tmp/a.pgm"
check '[ ! -e "$tmp/e.csv" ] && cmp -s "$tmp/e.index.csv" "$tmp/e_npy.index.csv"' \
  "a refused e.csv changed e.npy's index: $(cat "$tmp/e.index.csv")"
# a .csv beside that is no embedding (no g.index.csv): g.npy is written
printf 'a,b\n' >"$tmp/g.csv"
run gnpy embed --model "$model" --out "$tmp/g.npy" "$tmp/a.pgm"
check '[ $rc -eq 0 ] && [ -s "$tmp/g.npy" ] && [ "$(cat "$tmp/g.csv")" = "a,b" ]' \
  "g.npy beside a plain g.csv: exit $rc: $(cat "$tmp/gnpy.err")"
# ... and again, g.npy and its index there now: its own index, rewritten
run gnpy2 embed --model "$model" --out "$tmp/g.npy" "$tmp/a.pgm"
check '[ $rc -eq 0 ] && [ "$(cat "$tmp/g.csv")" = "a,b" ]' "g.npy again beside a plain g.csv: exit $rc: $(cat "$tmp/gnpy2.err")"
# the other format's ending in another case is the same format
run hnpy embed --model "$model" --out "$tmp/h.Npy" "$tmp/a.pgm"
expect_fail hcsv 2 "is also the index of $tmp/h.Npy" embed --model "$model" --out "$tmp/h.csv" "$tmp/a.pgm"
mv "$tmp/e.npy" "$tmp/e_keep.npy"
run ecsv embed --model "$model" --out "$tmp/e.csv" --threads 2 "$tmp/a.pgm" "$tmp/b.pgm"
mv "$tmp/e_keep.npy" "$tmp/e.npy"
check '[ $rc -eq 0 ] && [ "$(wc -l <"$tmp/e.csv")" -eq 2 ] && [ "$(head -1 "$tmp/e.csv" | tr , "\n" | wc -l)" -eq 128 ]' \
  "embed to .csv: exit $rc, not 2 lines of 128 numbers: $(head -c 300 "$tmp/ecsv.err")"
check 'cmp -s "$tmp/e.index.csv" "$tmp/e_npy.index.csv"' "the .csv's index differs from the .npy's"

if [ $py = 1 ]; then
  # npy_rows FILE: Python's own reading of a .npy (ast for the header as
  # numpy does, struct for the data), independent of src/lib/files/npy.c.
  cat >"$tmp/npyread.py" <<'EOF'
import ast, struct
def npy_rows(path):
    b = open(path, "rb").read()
    assert b[:8] == b"\x93NUMPY\x01\x00", "magic/version"
    hl = struct.unpack("<H", b[8:10])[0]
    d = ast.literal_eval(b[10:10 + hl].decode("latin1"))
    assert d["descr"] == "<f4" and d["fortran_order"] is False and len(d) == 3, d
    n, h = d["shape"]
    data = b[10 + hl:]
    assert len(data) == 4 * n * h, "data size"
    v = struct.unpack("<%df" % (n * h), data)
    return [v[i * h:(i + 1) * h] for i in range(n)]
def bits(x):
    return struct.pack("<f", x)
EOF
  out=$(cd "$tmp" && python3 - "$tmp/e.npy" "$tmp/e.csv" "$dab" <<'EOF' 2>&1
import math, sys
from npyread import npy_rows, bits
rows = npy_rows(sys.argv[1])
csv = [[float(x) for x in line.split(",")] for line in open(sys.argv[2])]
assert len(rows) == 2 and len(csv) == 2, (len(rows), len(csv))
for r, c in zip(rows, csv):
    assert len(r) == len(c) == 128
    bad = [j for j in range(128) if bits(r[j]) != bits(c[j])]
    assert not bad, "npy and csv differ at columns %s" % bad[:5]
d = math.sqrt(max(sum((x - y) ** 2 for x, y in zip(rows[0], rows[1])), 1e-7))
assert abs(d - float(sys.argv[3])) <= 1e-6, "rows give %.9f, compare %s" % (d, sys.argv[3])
print("ok")
EOF
)
  check '[ "$out" = ok ]' "embed's .npy/.csv rows against compare's distance: $out"
else
  # Without python3: od reads the .npy's floats, awk the CSV's.
  set -- $(head -c 10 "$tmp/e.npy" | tail -c 2 | od -An -tu1)
  od -An -v -tf4 -w4 -j $((10 + $1 + 256 * $2)) "$tmp/e.npy" | tr -d ' ' >"$tmp/e_npy.txt"
  tr , '\n' <"$tmp/e.csv" >"$tmp/e_csv.txt"
  check 'paste "$tmp/e_npy.txt" "$tmp/e_csv.txt" | awk "{d = \$1 - \$2; if (d < 0) d = -d; m = \$1 < 0 ? -\$1 : \$1; if (NF != 2 || d > 1e-6 * (m > 1 ? m : 1)) bad++} END {exit bad || NR != 256}"' \
    "embed's .npy and .csv hold other floats (od against awk)"
  drows=$(awk -F, 'NR == 1 {for (i = 1; i <= NF; i++) a[i] = $i} NR == 2 {for (i = 1; i <= NF; i++) s += (a[i] - $i) ^ 2} END {if (s < 1e-7) s = 1e-7; printf "%.9f", sqrt(s)}' "$tmp/e.csv")
  check 'near "$drows" "$dab" 0.000001' "the CSV rows give distance $drows, compare $dab"
fi
if [ $numpy = 1 ]; then
  out=$(cd "$tmp" && "$numpy_py" - "$tmp/e.npy" <<'EOF' 2>&1
import sys, numpy as np
from npyread import npy_rows
a = np.load(sys.argv[1])
assert a.shape == (2, 128) and a.dtype.str == "<f4", (a.shape, a.dtype)
assert a.tobytes() == np.array(npy_rows(sys.argv[1]), dtype="<f4").tobytes()
print("ok")
EOF
)
  check '[ "$out" = ok ]' "numpy.load of embed's .npy: $out"
  echo "numpy part: numpy.load ($numpy_py) read embed's .npy: $out"
else
  no_tool "no python3 with numpy (/usr/bin/python3 or python3); numpy.load not checked"
fi

# --- --features: the embedding is layer:3 (= auto for a dense model), a
# middle layer is another 128 floats; bad values exit 2 naming the count
run f3 embed --model "$model" --out "$tmp/f3.npy" --features layer:3 "$tmp/a.pgm" "$tmp/b.pgm"
run fa embed --model "$model" --out "$tmp/fa.npy" --features auto "$tmp/a.pgm" "$tmp/b.pgm"
run f1 embed --model "$model" --out "$tmp/f1.npy" --features layer:1 "$tmp/a.pgm" "$tmp/b.pgm"
check 'cmp -s "$tmp/f3.npy" "$tmp/e.npy" && cmp -s "$tmp/fa.npy" "$tmp/e.npy"' \
  "--features layer:3 / auto of a dense model is not the embedding"
check '[ $rc -eq 0 ] && [ "$(wc -c <"$tmp/f1.npy")" -eq "$(wc -c <"$tmp/e.npy")" ] && ! cmp -s "$tmp/f1.npy" "$tmp/e.npy"' \
  "--features layer:1: $(cat "$tmp/f1.out" "$tmp/f1.err")"
check 'grep -q "feature vectors of 128 floats (layer 1 (128))" "$tmp/f1.out"' "layer:1 line: $(cat "$tmp/f1.out")"
expect_fail f_big 2 "the model has 3 layers" embed --model "$model" --out "$tmp/fx.npy" --features layer:4 "$tmp/a.pgm"
expect_fail f_zero 2 "--features layer:0" embed --model "$model" --out "$tmp/fx.npy" --features layer:0 "$tmp/a.pgm"
expect_fail f_word 2 "--features pooled" embed --model "$model" --out "$tmp/fx.npy" --features pooled "$tmp/a.pgm"
check '[ ! -e "$tmp/fx.npy" ]' "a refused --features wrote its file"

# --- embed a split: --data IDX, 10,000 test rows, index = split index + class
run split embed --model "$model" --out "$tmp/t.npy" --data "$data" --split test
check '[ $rc -eq 0 ]' "embed --data --split test failed (exit $rc): $(cat "$tmp/split.err")"
shape=$(npy_shape "$tmp/t.npy")
check '[ "$shape" = "10000 128" ]' "t.npy: $shape, expected 10000 128"
check '[ "$(wc -l <"$tmp/t.index.csv")" -eq 10001 ] && [ "$(sed -n 2p "$tmp/t.index.csv")" = "0,0,Ankle boot" ] && [ "$(sed -n "$((left + 2))p" "$tmp/t.index.csv" | cut -d, -f1-2)" = "$left,$left" ]' \
  "t.index.csv: $(head -3 "$tmp/t.index.csv") ... $(wc -l <"$tmp/t.index.csv") lines"
# The IDX image's row is the embedding of its PGM export (batches of
# other sizes may round differently in the last bit: 1e-6).
if [ $py = 1 ]; then
  out=$(cd "$tmp" && python3 - "$tmp/t.npy" "$tmp/e.npy" "$left" "$right" <<'EOF' 2>&1
import sys
from npyread import npy_rows
t, e = npy_rows(sys.argv[1]), npy_rows(sys.argv[2])
assert len(t) == 10000
for k, i in enumerate((int(sys.argv[3]), int(sys.argv[4]))):
    worst = max(abs(x - y) for x, y in zip(t[i], e[k]))
    assert worst <= 1e-6, "test image %d: row differs from its PGM's by %g" % (i, worst)
print("ok")
EOF
)
  check '[ "$out" = ok ]' "IDX rows against the PGM rows: $out"
fi

# --- folders: recursive, bytewise, non-images skipped and counted, names quoted
mkdir -p "$tmp/imgs/sub" "$tmp/imgs/Z"
cp "$tmp/a.pgm" "$tmp/imgs/b.pgm"
cp "$tmp/b.pgm" "$tmp/imgs/a,1.pgm"
cp "$tmp/a.pgm" "$tmp/imgs/sub/q\"x.pgm"
cp "$tmp/b.pgm" "$tmp/imgs/Z/c.PGM"
echo "not an image" >"$tmp/imgs/notes.txt"
echo "nor this" >"$tmp/imgs/sub/readme"
run dir embed --model "$model" --out "$tmp/d.csv" "$tmp/imgs"
check '[ $rc -eq 0 ]' "embed of a folder failed (exit $rc): $(cat "$tmp/dir.err")"
check '[ "$(cat "$tmp/d.index.csv")" = "row,path,class
0,$tmp/imgs/Z/c.PGM,
1,\"$tmp/imgs/a,1.pgm\",
2,$tmp/imgs/b.pgm,
3,\"$tmp/imgs/sub/q\"\"x.pgm\"," ]' "folder index (bytewise, recursive, quoted): $(cat "$tmp/d.index.csv")"
check '[ "$(wc -l <"$tmp/dir.err")" -eq 1 ] && grep -q "note: skipped 2 files that are not images" "$tmp/dir.err"' \
  "no one-line note of the 2 skipped files: $(cat "$tmp/dir.err")"
# Row 2 (b.pgm, a copy of a.pgm) is row 0 of e.csv (to 1e-6: a row's last
# bits depend on its place in the BLAS call's tiles).
check 'paste -d, <(sed -n 3p "$tmp/d.csv") <(sed -n 1p "$tmp/e.csv") | awk -F, "NF == 256 {for (i = 1; i <= 128; i++) {d = \$i - \$(i + 128); if (d > 1e-6 || d < -1e-6) exit 1}; ok = 1} END {exit !ok}"' \
  "the folder's b.pgm row differs from a.pgm's in e.csv"
if [ $py = 1 ]; then
  check 'python3 -c "import csv, sys; r = list(csv.reader(open(sys.argv[1]))); assert [x[1] for x in r[1:]][1::2] == [sys.argv[2] + \"/imgs/a,1.pgm\", sys.argv[2] + \"/imgs/sub/q\\\"x.pgm\"]" "$tmp/d.index.csv" "$tmp"' \
    "Python's csv module reads other names from the index"
fi

# A folder is walked once and a file listed once (device and inode): 20
# folders each linking twice to the next (2^19 paths to the last image)
# give 20 rows, fast, each under the first path met (bytewise, depth
# first: through x, never y); a symbolic link to an image already listed
# adds no row.
mkdir "$tmp/chain"
for i in $(seq 0 19); do mkdir "$tmp/chain/L$i" && cp "$tmp/a.pgm" "$tmp/chain/L$i/img.pgm"; done
for i in $(seq 0 18); do ln -s "../L$((i + 1))" "$tmp/chain/L$i/x" && ln -s "../L$((i + 1))" "$tmp/chain/L$i/y"; done
ln -s img.pgm "$tmp/chain/L0/other.pgm"
start=$SECONDS
timeout 60 "$bin" embed --model "$model" --out "$tmp/chain.csv" "$tmp/chain/L0" "$tmp/chain/L3/y/img.pgm" \
  >"$tmp/chain.out" 2>"$tmp/chain.err"
rc=$?
want=$(p=$tmp/chain/L0; for i in $(seq 0 19); do echo "$i,$p/img.pgm,"; p=$p/x; done)
check '[ $rc -eq 0 ] && [ "$(tail -n +2 "$tmp/chain.index.csv")" = "$want" ]' \
  "20 levels of double links: exit $rc in $((SECONDS - start)) s, $(($(wc -l <"$tmp/chain.index.csv" 2>/dev/null || echo 1) - 1)) rows: $(head -c 300 "$tmp/chain.err")"
check '[ $((SECONDS - start)) -lt 20 ]' "20 levels of double links took $((SECONDS - start)) s"

# An image-folder data set: the class column is the class folder's name.
for s in train test; do
  for c in coat shoe; do
    mkdir -p "$tmp/fold/$s/$c"
    cp "$tmp/a.pgm" "$tmp/fold/$s/$c/1.pgm"
    cp "$tmp/b.pgm" "$tmp/fold/$s/$c/2.pgm"
  done
done
run fold embed --model "$model" --out "$tmp/f.npy" --data "$tmp/fold" --split test
check '[ $rc -eq 0 ]' "embed --data FOLDERS failed (exit $rc): $(cat "$tmp/fold.err")"
check '[ "$(cat "$tmp/f.index.csv")" = "row,path,class
0,$tmp/fold/test/coat/1.pgm,coat
1,$tmp/fold/test/coat/2.pgm,coat
2,$tmp/fold/test/shoe/1.pgm,shoe
3,$tmp/fold/test/shoe/2.pgm,shoe" ]' "image-folder index: $(cat "$tmp/f.index.csv")"

# --- bad files: exit 1, one line naming the file, old output kept
rm -f "$tmp/e.csv" # done with; the runs below write e.npy, refused beside it
cp "$tmp/e.npy" "$tmp/e.keep"
expect_fail c_missing 1 "$tmp/nope.pgm" compare "$tmp/nope.pgm" "$tmp/a.pgm" --model "$model"
expect_fail c_tiny 1 "$tmp/tiny.pgm" compare "$tmp/a.pgm" "$tmp/tiny.pgm" --model "$model"
check 'grep -q "2 x 2 pixels, but the model takes 28 x 28" "$tmp/c_tiny.err"' "2x2 image: $(cat "$tmp/c_tiny.err")"
expect_fail c_text 1 "$tmp/imgs/notes.txt" compare "$tmp/imgs/notes.txt" "$tmp/a.pgm" --model "$model"
expect_fail c_model 1 "$tmp/nomodel.siam" compare "$tmp/a.pgm" "$tmp/b.pgm" --model "$tmp/nomodel.siam"
expect_fail e_missing 1 "$tmp/nope.pgm" embed --model "$model" --out "$tmp/e.npy" "$tmp/a.pgm" "$tmp/nope.pgm"
expect_fail e_text 1 "$tmp/imgs/notes.txt" embed --model "$model" --out "$tmp/e.npy" "$tmp/imgs/notes.txt"
expect_fail e_tiny 1 "$tmp/tiny.pgm" embed --model "$model" --out "$tmp/e.npy" "$tmp/tiny.pgm"
check 'cmp -s "$tmp/e.npy" "$tmp/e.keep" && cmp -s "$tmp/e.index.csv" "$tmp/e_npy.index.csv"' "a failed embed changed the old e.npy or its index"
expect_fail e_outdir 1 "$tmp/no/dir/x.npy" embed --model "$model" --out "$tmp/no/dir/x.npy" "$tmp/a.pgm"
mkdir -p "$tmp/empty"
echo x >"$tmp/empty/list.txt"
expect_fail e_empty 1 "$tmp/empty" embed --model "$model" --out "$tmp/x.npy" "$tmp/empty"
check '[ ! -e "$tmp/x.npy" ] && [ ! -e "$tmp/x.index.csv" ] && ! ls "$tmp" | grep -q tmp-' "a failed embed left files: $(ls "$tmp")"

# --- usage: exit 2
expect_fail u_ext 2 "e.txt" embed --model "$model" --out "$tmp/e.txt" "$tmp/a.pgm"
expect_fail u_noout 2 "--out" embed --model "$model" "$tmp/a.pgm"
expect_fail u_split 2 "--split needs --data" embed --model "$model" --out "$tmp/e.npy" --split test
expect_fail u_data 2 "--data needs --split" embed --model "$model" --out "$tmp/e.npy" --data "$data"
expect_fail u_both 2 "$tmp/a.pgm" embed --model "$model" --out "$tmp/e.npy" --data "$data" --split test "$tmp/a.pgm"
expect_fail u_none 2 "nothing to embed" embed --model "$model" --out "$tmp/e.npy"
expect_fail u_threads 2 "--threads" embed --model "$model" --out "$tmp/e.npy" --threads 0 "$tmp/a.pgm"
expect_fail u_thr 2 "--threshold" compare "$tmp/a.pgm" "$tmp/b.pgm" --model "$model" --threshold -1
expect_fail u_one 2 "two image files" compare "$tmp/a.pgm" --model "$model"
expect_fail u_three 2 "$tmp/imgs/b.pgm" compare "$tmp/a.pgm" "$tmp/b.pgm" "$tmp/imgs/b.pgm" --model "$model"
check 'cmp -s "$tmp/e.npy" "$tmp/e.keep"' "a usage error touched e.npy"

finish
