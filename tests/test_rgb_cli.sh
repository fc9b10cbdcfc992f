#!/usr/bin/env bash
# test_rgb_cli.sh - --rgb through the commands (issue 18; the library's
# side is test_rgb.c):
#  - train --rgb and export --rgb on IDX files: exit 2, one line naming
#    the folder and "IDX files hold grey images; --rgb needs image
#    folders", before any work (no model, no folder written);
#  - export --rgb of a colour folder set (PPM files whose red, green and
#    blue planes differ, written here with printf) writes RGB PNGs, and
#    exporting that export again gives the same bytes (the colour round
#    trip); export without --rgb writes grey PNGs, as before.
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
finish
