#!/usr/bin/env bash
# test_rgb_cli.sh - --rgb through the commands (issue 18; the library's
# side is test_rgb.c):
#  - train --rgb and export --rgb on IDX files: exit 2, one line naming
#    the folder and "IDX files hold grey images; --rgb needs image
#    folders", before any work (no model, no folder written);
#  - export --rgb of a colour folder set (PPM files whose red, green and
#    blue planes differ, written here with printf) writes RGB PNGs, and
#    exporting that export again gives the same bytes (the colour round
#    trip); export without --rgb writes grey PNGs, as before;
#  - inspect --model none --rgb compares colours: an image of (200, 49,
#    100) against a reference of (100, 100, 100), the same BT.601 grey,
#    scores about 0 in grey and > 0.5 with --rgb; --rgb with a model is a usage
#    error;
#  - show-pairs --rgb (without --model) draws the images in colour, grey
#    without it; with --model or on IDX files it is a usage error;
#  - train --rgb on the colour set (a dense model, --layers 16) takes
#    3 x 6 x 4 inputs: its file is model format 4 with 3 channels, eval and
#    train --resume read it with the colour data; train --resume --rgb on a
#    grey model is a usage error (exit 2) naming --rgb; without --data,
#    eval and show-pairs --model say the model (colour, or grey of 6 x 4)
#    was trained on other data than the default and to pass --data.
#
#   usage: bash test_rgb_cli.sh PATH/TO/siamese
set -u
bin=${1:?usage: test_rgb_cli.sh PATH/TO/siamese}
case $bin in /*) ;; *) bin=$PWD/$bin ;; esac
here=$(cd "$(dirname "$0")" && pwd)
. "$here/testlib.sh"
unset SIAMESE_DATA
export LC_ALL=C
cd "$tmp" || exit 1

# ppm FILE ID: a 6 x 4 binary PPM whose channels differ from each other,
# from pixel to pixel and from image to image.
ppm() {
  { printf 'P6\n6 4\n255\n'
    for r in 0 1 2 3; do for q in 0 1 2 3 4 5; do
      printf "\\$(printf %03o $(((17 * $2 + 7 * r + 3 * q) % 256)))"
      printf "\\$(printf %03o $(((61 + 17 * $2 + r * q) % 256)))"
      printf "\\$(printf %03o $(((122 + 5 * $2 + 11 * q) % 256)))"
    done; done; } >"$1"
}
id=0
for s in train test; do for c in red blue; do
  mkdir -p "colour/$s/$c"
  for i in 0 1 2; do ppm "colour/$s/$c/$i.ppm" $id; id=$((id + 1)); done
done; done

# IDX files and --rgb: a usage error before anything is read (the probe
# only looks for the file).
mkdir idx && : >idx/train-images-idx3-ubyte
want="IDX files hold grey images; --rgb needs image folders"
"$bin" train --rgb --data idx --model m.bin >out 2>err
rc=$?
check '[ "$rc" -eq 2 ] && grep -q "^siamese train: idx: $want\$" err && [ "$(wc -l <err)" -eq 1 ]' \
  "train --rgb on IDX: exit $rc, $(cat err)"
check '[ ! -e m.bin ]' "train --rgb on IDX wrote a model"
"$bin" export --rgb --data idx --out exp >out 2>err
rc=$?
check '[ "$rc" -eq 2 ] && grep -q "^siamese export: idx: $want\$" err && [ ! -e exp ]' \
  "export --rgb on IDX: exit $rc, $(cat err)"

# The colour round trip: colour -> PNG folders -> PNG folders, byte for byte.
"$bin" export --rgb --data colour --out c1 >out 2>err
check '[ $? -eq 0 ]' "export --rgb: $(cat err)"
"$bin" export --rgb --data c1 --out c2 >out 2>err
check '[ $? -eq 0 ]' "export --rgb of the export: $(cat err)"
check 'diff -r c1 c2 >/dev/null' "export --rgb of an --rgb export differs from it"
# An RGB PNG: colour type 2 (byte 25 of the IHDR).
ct=$(od -An -tu1 -j25 -N1 c1/train/blue/0.png | tr -d ' ')
check '[ "$ct" = 2 ]' "export --rgb wrote PNG colour type $ct, expected 2 (RGB)"
"$bin" export --data colour --out g1 >out 2>err
ct=$(od -An -tu1 -j25 -N1 g1/train/blue/0.png | tr -d ' ')
check '[ "$ct" = 0 ]' "export wrote PNG colour type $ct, expected 0 (grey)"
# Grey from the colour export is grey from the colour files.
"$bin" export --data c1 --out g2 >out 2>err
check 'diff -r g1 g2 >/dev/null' "grey export of the RGB export differs from the grey export"

# flat FILE R G B: a 6 x 4 PPM of one colour.
flat() {
  { printf 'P6\n6 4\n255\n'
    for i in $(seq 24); do printf "\\$(printf %03o "$2")\\$(printf %03o "$3")\\$(printf %03o "$4")"; done; } >"$1"
}
mkdir -p iref iimg
flat iref/grey.ppm 100 100 100
flat iimg/colour.ppm 200 49 100
"$bin" inspect --model none --threshold 1 --reference iref --images iimg --csv g.csv >out 2>err
gscore=$(sed -n 2p g.csv | cut -d, -f3)
# (not exactly 0: distances come from |a|^2 + |b|^2 - 2 a.b in float32)
check '[ -n "$gscore" ] && awk "BEGIN { exit !($gscore < 0.01) }"' \
  "inspect grey: score '$gscore' of an image of the same grey: $(cat err)"
"$bin" inspect --model none --rgb --threshold 1 --reference iref --images iimg --csv c.csv >out 2>err
score=$(sed -n 2p c.csv | cut -d, -f3)
check '[ -n "$score" ] && awk "BEGIN { exit !($score > 0.5) }"' \
  "inspect --rgb: score '$score' of an image of another colour, same grey: $(cat err)"
"$bin" inspect --rgb --model m.siam --reference iref --images iimg >out 2>err
rc=$?
check '[ "$rc" -eq 2 ] && grep -q "^siamese inspect: --rgb is for --model none" err' \
  "inspect --rgb with a model: exit $rc"

# Training in colour: three planes of inputs.
"$bin" train --rgb --data colour --layers 16 --epochs 1 --model rgb.siam -q >out 2>err
check '[ $? -eq 0 ]' "train --rgb: $(cat err)"
"$bin" train --data colour --layers 16 --epochs 1 --model grey.siam -q >out 2>err
check '[ $? -eq 0 ]' "train: $(cat err)"
# A colour model is model format 4 with three channels (docs/model-format.md:
# version at byte 8, channels at byte 28), and its commands read colour.
ver=$(od -An -tu4 -j8 -N4 rgb.siam | tr -d ' ')
chan=$(od -An -tu4 -j28 -N4 rgb.siam | tr -d ' ')
check '[ "$ver" = 4 ] && [ "$chan" = 3 ]' "the --rgb model: version $ver, channels $chan"
"$bin" eval --model rgb.siam --data colour >out 2>err
check '[ $? -eq 0 ]' "eval on the --rgb model: $(cat err)"
# Without --data the default data (Fashion-MNIST) is not the models':
# said so, with --data as the way (not "--rgb needs image folders": the
# user gave no --rgb), for a colour model and a grey one of another size.
other="was trained on other data: it takes"
tail_="and the default data (--data not given), $data, holds"
for c in "eval --model rgb.siam" "show-pairs --model rgb.siam --out never.png"; do
  SIAMESE_DATA=$data "$bin" $c >out 2>err
  rc=$?
  check '[ "$rc" -eq 1 ] && [ "$(cat err)" = "siamese ${c%% *}: rgb.siam $other colour images of 6 x 4, $tail_ grey images; pass --data with the data it was trained on" ] && [ ! -e never.png ]' \
    "$c without --data: exit $rc, $(cat err)"
done
SIAMESE_DATA=$data "$bin" eval --model grey.siam >out 2>err
rc=$?
check '[ "$rc" -eq 1 ] && [ "$(cat err)" = "siamese eval: grey.siam $other images of 6 x 4, $tail_ 28 x 28; pass --data with the data it was trained on" ]' \
  "eval of a 6 x 4 grey model without --data: exit $rc, $(cat err)"
"$bin" train --resume --data colour --epochs 2 --model rgb.siam -q >out 2>err
check '[ $? -eq 0 ]' "train --resume of the --rgb model: $(cat err)"
"$bin" train --resume --rgb --data colour --epochs 2 --model grey.siam >out 2>err
rc=$?
check '[ "$rc" -eq 2 ] && grep -q -- "--rgb differs from grey.siam" err' \
  "train --resume --rgb on a grey model: exit $rc, $(cat err)"

# show-pairs --rgb draws the colours: two classes of flat colour images,
# (200, 49, 100) and (40, 90, 210); the strip (an RGB PNG, read here by a
# small decoder) holds those pixels with --rgb, and only their grey
# (100, 100, 100) without it. --rgb with --model, or on IDX files, is a
# usage error.
for s in train test; do
  mkdir -p "pc/$s/pink" "pc/$s/blue"
  for k in 0 1; do flat "pc/$s/pink/$k.ppm" 200 49 100; flat "pc/$s/blue/$k.ppm" 40 90 210; done
done
cat >pixels.py <<'EOF'
import struct, sys, zlib
b = open(sys.argv[1], "rb").read()
pos, idat, w, h = 8, b"", 0, 0
while pos < len(b):
    n, kind = struct.unpack(">I4s", b[pos:pos + 8])
    if kind == b"IHDR":
        w, h, depth, ctype = struct.unpack(">IIBB", b[pos + 8:pos + 18])
        assert depth == 8 and ctype == 2, "not 8-bit RGB"
    elif kind == b"IDAT":
        idat += b[pos + 8:pos + 8 + n]
    pos += 12 + n
raw, stride, prev, seen = zlib.decompress(idat), 3 * w, bytearray(3 * w), set()
for y in range(h):
    f, row = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
    for x in range(stride):
        a = row[x - 3] if x >= 3 else 0
        c = prev[x - 3] if x >= 3 else 0
        p = a + prev[x] - c
        pred = [0, a, prev[x], (a + prev[x]) // 2,
                a if abs(p - a) <= min(abs(p - prev[x]), abs(p - c)) else
                prev[x] if abs(p - prev[x]) <= abs(p - c) else c][f]
        row[x] = (row[x] + pred) & 255
    seen.update(tuple(row[i:i + 3]) for i in range(0, stride, 3))
    prev = row
print(" ".join(sorted("%d,%d,%d" % t for t in seen)))
EOF
"$bin" show-pairs --rgb --data pc --count 2 --scale 1 --out sp-rgb.png >out 2>err
rc=$?
px=$(python3 pixels.py sp-rgb.png 2>&1)
check '[ "$rc" -eq 0 ] && [[ " $px " == *" 200,49,100 "* ]] && [[ " $px " == *" 40,90,210 "* ]]' \
  "show-pairs --rgb: exit $rc, the strip lacks the images' colours: $px $(cat err)"
"$bin" show-pairs --data pc --count 2 --scale 1 --out sp-grey.png >out 2>err
rc=$?
px=$(python3 pixels.py sp-grey.png 2>&1)
check '[ "$rc" -eq 0 ] && [[ " $px " == *" 100,100,100 "* ]] && [[ " $px " != *" 200,49,100 "* ]]' \
  "show-pairs without --rgb: exit $rc, expected grey images: $px $(cat err)"
"$bin" show-pairs --rgb --data pc --model rgb.siam --out never.png >out 2>err
rc=$?
check '[ "$rc" -eq 2 ] && grep -q "^siamese show-pairs: --rgb is for show-pairs without --model" err && [ ! -e never.png ]' \
  "show-pairs --rgb with a model: exit $rc, $(cat err)"
"$bin" show-pairs --rgb --data idx --out never-idx.png >out 2>err
rc=$?
check '[ "$rc" -eq 2 ] && grep -q "^siamese show-pairs: idx: $want\$" err && [ ! -e never-idx.png ]' \
  "show-pairs --rgb on IDX: exit $rc, $(cat err)"
finish
