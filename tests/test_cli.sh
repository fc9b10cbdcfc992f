#!/usr/bin/env bash
# test_cli.sh - the siamese command line as a user meets it: help, version,
# usage errors (exit 2, the option named, usage on stderr), runtime errors
# (exit 1, one line naming the file), and never a crash.
#
#   usage: bash test_cli.sh PATH/TO/siamese [BINDIR]
#   exit:  0 all passed, 1 a failure, 77 Fashion-MNIST missing (skip;
#          a failure instead when CI is set)
set -u

BIN=${1:?usage: test_cli.sh PATH/TO/siamese [BINDIR]}
DATA=${SIAMESE_DATA:-/usr/share/datasets/fashion-mnist}
unset SIAMESE_DATA # each case below sets it explicitly when it wants it
# The cases run in a temporary folder: make the given paths absolute first.
case $BIN in /*) ;; *) BIN=$PWD/$BIN ;; esac
case $DATA in /*) ;; *) DATA=$PWD/$DATA ;; esac
if [ ! -x "$BIN" ]; then
    echo "FAIL: $BIN is not an executable"
    exit 1
fi

T=$(mktemp -d /tmp/siamese-test-cli-XXXXXX)
trap 'rm -rf "$T"' EXIT
cd "$T" || exit 1 # a stray default output (model.siam, pairs.png) lands here
EMPTY=$T/empty
mkdir "$EMPTY"

passed=0
failed=0
OUT= ERR= RC= SECS=
CASE=

# run NAME CMD...: runs CMD with a time limit, capturing stdout in $OUT,
# stderr in $ERR, the exit status in $RC and the whole seconds in $SECS.
# A crash (signal, sanitizer report) fails the case whatever is expected.
run() {
    CASE=$1
    shift
    local start=$SECONDS
    timeout 120 "$@" >"$T/out" 2>"$T/err"
    RC=$?
    SECS=$((SECONDS - start))
    OUT=$(cat "$T/out")
    ERR=$(cat "$T/err")
    if [ "$RC" -ge 124 ]; then
        fail "crashed or hung (exit $RC)"
    fi
    if grep -qE 'AddressSanitizer|LeakSanitizer|runtime error:' "$T/err"; then
        fail "sanitizer report on stderr"
    fi
}

fail() {
    failed=$((failed + 1))
    echo "FAIL [$CASE]: $*"
    echo "  exit $RC; stdout: $(head -c 600 "$T/out")"
    echo "  stderr: $(head -c 600 "$T/err")"
}

ok() { passed=$((passed + 1)); }

expect_rc() {
    if [ "$RC" = "$1" ]; then ok; else fail "exit status $RC, expected $1"; fi
}

# expect_in STREAM TEXT: stdout/stderr contains TEXT literally.
expect_in() {
    local text
    if [ "$1" = out ]; then text=$OUT; else text=$ERR; fi
    if grep -qF -- "$2" <<<"$text"; then ok; else fail "std$1 lacks '$2'"; fi
}

# expect_re STREAM REGEX: some line of stdout/stderr matches REGEX (ERE).
expect_re() {
    local text
    if [ "$1" = out ]; then text=$OUT; else text=$ERR; fi
    if grep -qE -- "$2" <<<"$text"; then ok; else fail "std$1 has no line matching /$2/"; fi
}

expect_not_in() {
    local text
    if [ "$1" = out ]; then text=$OUT; else text=$ERR; fi
    if grep -qF -- "$2" <<<"$text"; then fail "std$1 has '$2'"; else ok; fi
}

expect_empty() {
    local text
    if [ "$1" = out ]; then text=$OUT; else text=$ERR; fi
    if [ -z "$text" ]; then ok; else fail "std$1 is not empty"; fi
}

# A usage error: exit 2, the message, then the command's usage, all on
# stderr; nothing on stdout.
expect_usage_error() {
    local usage_line=$1 msg=$2
    expect_rc 2
    expect_in err "$msg"
    expect_in err "$usage_line"
    expect_empty out
}

# stderr holds no control characters but the line ends.
expect_printable() {
    if LC_ALL=C tr -d '\n' <"$T/err" | LC_ALL=C grep -q '[[:cntrl:]]'; then
        fail "stderr has control characters: $(od -c "$T/err" | head -3)"
    else
        ok
    fi
}

# A runtime error: exit 1 and exactly one line on stderr containing TEXT.
expect_runtime_error() {
    expect_rc 1
    local t
    for t in "$@"; do expect_in err "$t"; done
    local lines
    lines=$(wc -l <"$T/err")
    if [ "$lines" -eq 1 ]; then ok; else fail "stderr has $lines lines, expected 1"; fi
}

# ---- help and version --------------------------------------------------

run "--help" "$BIN" --help
expect_rc 0
expect_re out '^ +train +[a-z]'
expect_re out '^ +show-pairs +[a-z]'
expect_in out "usage: siamese"
expect_empty err

run "help (no dashes)" "$BIN" help
expect_rc 0
expect_re out '^ +show-pairs +[a-z]'

run "--version" "$BIN" --version
expect_rc 0
expect_re out '^siamese [0-9]+\.[0-9]+\.[0-9]+$'
expect_empty err

run "no arguments" "$BIN"
expect_usage_error "usage: siamese" "COMMAND"

run "unknown command" "$BIN" frobnicate
expect_usage_error "usage: siamese" "unknown command 'frobnicate'"

run "unknown top-level option" "$BIN" --frobnicate
expect_usage_error "usage: siamese" "unknown option '--frobnicate'"

run "show-pairs --help" "$BIN" show-pairs --help
expect_rc 0
expect_re out '--count .*\(default 10\)'
expect_re out '--split .*\(default train\)'
expect_re out '--scale .*\(default 3\)'
expect_empty err

run "train --help" "$BIN" train --help
expect_rc 0
expect_re out '--epochs .*\(default 25\)'
expect_re out '--batch .*\(default 128\)'
expect_re out '--lr .*\(default 0\.001\)'
expect_re out '--dropout .*\(default 0\.1\)'
expect_re out '--seed .*\(default 42\)'
expect_empty err
[ ! -e model.siam ] && ok || fail "train --help wrote model.siam"

# ---- usage errors: exit 2, the option named ----------------------------

SP_USAGE="usage: siamese show-pairs"
TR_USAGE="usage: siamese train"

run "show-pairs --bogus" "$BIN" show-pairs --bogus
expect_usage_error "$SP_USAGE" "unknown option '--bogus'"

run "show-pairs -Z" "$BIN" show-pairs -Z
expect_usage_error "$SP_USAGE" "unknown option '-Z'"

run "train --bogus" "$BIN" train --bogus=3
expect_usage_error "$TR_USAGE" "unknown option '--bogus=3'"

run "show-pairs --count (no value)" "$BIN" show-pairs --count
expect_usage_error "$SP_USAGE" "'--count' needs a value"

run "train --epochs (no value)" "$BIN" train --epochs
expect_usage_error "$TR_USAGE" "'--epochs' needs a value"

# show_bad OPTION VALUE: show-pairs must refuse VALUE for OPTION, naming it.
# A wrongly accepted value would then fail on the empty data folder with
# exit 1, not 2, so the case still fails quickly.
show_bad() {
    run "show-pairs $1 $2" "$BIN" show-pairs --data "$EMPTY" --out "$T/never.png" "$1" "$2"
    expect_usage_error "$SP_USAGE" "$1: expected"
    expect_in err "'$2'"
}
show_bad --count abc
show_bad --count 0
show_bad --count -3
show_bad --count 1e3
show_bad --count 2.5
show_bad --count 99999999999999999999
show_bad --count 201
show_bad --count ""
show_bad --scale 0
show_bad --scale 17
show_bad --split valid
show_bad --split TEST
show_bad --seed -1
# strtoull skips leading blanks and then negates "-1" to 2^64-1; the '-'
# check must see past the blanks.
show_bad --seed " -1"
show_bad --seed 18446744073709551616
show_bad --seed 12x

run "show-pairs -n0 (short form)" "$BIN" show-pairs -n0
expect_usage_error "$SP_USAGE" "--count: expected"

run "show-pairs positional" "$BIN" show-pairs extra
expect_usage_error "$SP_USAGE" "unexpected argument 'extra'"

# Without --model no distance is drawn, so a threshold would be ignored:
# refused before any work (on real data, so accepting it would write the PNG).
run "show-pairs --threshold without --model" "$BIN" show-pairs --data "$DATA" \
    --threshold 0.3 --count 2 --out "$T/thr.png"
expect_usage_error "$SP_USAGE" "--threshold needs --model FILE"
[ ! -e "$T/thr.png" ] && ok || fail "wrote $T/thr.png"

# train_bad OPTION VALUE: as show_bad, for train (with outputs in $T and no
# data, so a wrongly accepted value cannot start a training run).
train_bad() {
    run "train $1 $2" "$BIN" train --data "$EMPTY" --model "$T/never.siam" "$1" "$2"
    expect_usage_error "$TR_USAGE" "$1: expected"
    expect_in err "'$2'"
}
train_bad --epochs 0
train_bad --epochs -1
train_bad --epochs x
train_bad --epochs 100001
train_bad --batch 0
train_bad --batch 65537
train_bad --lr nan
train_bad --lr -1
train_bad --lr 0
train_bad --lr inf
train_bad --lr 1e999
train_bad --lr 0.001x
train_bad --rho 1
train_bad --margin 0
train_bad --dropout 1
train_bad --dropout -0.1
train_bad --threads 0
train_bad --train-pairs 0
train_bad --seed -1
train_bad --threads 257
train_bad --layers 0
train_bad --layers 128,,128
train_bad --layers 99999
train_bad --layers 128,
train_bad --layers 1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17
train_bad --layers conv0
train_bad --layers 128,conv8
train_bad --layers pool2
train_bad --distance unknown
train_bad --kernels bogus
expect_in err "expected one of auto, avx512, avx2, generic, openblas"
train_bad --kernels AVX2
train_bad --kernels ""
train_bad --size 0x28
train_bad --size 28
train_bad --size 200x200
# A margin outside the head's range, and a margin for the head without one.
run "train cosine margin" "$BIN" train --data "$EMPTY" --model "$T/never.siam" --distance cosine --margin 2.5
expect_usage_error "$TR_USAGE" "--margin: expected above 0 and at most 2 for the cosine head"
run "train learned margin" "$BIN" train --data "$EMPTY" --model "$T/never.siam" --distance learned --margin 1
expect_usage_error "$TR_USAGE" "--margin: the learned head has no margin"
train_bad --rho nan
train_bad --margin 1e999
# Just past the documented limits; 0.99999999 is below 1 but is 1 as the
# float rho is stored in.
train_bad --dropout 0.991
train_bad --rho 0.99999999
train_bad --lr 10.001
train_bad --margin 1000.001

# train_ok OPTION VALUE: a documented limit is accepted as documented
# ("0 to 0.99" takes 0.99, although 0.99 is 0.99000001 as a float). The run
# then fails for another reason, its model folder is missing: exit 1, one
# line about that path, not a word about OPTION.
train_ok() {
    run "train $1 $2 accepted" "$BIN" train --data "$EMPTY" --model "$T/no-dir/m.siam" "$1" "$2"
    expect_runtime_error "$T/no-dir/m.siam"
    expect_not_in err "$1"
}
train_ok --dropout 0.99
train_ok --dropout 0
train_ok --rho 0
train_ok --rho 0.9999999
train_ok --lr 10
train_ok --margin 1000

# --size's one limit, 16384 inputs, counts --rgb's three channels (given
# before or after it): the message names the largest squares, 128x128 grey
# and 73x73 with --rgb, which pass (the run then fails on its model folder).
SIZE_LIMIT="--size: expected at most 16384 inputs (W x H grey, 3 x W x H with --rgb; the largest squares are 128x128 and 73x73 with --rgb), found"
mkdir -p "$T/rgbset/train" "$T/rgbset/test"
run "train --size 129x128" "$BIN" train --data "$EMPTY" --model "$T/never.siam" --size 129x128
expect_usage_error "$TR_USAGE" "$SIZE_LIMIT '129x128': 16512 inputs"
run "train --size 74x74 --rgb" "$BIN" train --data "$T/rgbset" --model "$T/never.siam" --size 74x74 --rgb
expect_usage_error "$TR_USAGE" "$SIZE_LIMIT '74x74' with --rgb: 16428 inputs"
run "train --rgb --size 128x128" "$BIN" train --data "$T/rgbset" --model "$T/never.siam" --rgb --size 128x128
expect_usage_error "$TR_USAGE" "$SIZE_LIMIT '128x128' with --rgb: 49152 inputs"
for a in "--size 128x128" "--size 73x73 --rgb"; do
    run "train $a accepted" "$BIN" train --data "$T/rgbset" --model "$T/no-dir/m.siam" $a
    expect_runtime_error "$T/no-dir/m.siam"
    expect_not_in err "--size"
done
# Images beyond the limit without --size: the hint names --size, and a
# size of their shape within it (exit 2, as --layers that do not fit).
mkdir "$T/photos"
for i in 1 2 3 4; do
    { printf 'P5\n200 150\n255\n'; head -c 30000 /dev/zero | tr '\0' "\\$((100 + i))"; } >"$T/photos/p$i.pgm"
done
run "train on 200 x 150 photos" "$BIN" train --data "$T/photos" --pairs augment --model "$T/never.siam"
expect_rc 2
expect_in err "$T/photos: images of 200 x 150 pixels are 30000 inputs, beyond the model's limit of 16384: pass --size WxH to resize them (e.g. --size 147x110 keeps their shape; the largest squares are 128x128 grey, 73x73 with --rgb)"
if [ -e "$T/never.siam" ]; then fail "a refused train wrote its model"; else ok; fi
run "train on 200 x 150 photos --size 147x110" "$BIN" train --data "$T/photos" --pairs augment \
    --model "$T/photos.siam" --size 147x110 --layers 2 --epochs 1 --quiet
expect_rc 0

# eval_bad / bench_bad OPTION VALUE: the same for eval and bench.
eval_bad() {
    run "eval $1 $2" "$BIN" eval --data "$EMPTY" --model "$T/never.siam" "$1" "$2"
    expect_usage_error "usage: siamese eval" "$1: expected"
    expect_in err "'$2'"
}
eval_bad --threshold abc
eval_bad --threshold 0
eval_bad --threshold -0.5
eval_bad --threshold nan
eval_bad --threshold inf
eval_bad --threshold 1e999
eval_bad --threshold 1000001
eval_bad --scale 0
eval_bad --scale 9
eval_bad --scale x
eval_bad --threads 0
eval_bad --threads -2
eval_bad --threads 99999999999999999999
eval_bad --kernels bogus
expect_in err "expected one of auto, avx512, avx2, generic, openblas"
eval_bad --kernels ""
bench_bad() {
    run "bench $1 $2" "$BIN" bench --data "$EMPTY" "$1" "$2"
    expect_usage_error "usage: siamese bench" "$1: expected"
    expect_in err "'$2'"
}
bench_bad --threads 0
bench_bad --threads -1
bench_bad --threads abc
bench_bad --threads 1e9
# The largest threshold is accepted (the missing model is what fails).
run "eval --threshold 1e6 accepted" "$BIN" eval --data "$EMPTY" --model "$T/no-dir/m.siam" \
    --threshold 1e6
expect_runtime_error "$T/no-dir/m.siam"
expect_not_in err "--threshold"
run "show-pairs --threshold 1e6 accepted" "$BIN" show-pairs --data "$EMPTY" \
    --model "$T/no-dir/m.siam" --threshold 1e6 --out "$T/never.png"
expect_runtime_error "$T/no-dir/m.siam"
expect_not_in err "--threshold"
run "eval positional" "$BIN" eval extra
expect_usage_error "usage: siamese eval" "unexpected argument 'extra'"
run "bench unknown option" "$BIN" bench --epochs 3
expect_usage_error "usage: siamese bench" "unknown option '--epochs'"

run "train positional" "$BIN" train --data "$EMPTY" --model "$T/never.siam" extra
expect_usage_error "$TR_USAGE" "unexpected argument 'extra'"

run "train --quiet --verbose" "$BIN" train --data "$EMPTY" --model "$T/never.siam" -q -v
expect_usage_error "$TR_USAGE" "cannot be used together"

[ ! -e "$T/never.siam" ] && [ ! -e "$T/never.png" ] && ok ||
    fail "a refused command wrote an output file"

# ---- runtime errors that need no data: exit 1, one line ----------------

run "train --resume, no model file" "$BIN" train --resume --model /nonexistent/m.siam
expect_runtime_error "/nonexistent/m.siam"

# The output folder is checked before the data are even looked for: with an
# empty data folder the message must still be about the model path.
run "train, model folder missing" "$BIN" train --model /nonexistent-dir/m.siam --epochs 1 \
    --data "$EMPTY"
expect_runtime_error "/nonexistent-dir/m.siam"
expect_not_in err "$EMPTY"

run "train, history folder missing" "$BIN" train --model "$T/m.siam" \
    --history /nonexistent-dir/h.csv --epochs 1 --data "$EMPTY"
expect_runtime_error "/nonexistent-dir/h.csv"
[ ! -e "$T/m.siam" ] && ok || fail "model file written although the run was refused"

# Bytes of a bad file and file names with control characters are shown
# escaped (\xNN): the error stays one line and cannot drive the terminal.
PNG_BYTES='\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x10\0\0\0\x10\x08\x02\0\0\0'
printf "$PNG_BYTES" >"$T/picture.png"
run "eval --model a PNG" "$BIN" eval --data "$EMPTY" --model "$T/picture.png"
expect_runtime_error "$T/picture.png" "not a siamese model file" '\x89PNG\x0d\x0a\x1a'
expect_printable
mkdir "$T/png-data" "$T/lt-data"
printf "$PNG_BYTES" >"$T/png-data/train-images-idx3-ubyte.gz"
run "a PNG as train-images" "$BIN" show-pairs --data "$T/png-data" --out "$T/never.png"
expect_runtime_error "$T/png-data/train-images-idx3-ubyte.gz" "not an IDX file"
expect_printable
# Starts like an HTML page ('<'), then a carriage return, a newline and
# an escape: the reader shows its first four bytes.
printf '<\r\n\033[2J' >"$T/lt-data/train-images-idx3-ubyte.gz"
run "'<' CR LF ESC as train-images" "$BIN" show-pairs --data "$T/lt-data" --out "$T/never.png"
expect_runtime_error "$T/lt-data/train-images-idx3-ubyte.gz" 'starts with "<\x0d\x0a\x1b"'
expect_printable
NL_DIR="$T/new"$'\n'"line"
run "--model path with a newline" "$BIN" train --data "$EMPTY" --model "$NL_DIR/m.siam"
expect_runtime_error "$T/new\x0aline/m.siam"
expect_printable
run "--data path with a newline and an escape" "$BIN" show-pairs --data "$NL_DIR"$'\033'
expect_runtime_error "$T/new\x0aline\x1b: " "(expected a data folder)"
expect_printable
# A path longer than a message holds keeps the reason after it whole.
LONG_DIR=$T/$(printf 'very-long-folder-name/%.0s' $(seq 60))
run "--model path of 1,300 characters" "$BIN" train --data "$EMPTY" --model "$LONG_DIR/m.siam"
expect_runtime_error "/m.siam: cannot create a file there: No such file or directory" "$T/very"
expect_printable

run "show-pairs --data empty dir" "$BIN" show-pairs --data "$EMPTY"
expect_runtime_error "$EMPTY/train-images-idx3-ubyte"

run "show-pairs --data /nonexistent-dir" "$BIN" show-pairs --data /nonexistent-dir
expect_runtime_error "/nonexistent-dir: " "(expected a data folder)"

run "SIAMESE_DATA empty dir" env SIAMESE_DATA="$EMPTY" "$BIN" show-pairs
expect_runtime_error "$EMPTY"

run "train, SIAMESE_DATA empty dir" env SIAMESE_DATA="$EMPTY" "$BIN" train \
    --model "$T/m.siam" --epochs 1
expect_runtime_error "$EMPTY/train-images-idx3-ubyte"

# ---- runtime errors with (damaged copies of) the real data -------------

if [ ! -f "$DATA/train-images-idx3-ubyte.gz" ]; then
    if [ -n "${CI:-}" ] && [ "${CI}" != false ]; then
        failed=$((failed + 1))
        echo "FAIL: Fashion-MNIST not found in $DATA (CI must have the dataset:" \
            "scripts/setup.sh installs dataset-fashion-mnist)"
    elif [ "$failed" -eq 0 ]; then
        echo "$passed passed, 0 failed; SKIP the rest: Fashion-MNIST not found in $DATA"
        exit 77
    fi
    echo "$passed passed, $failed failed"
    exit 1
fi

# html/: train-images is a web page saved under the right name.
mkdir "$T/html"
cp "$DATA/train-labels-idx1-ubyte.gz" "$DATA/t10k-images-idx3-ubyte.gz" \
    "$DATA/t10k-labels-idx1-ubyte.gz" "$T/html/"
printf '<!DOCTYPE html>\n<html><head><title>404 Not Found</title></head></html>\n' \
    >"$T/html/train-images-idx3-ubyte.gz"
run "HTML instead of train-images" "$BIN" show-pairs --data "$T/html" --out "$T/never.png"
expect_runtime_error "$T/html/train-images-idx3-ubyte.gz" "not an IDX"

# cut/: train-images cut off after 100 kB, like an interrupted download.
mkdir "$T/cut"
cp "$T/html/"t10k-* "$T/html/train-labels-idx1-ubyte.gz" "$T/cut/"
head -c 100000 "$DATA/train-images-idx3-ubyte.gz" >"$T/cut/train-images-idx3-ubyte.gz"
run "truncated train-images" "$BIN" show-pairs --data "$T/cut" --out "$T/never.png"
expect_runtime_error "$T/cut/train-images-idx3-ubyte.gz"

run "train on truncated data" "$BIN" train --data "$T/cut" --model "$T/m.siam" --epochs 1
expect_runtime_error "$T/cut/train-images-idx3-ubyte.gz"
[ ! -e "$T/m.siam" ] && ok || fail "model file written although the data were bad"

# labels/: the test labels swapped for the test images (wrong magic).
mkdir "$T/swap"
cp "$DATA/train-labels-idx1-ubyte.gz" "$DATA/t10k-images-idx3-ubyte.gz" "$T/swap/"
ln -s "$DATA/train-images-idx3-ubyte.gz" "$T/swap/train-images-idx3-ubyte.gz"
cp "$DATA/t10k-images-idx3-ubyte.gz" "$T/swap/t10k-labels-idx1-ubyte.gz"
run "images file as labels" "$BIN" show-pairs --data "$T/swap" --out "$T/never.png"
expect_runtime_error "$T/swap/t10k-labels-idx1-ubyte.gz" "wrong IDX magic"

[ ! -e "$T/never.png" ] && ok || fail "a picture was written from bad data"

run "show-pairs --out in a missing folder" "$BIN" show-pairs --data "$DATA" \
    --out /nonexistent-dir/x.png --count 2
expect_runtime_error "/nonexistent-dir/x.png"

# And the happy path once, so that the errors above are not all there is.
run "show-pairs writes a PNG" "$BIN" show-pairs --data "$DATA" --out "$T/ok.png" --count 3
expect_rc 0
expect_in out "wrote $T/ok.png: 3 train pairs"
if [ "$(head -c 8 "$T/ok.png" 2>/dev/null | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ]; then
    ok
else
    fail "$T/ok.png is not a PNG"
fi
[ "$(grep -c . <<<"$OUT")" -eq 6 ] && ok || fail "expected 6 lines (2 + header + 3 rows)"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] || exit 1
exit 0
