#!/usr/bin/env bash
# test_folders.sh - image folders as a data set, and `siamese export`.
#  - Fashion-MNIST exported to folders: 70,000 grey PNGs named by split
#    index, classes.txt, '/' in a class name as '-'; a PNG decodes back to
#    the IDX bytes; training from the export gives the model training from
#    the IDX files gives (same losses, same parameter bytes, same eval).
#  - export: the same files for any thread count, a round trip through the
#    folders, nothing written when refused (existing folder, colliding or
#    hidden class folder names, usage errors), a write fails, or it is
#    interrupted (INT, TERM, HUP: the temporary folder removed, exit 130).
#  - bad image folders refused by `train` with one line naming the file or
#    folder, exit 1 and no model file: truncated PNG, corrupt JPEG, empty
#    file, a PNG claiming 100,000 x 100,000 pixels (needs python3), a class
#    with one image, no class folders, empty train/, test/ classes other
#    than train/'s, mixed sizes (accepted with --size), a cut-short file
#    of each format; files that are not images by name skipped with a note,
#    and every format loaded side by side.
#  - a folder given with a trailing '/' gives the same paths as without.
#
#   usage: bash test_folders.sh PATH/TO/siamese
#   exit:  0 all passed, 1 a failure, 77 Fashion-MNIST missing (skip;
#          a failure instead when CI=true)
set -u
bin=${1:?usage: test_folders.sh PATH/TO/siamese}
case $bin in /*) ;; *) bin=$PWD/$bin ;; esac
here=$(cd "$(dirname "$0")" && pwd)
. "$here/testlib.sh"
unset SIAMESE_DATA # every command below names its data
export LC_ALL=C    # ls and sort in bytewise order, like the loader
have_py=0
command -v python3 >/dev/null && have_py=1
cd "$tmp" || exit 1 # a stray default output would land here

# run NAME ARGS...: runs siamese with stdout in $tmp/NAME.out, stderr in
# $tmp/NAME.err and the status in $rc. Whatever the status is meant to be,
# a signal (>= 128), a sanitizer report or a stack trace fails.
rc=0
run() {
  local name=$1
  shift
  "$bin" "$@" >"$tmp/$name.out" 2>"$tmp/$name.err"
  rc=$?
  check '[ $rc -lt 128 ]' "$name: killed by a signal (exit $rc): $(head -c 400 "$tmp/$name.err")"
  check '! grep -qE "Sanitizer|runtime error:|^ *#[0-9]+ 0x|Segmentation fault|Aborted" "$tmp/$name.err"' \
    "$name: crash report on stderr: $(head -c 400 "$tmp/$name.err")"
}

# refused NAME STATUS TEXT: the last run exited STATUS with one line on
# stderr containing TEXT (a usage error, status 2, may add the usage text
# after a blank line).
refused() {
  local name=$1 want=$2 text=$3 lines
  check '[ $rc -eq $want ]' "$name: exit $rc, expected $want: $(head -c 400 "$tmp/$name.err")"
  if [ "$want" -eq 2 ]; then lines=$(sed '/^$/q' "$tmp/$name.err" | grep -c .); else lines=$(wc -l <"$tmp/$name.err"); fi
  check '[ "$lines" -eq 1 ]' "$name: expected one line on stderr, found: $(head -c 600 "$tmp/$name.err")"
  check 'head -1 "$tmp/$name.err" | grep -qF -- "$text"' \
    "$name: the first line on stderr lacks '$text': $(head -c 400 "$tmp/$name.err")"
}

# An IDX file header: magic then big-endian dimensions.
be32() {
  local n=$1
  printf "\\$(printf %03o $((n >> 24 & 255)))\\$(printf %03o $((n >> 16 & 255)))"
  printf "\\$(printf %03o $((n >> 8 & 255)))\\$(printf %03o $((n & 255)))"
}
# cut_idx PREFIX N OUT: the first N images and labels of the real PREFIX
# split (train or t10k) as IDX files in OUT.
cut_idx() {
  { printf '\0\0\10\3'; be32 "$2"; be32 28; be32 28
    gzip -dc "$data/$1-images-idx3-ubyte.gz" 2>/dev/null | head -c $((16 + $2 * 784)) | tail -c +17
  } >"$3/$1-images-idx3-ubyte"
  { printf '\0\0\10\1'; be32 "$2"
    gzip -dc "$data/$1-labels-idx1-ubyte.gz" 2>/dev/null | head -c $((8 + $2)) | tail -c +9
  } >"$3/$1-labels-idx1-ubyte"
}

# ---------------------------------------------------------------- small sets
# small: 200 training and 100 test images of Fashion-MNIST (at least 6 of
# every class in each split) with its class names, exported to folders.
fashion_names=$(printf 'T-shirt/top\nTrouser\nPullover\nDress\nCoat\nSandal\nShirt\nSneaker\nBag\nAnkle boot')
mkdir "$tmp/small-idx"
cut_idx train 200 "$tmp/small-idx"
cut_idx t10k 100 "$tmp/small-idx"
echo "$fashion_names" >"$tmp/small-idx/classes.txt"
run small-export export --data "$tmp/small-idx" --out "$tmp/small" --threads 2
check '[ $rc -eq 0 ]' "export of a small IDX set failed: $(cat "$tmp/small-export.err")"
check '[ "$(cat "$tmp/small-export.out")" = "wrote $tmp/small: 200 train and 100 test images, 10 classes" ]' \
  "export's summary line: $(cat "$tmp/small-export.out")"
check '[ ! -s "$tmp/small-export.err" ]' "export wrote to stderr: $(cat "$tmp/small-export.err")"
mkdir "$tmp/mode-probe"
check '[ "$(stat -c %a "$tmp/small")" = "$(stat -c %a "$tmp/mode-probe")" ]' \
  "the export's folder has mode $(stat -c %a "$tmp/small"), a new folder $(stat -c %a "$tmp/mode-probe")"
# Index width: the digits of n - 1 (199 -> 3, 99 -> 2).
check '[ -f "$tmp/small/train/Ankle boot/000.png" ] && [ -z "$(find "$tmp/small/train" -name "*.png" ! -name "[0-9][0-9][0-9].png")" ]' \
  "train file names are not 000..199: $(ls "$tmp/small/train/Ankle boot" | head -3)"
check '[ -z "$(find "$tmp/small/test" -name "*.png" ! -name "[0-9][0-9].png")" ]' \
  "test file names are not 00..99: $(ls "$tmp/small/test/Bag" | head -3)"

# tiny8: 8 x 8 images of two classes, for a PNG of another size.
mkdir "$tmp/tiny8-idx"
for p in train t10k; do
  { printf '\0\0\10\3'; be32 4; be32 8; be32 8; head -c 256 "$tmp/small-idx/train-images-idx3-ubyte"; } \
    >"$tmp/tiny8-idx/$p-images-idx3-ubyte"
  { printf '\0\0\10\1'; be32 4; printf '\0\0\1\1'; } >"$tmp/tiny8-idx/$p-labels-idx1-ubyte"
done
run tiny8-export export --data "$tmp/tiny8-idx" --out "$tmp/tiny8" --threads 1
check '[ $rc -eq 0 ] && [ -f "$tmp/tiny8/train/0/0.png" ] && [ -f "$tmp/tiny8/test/1/3.png" ]' \
  "export of an 8x8 set with numbered classes: $(cat "$tmp/tiny8-export.err"; ls -R "$tmp/tiny8")"

# Any thread count writes the same files.
run small-t1 export --data "$tmp/small-idx" --out "$tmp/small-t1" --threads 1
run small-t3 export --data "$tmp/small-idx" --out "$tmp/small-t3" --threads 3
check 'diff -r "$tmp/small" "$tmp/small-t1" >/dev/null && diff -r "$tmp/small" "$tmp/small-t3" >/dev/null' \
  "--threads 1, 2 and 3 wrote different exports"

# Round trip without python: exporting the folders again gives the same
# images, class by class in the same order (the names are the new split's
# indices, so compare each class folder's files in order).
run small-again export --data "$tmp/small" --out "$tmp/small-again"
check '[ $rc -eq 0 ] && cmp -s "$tmp/small/classes.txt" "$tmp/small-again/classes.txt"' \
  "re-export from folders failed or changed classes.txt: $(cat "$tmp/small-again.err")"
same=1
for split in train test; do
  for d in "$tmp/small/$split"/*/; do
    c=$(basename "$d")
    a=$(cat "$tmp/small/$split/$c"/*.png | cksum)
    b=$(cat "$tmp/small-again/$split/$c"/*.png | cksum)
    [ "$a" = "$b" ] || { same=0; echo "  $split/$c differs after the round trip"; }
  done
done
check '[ $same -eq 1 ]' "exporting the exported folders changed images"
check '[ -f "$tmp/small-again/train/T-shirt-top/000.png" ]' \
  "re-export does not number the first class from 000: $(ls "$tmp/small-again/train/T-shirt-top" | head -2)"

# ---------------------------------------------------------------- a trailing '/'
# A folder given with a trailing '/' gives the paths it gives without one
# (one '/' between folder and name, no "//"): inspect's text, CSV and JSON
# with the MVTec layout's types and masks, embed's index of a folder and
# of --data's split, and a refusal naming a folder of --data.
mkdir -p "$tmp/part/test" "$tmp/part/ground_truth/bag" "$tmp/noclass/train" "$tmp/noclass/test"
cp -r "$tmp/small/test/Trouser" "$tmp/part/test/good"
cp -r "$tmp/small/test/Bag" "$tmp/part/test/bag"
for f in "$tmp/part/test/bag"/*.png; do
  cp "$f" "$tmp/part/ground_truth/bag/$(basename "$f" .png)_mask.png"
done
run slash-model train --data "$tmp/small-idx" --layers conv4,pool,gap,4 --epochs 1 \
  --train-pairs 200 --threads 2 --model "$tmp/slash.siam"
check '[ $rc -eq 0 ]' "training the model for the '/' checks: $(cat "$tmp/slash-model.err")"
for v in a b; do
  s=; [ $v = b ] && s=/
  run slash-text-$v inspect --model "$tmp/slash.siam" --score patch \
    --reference "$tmp/small/train/Trouser$s" --images "$tmp/part/test$s" \
    --masks "$tmp/part/ground_truth$s" --csv "$tmp/slash-$v.csv"
  run slash-json-$v inspect --model "$tmp/slash.siam" --score patch \
    --reference "$tmp/small/train/Trouser$s" --images "$tmp/part/test$s" --json
  run slash-embed-$v embed --model "$tmp/slash.siam" --out "$tmp/slash-$v.npy" "$tmp/part/test$s"
  run slash-split-$v embed --model "$tmp/slash.siam" --out "$tmp/split-$v.npy" \
    --data "$tmp/small$s" --split test
  run slash-noclass-$v train --data "$tmp/noclass$s" --model "$tmp/noclass.siam"
done
# A mask missing: its path is named as DIR/<type>/<name>_mask.png.
mv "$tmp/part/ground_truth/bag" "$tmp/part/bag-masks"
mkdir "$tmp/part/ground_truth/bag"
run slash-nomask inspect --model "$tmp/slash.siam" --score patch --reference "$tmp/small/train/Trouser" \
  --images "$tmp/part/test" --masks "$tmp/part/ground_truth/"
check '[ $rc -eq 1 ] && grep -qF "a defect image without its mask: $tmp/part/ground_truth/bag/" "$tmp/slash-nomask.err"' \
  "a missing mask under --masks DIR/: exit $rc: $(cat "$tmp/slash-nomask.err")"
check '[ $rc -eq 1 ] && grep -qF "$tmp/noclass/train: no class folders" "$tmp/slash-noclass-b.err"' \
  "--data DIR/ with no class folders: exit $rc: $(cat "$tmp/slash-noclass-b.err")"
check 'grep -q "^pixel AUROC" "$tmp/slash-text-b.out" && grep -q "	bag	$tmp/part/test/bag/[0-9]*\.png	$tmp/small/train/Trouser/[0-9]*\.png$" "$tmp/slash-text-b.out"' \
  "inspect of DIR/: no pixel AUROC or no bag/ image of type bag: $(head -c 900 "$tmp/slash-text-b.out"; cat "$tmp/slash-text-b.err")"
for f in slash-text-%.out slash-%.csv slash-json-%.out slash-%.index.csv split-%.index.csv; do
  a=$tmp/${f/\%/a} b=$tmp/${f/\%/b}
  check '[ -s "$a" ] && cmp -s "$a" "$b" && ! grep -q "//" "$b"' \
    "${f/\%/*}: DIR/ gives other paths than DIR: $(diff "$a" "$b" | head -5)"
done

# ---------------------------------------------------------------- export refusals
run no-out export --data "$tmp/small-idx"
refused no-out 2 "--out DIR is required"
run bad-threads export --data "$tmp/small-idx" --out "$tmp/x" --threads 0
check '[ $rc -eq 2 ] && grep -qF -- "--threads" "$tmp/bad-threads.err"' "--threads 0: exit $rc"
run extra-arg export --data "$tmp/small-idx" --out "$tmp/x" stray
check '[ $rc -eq 2 ] && grep -qF "stray" "$tmp/extra-arg.err"' "stray argument: exit $rc"
run dot-out export --data "$tmp/small-idx" --out .
refused dot-out 2 "--out"
run help export --help
check '[ $rc -eq 0 ] && grep -qF "default: all" "$tmp/help.out" && grep -qF -- "--out DIR" "$tmp/help.out"' \
  "export --help lacks its options and defaults: $(cat "$tmp/help.out")"
check '[ ! -e "$tmp/x" ]' "a refused export created its folder"

# An existing non-empty folder or a file is left alone; an empty folder
# is replaced.
mkdir "$tmp/full" && echo keep >"$tmp/full/keep"
run full export --data "$tmp/small-idx" --out "$tmp/full"
refused full 1 "$tmp/full: exists and is not empty"
check '[ "$(ls -A "$tmp/full")" = keep ] && [ "$(cat "$tmp/full/keep")" = keep ]' \
  "export touched a non-empty folder: $(ls -A "$tmp/full")"
echo data >"$tmp/afile"
run afile export --data "$tmp/small-idx" --out "$tmp/afile/"
refused afile 1 "$tmp/afile: exists and is not a folder"
check '[ "$(cat "$tmp/afile")" = data ]' "export changed a file given as --out"
run no-parent export --data "$tmp/small-idx" --out "$tmp/missing/out"
refused no-parent 1 "$tmp/missing"
mkdir "$tmp/empty"
run empty export --data "$tmp/small-idx" --out "$tmp/empty/" --threads 2
check '[ $rc -eq 0 ] && diff -r "$tmp/small" "$tmp/empty" >/dev/null' \
  "export into an empty folder: exit $rc, $(cat "$tmp/empty.err")"
check '[ -z "$(ls -d "$tmp"/*.tmp-* 2>/dev/null)" ]' "temporary folders left: $(ls -d "$tmp"/*.tmp-* 2>/dev/null)"

# A write that fails (a file-size limit: 64 x 64 noise images make PNGs
# of about 4 KB) is reported, and nothing is left behind.
mkdir "$tmp/noise-idx"
for p in train t10k; do
  { printf '\0\0\10\3'; be32 4; be32 64; be32 64; tail -c 20000 "$data/train-images-idx3-ubyte.gz" | head -c 16384; } \
    >"$tmp/noise-idx/$p-images-idx3-ubyte"
  { printf '\0\0\10\1'; be32 4; printf '\0\0\1\1'; } >"$tmp/noise-idx/$p-labels-idx1-ubyte"
done
(ulimit -f 2 && exec "$bin" export --data "$tmp/noise-idx" --out "$tmp/noise" --threads 2) \
  >"$tmp/efbig.out" 2>"$tmp/efbig.err"
rc=$?
refused efbig 1 "write failed: File too large"
check '[ ! -e "$tmp/noise" ] && [ -z "$(ls -d "$tmp"/noise.tmp-* 2>/dev/null)" ]' \
  "a failed export left files: $(ls -d "$tmp"/noise* 2>/dev/null)"

# Class names that would share a folder ('/' becomes '-') or be hidden.
mkdir "$tmp/clash-idx" "$tmp/hidden-idx"
cp "$tmp/small-idx"/*ubyte "$tmp/clash-idx/"
cp "$tmp/small-idx"/*ubyte "$tmp/hidden-idx/"
printf 'c0\nc1\nc2\nc3\nc4\nc5\nc6\nc7\na/b\na-b\n' >"$tmp/clash-idx/classes.txt"
printf 'c0\nc1\nc2\nc3\nc4\nc5\nc6\nc7\nc8\n.c9\n' >"$tmp/hidden-idx/classes.txt"
run clash export --data "$tmp/clash-idx" --out "$tmp/clash"
refused clash 1 "classes 'a/b' and 'a-b' both map to the folder name 'a-b'"
run hidden export --data "$tmp/hidden-idx" --out "$tmp/hidden"
refused hidden 1 "'.c9'"
check '[ ! -e "$tmp/clash" ] && [ ! -e "$tmp/hidden" ] && [ -z "$(ls -d "$tmp"/*.tmp-* 2>/dev/null)" ]' \
  "a refused export left files: $(ls -d "$tmp"/clash* "$tmp"/hidden* "$tmp"/*.tmp-* 2>/dev/null)"

# IDX labels are one byte: a classes.txt of 257 names is refused, naming
# the limit.
mkdir "$tmp/many-idx"
cp "$tmp/small-idx"/*ubyte "$tmp/many-idx/"
seq 0 256 | sed 's/^/c/' >"$tmp/many-idx/classes.txt"
run many export --data "$tmp/many-idx" --out "$tmp/many"
refused many 1 "$tmp/many-idx/classes.txt: 257 class names, but IDX labels are one byte: at most 256 classes from IDX files"

# ---------------------------------------------------------------- bad image folders
# case_dir NAME: a fresh copy of the small export to damage.
case_dir() {
  rm -rf "$tmp/c-$1"
  cp -r "$tmp/small" "$tmp/c-$1"
  echo "$tmp/c-$1"
}
# train_refused NAME DIR TEXT [OPTIONS...]: train on DIR fails with one
# line containing TEXT, exit 1, and no model file (nor a temporary one).
train_refused() {
  local name=$1 dir=$2 text=$3
  shift 3
  run "$name" train --epochs 1 --threads 1 --data "$dir" --model "$tmp/m-$name.siam" "$@"
  refused "$name" 1 "$text"
  check '[ -z "$(ls "$tmp" | grep "^m-$name\.siam")" ]' "$name: a model file was written: $(ls "$tmp" | grep "^m-$name")"
}
# train_ok NAME DIR [OPTIONS...]: train on DIR succeeds and writes the model.
train_ok() {
  local name=$1 dir=$2
  shift 2
  run "$name" train --epochs 1 --threads 1 --data "$dir" --model "$tmp/m-$name.siam" "$@"
  check '[ $rc -eq 0 ] && [ -s "$tmp/m-$name.siam" ]' "$name: training failed: $(head -c 400 "$tmp/$name.err")"
}

train_ok clean "$tmp/small"
check '[ ! -s "$tmp/clean.err" ]' "training on clean folders printed to stderr: $(cat "$tmp/clean.err")"

d=$(case_dir truncated)
f="$d/train/Bag/$(ls "$d/train/Bag" | sed -n 2p)"
head -c 60 "$f" >"$tmp/cut" && mv "$tmp/cut" "$f"
train_refused truncated "$d" "$f: a cut-short PNG file"

d=$(case_dir jpeg)
jpeg=$here/fuzz/corpus/image/grey.jpg
check '[ -f "$jpeg" ]' "missing the seed JPEG $jpeg"
# The real JPEG's first 100 bytes (markers and tables), then noise where
# the frame header and the rest should be.
{ head -c 100 "$jpeg"; head -c 300 "$tmp/small-idx/t10k-images-idx3-ubyte" | tail -c 200; } \
  >"$d/train/Coat/zz.jpg"
train_refused jpeg "$d" "$d/train/Coat/zz.jpg: a damaged JPEG file"

# Cut-short files of every format (stb_image alone would fill the missing
# pixels with zeros, or leave them uninitialised): refused, named.
for seed in grey.pgm grey.tga grey8.bmp grey.jpg tiny.gif; do
  d=$(case_dir "cut-$seed")
  n=$(stat -c %s "$here/fuzz/corpus/image/$seed")
  head -c $((n - 10)) "$here/fuzz/corpus/image/$seed" >"$d/train/Coat/zz-$seed"
  train_refused "cut-$seed" "$d" "$d/train/Coat/zz-$seed: a cut-short"
done

# The formats the loader takes, mixed in one class folder: loaded.
d=$(case_dir formats)
for seed in grey.pgm grey.tga grey8.bmp grey.jpg interlaced.png fashion.png; do
  cp "$here/fuzz/corpus/image/$seed" "$d/train/Coat/zz-$seed"
done
train_ok formats "$d"

d=$(case_dir zero)
: >"$d/test/Sandal/zz.png"
train_refused zero "$d" "$d/test/Sandal/zz.png: empty file"

if [ $have_py -eq 1 ]; then
  d=$(case_dir huge)
  python3 - "$d/train/Dress/zz.png" <<'EOF'
import struct, sys, zlib
def chunk(kind, body):
    return struct.pack('>I', len(body)) + kind + body + struct.pack('>I', zlib.crc32(kind + body))
ihdr = struct.pack('>IIBBBBB', 100000, 100000, 8, 0, 0, 0, 0)  # grey, 8-bit
png = (b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', ihdr) +
       chunk(b'IDAT', zlib.compress(b'\0' * 4096)) + chunk(b'IEND', b''))
open(sys.argv[1], 'wb').write(png)
EOF
  train_refused huge "$d" "$d/train/Dress/zz.png: image of 100000 x 100000 pixels"
else
  tool_missing "the 100,000 x 100,000 PNG case (python3 is missing; it fixes the IHDR's CRC)"
fi

d=$(case_dir one)
find "$d/train/Shirt" -name '*.png' | sort | tail -n +2 | xargs -d '\n' rm -f
train_refused one "$d" "class 6 (Shirt) has 1 image"
check 'grep -qF "$d/train" "$tmp/one.err"' "one: the error does not name the folder: $(cat "$tmp/one.err")"

d=$(case_dir noclass)
rm -rf "$d/train"/* && cp "$tmp/small/train/Bag/"0[0-4]*.png "$d/train/"
train_refused noclass "$d" "$d/train: no class folders"

d=$(case_dir emptytrain)
rm -rf "$d/train"/*
train_refused emptytrain "$d" "$d/train: no class folders"

d=$(case_dir emptyclasses)
rm -f "$d/train"/*/*.png
train_refused emptyclasses "$d" "$d/train: no images in the class folders"

d=$(case_dir otherclass)
mv "$d/test/Bag" "$d/test/Bags"
train_refused otherclass "$d" "$d/test/Bags"
d=$(case_dir otherclass2)
rm "$d/classes.txt"
mv "$d/test/Bag" "$d/test/Bags"
train_refused otherclass2 "$d" "$d/test/Bag"

d=$(case_dir mixed)
cp "$tmp/tiny8/train/0/0.png" "$d/train/Pullover/zz.png"
train_refused mixed "$d" "$d/train/Pullover/zz.png: 8 x 8 pixels"
check 'grep -qF -- "--size" "$tmp/mixed.err"' "mixed sizes: no --size hint: $(cat "$tmp/mixed.err")"
train_ok mixed-size "$d" --size 28x28

d=$(case_dir skipped)
echo notes >"$d/train/Bag/README"
echo notes >"$d/test/Bag/notes.txt"
echo junk >"$d/train/Bag/.DS_Store" # hidden: ignored, not counted
train_ok skipped "$d"
check 'grep -qF "note: skipped 2 files that are not images by name" "$tmp/skipped.err" && [ "$(wc -l <"$tmp/skipped.err")" -eq 1 ]' \
  "skipped files: expected one note counting 2, found: $(cat "$tmp/skipped.err")"
check 'cmp -s "$tmp/m-skipped.siam" "$tmp/m-clean.siam"' "skipped files changed the model"

# A data set is a set of files: an image reached again through a link in
# its own class folder is taken once (the same model as without the link);
# one file in two classes, or in both splits, is refused naming both paths.
d=$(case_dir dup)
first=$(ls "$d/train/Bag" | head -1)
ln -s "$first" "$d/train/Bag/zz-again.png"
ln "$d/train/Bag/$first" "$d/train/Bag/zz-hard.png"
train_ok dup "$d"
check 'cmp -s "$tmp/m-dup.siam" "$tmp/m-clean.siam"' "an image linked twice in its class changed the model"
d=$(case_dir dup-class)
first=$(ls "$d/train/Coat" | head -1) # Coat is class 4, Bag 8: Coat's files come first
ln -s "../Coat/$first" "$d/train/Bag/zz.png"
train_refused dup-class "$d" "$d/train/Bag/zz.png: the same file as $d/train/Coat/$first (through a link): a file can be in one class of one split only"
d=$(case_dir dup-split)
first=$(ls "$d/train/Bag" | head -1)
ln -s "$d/train/Bag/$first" "$d/test/Bag/zz.png"
train_refused dup-split "$d" "$d/test/Bag/zz.png: the same file as $d/train/Bag/$first"

# ---------------------------------------------------------------- Fashion-MNIST
start=$SECONDS
run fm-export export --data "$data" --out "$tmp/fm" --threads 2
echo "exported Fashion-MNIST in $((SECONDS - start)) s"
check '[ $rc -eq 0 ]' "export of Fashion-MNIST failed: $(cat "$tmp/fm-export.err")"
check '[ "$(cat "$tmp/fm-export.out")" = "wrote $tmp/fm: 60000 train and 10000 test images, 10 classes" ]' \
  "summary line: $(cat "$tmp/fm-export.out")"
(cd "$tmp/fm" && find . -type f) >"$tmp/fm.files"
check '[ "$(grep -c "^\./train/[^/]*/[0-9]\{5\}\.png$" "$tmp/fm.files")" -eq 60000 ] && [ "$(grep -c "^\./test/[^/]*/[0-9]\{4\}\.png$" "$tmp/fm.files")" -eq 10000 ] && [ "$(wc -l <"$tmp/fm.files")" -eq 70001 ] && grep -qx "\./classes\.txt" "$tmp/fm.files"' \
  "expected 60000 + 10000 PNG files named by zero-padded index and classes.txt, found $(wc -l <"$tmp/fm.files") files: $(grep -v "^\./t[a-z]*/[^/]*/[0-9]*\.png$" "$tmp/fm.files" | head -3)"
check '[ "$(cat "$tmp/fm/classes.txt")" = "$fashion_names" ]' \
  "classes.txt: $(cat "$tmp/fm/classes.txt")"
check '[ -d "$tmp/fm/train/T-shirt-top" ] && [ -d "$tmp/fm/test/T-shirt-top" ] && [ "$(ls "$tmp/fm/train" | wc -l)" -eq 10 ]' \
  "class folders: $(ls "$tmp/fm/train")"
# Index 0 of each split is an ankle boot, the last one (59999, 9999) a
# sandal.
check '[ -f "$tmp/fm/train/Ankle boot/00000.png" ] && [ -f "$tmp/fm/train/Sandal/59999.png" ] && [ -f "$tmp/fm/test/Ankle boot/0000.png" ] && [ -f "$tmp/fm/test/Sandal/9999.png" ]' \
  "images not where their index and label put them"
if [ $have_py -eq 1 ]; then
  # The first training image, decoded by hand, is the IDX file's first 784 bytes.
  python3 - "$tmp/fm/train/Ankle boot/00000.png" "$data/train-images-idx3-ubyte.gz" <<'EOF'
import gzip, struct, sys, zlib
png = open(sys.argv[1], 'rb').read()
assert png[:8] == b'\x89PNG\r\n\x1a\n', 'not a PNG'
pos, idat = 8, b''
while pos < len(png):
    n, kind = struct.unpack('>I4s', png[pos:pos + 8])
    body = png[pos + 8:pos + 8 + n]
    pos += 12 + n
    if kind == b'IHDR':
        w, h, depth, ctype, _, _, interlace = struct.unpack('>IIBBBBB', body)
    elif kind == b'IDAT':
        idat += body
assert (w, h, depth, ctype, interlace) == (28, 28, 8, 0, 0), 'not 28x28 grey 8-bit'
raw, px, prev = zlib.decompress(idat), bytearray(), bytearray(w)
for y in range(h):
    f, row = raw[y * (w + 1)], bytearray(raw[y * (w + 1) + 1:(y + 1) * (w + 1)])
    for x in range(w):
        a, b, c = row[x - 1] if x else 0, prev[x], prev[x - 1] if x else 0
        if f == 1: row[x] = (row[x] + a) & 255
        elif f == 2: row[x] = (row[x] + b) & 255
        elif f == 3: row[x] = (row[x] + (a + b) // 2) & 255
        elif f == 4:
            p = a + b - c
            pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
            row[x] = (row[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
    px += row
    prev = row
sys.exit(0 if bytes(px) == gzip.open(sys.argv[2]).read()[16:16 + 784] else 1)
EOF
  check '[ $? -eq 0 ]' "the first training PNG does not decode to the IDX bytes"
else
  tool_missing "decoding a PNG by hand (python3 is missing; the round trip and the data fingerprint below cover it)"
fi

# Training from the export = training from the IDX files: the same losses
# and the same parameter bytes. The model file's tail (per epoch 8 bytes of
# history, then params and RMSprop velocity, N floats each, then a CRC-32)
# is compared; only header fields may differ.
args=(train --epochs 1 --threads 2 --train-pairs 20000)
run fm-train-idx "${args[@]}" --data "$data" --model "$tmp/idx.siam"
run fm-train-dir "${args[@]}" --data "$tmp/fm" --model "$tmp/dir.siam"
check '[ -s "$tmp/idx.siam" ] && [ -s "$tmp/dir.siam" ]' \
  "training failed: $(cat "$tmp/fm-train-idx.err" "$tmp/fm-train-dir.err")"
losses() { sed -n 's/^Epoch .*\(loss: .*\)$/\1/p' "$1"; }
check '[ -n "$(losses "$tmp/fm-train-idx.out")" ] && [ "$(losses "$tmp/fm-train-idx.out")" = "$(losses "$tmp/fm-train-dir.out")" ]' \
  "losses differ: $(losses "$tmp/fm-train-idx.out") vs $(losses "$tmp/fm-train-dir.out")"
# History, parameters and RMSprop state (the file's tail without its CRC,
# which also covers header fields such as the suggested threshold).
N=133504
tail_bytes=$((8 + 2 * N * 4 + 4))
check '[ "$(stat -c %s "$tmp/idx.siam")" = "$(stat -c %s "$tmp/dir.siam")" ]' "model files of different sizes"
check 'cmp -s <(tail -c $tail_bytes "$tmp/idx.siam" | head -c -4) <(tail -c $tail_bytes "$tmp/dir.siam" | head -c -4)' \
  "history or parameter bytes differ between the IDX and the folder model"

# eval: the same confusion matrix and AUC. (Other fields are not compared:
# an image's embedding can differ in its last bits with its row in an
# SGEMM batch, and the two sources order the test images differently.)
run fm-eval-idx eval --model "$tmp/idx.siam" --data "$data" --json
run fm-eval-dir eval --model "$tmp/dir.siam" --data "$tmp/fm" --json
for key in confusion_matrix roc_auc test_pairs; do
  a=$(grep "\"$key\"" "$tmp/fm-eval-idx.out")
  b=$(grep "\"$key\"" "$tmp/fm-eval-dir.out")
  check '[ -n "$a" ] && [ "$a" = "$b" ]' "eval $key differs: '$a' vs '$b'"
done
# The folders hold the same images per class as the IDX files: the model
# trained on the export, evaluated on the IDX files, finds the data
# fingerprint it was trained on (no "not the data" note).
run fm-eval-cross eval --model "$tmp/dir.siam" --data "$data"
check '[ $rc -eq 0 ] && ! grep -q "not the data" "$tmp/fm-eval-cross.err"' \
  "the export's fingerprint differs from the IDX files': $(cat "$tmp/fm-eval-cross.err")"

# Interrupted: the temporary folder goes, DIR never appears, exit 130.
for sig in INT TERM HUP; do
  out=$tmp/sig-$sig
  "$bin" export --data "$data" --out "$out" --threads 2 >"$tmp/sig.out" 2>"$tmp/sig.err" &
  pid=$!
  for _ in $(seq 600); do
    [ -n "$(ls -d "$out".tmp-* 2>/dev/null)" ] && break
    sleep 0.05
  done
  kill -s "$sig" "$pid"
  wait "$pid"
  rc=$?
  check '[ $rc -eq 130 ]' "SIG$sig: exit $rc, expected 130: $(cat "$tmp/sig.err")"
  check '[ ! -e "$out" ] && [ -z "$(ls -d "$out".tmp-* 2>/dev/null)" ]' \
    "SIG$sig: left $(ls -d "$out"* 2>/dev/null)"
  check 'grep -qF "interrupted (SIG$sig)" "$tmp/sig.err" && [ "$(wc -l <"$tmp/sig.err")" -eq 1 ]' \
    "SIG$sig: expected one line saying interrupted: $(cat "$tmp/sig.err")"
done

finish
