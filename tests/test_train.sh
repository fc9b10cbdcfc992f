#!/usr/bin/env bash
# test_train.sh - `siamese train` end to end: Keras-style output, the
# history CSV, determinism for a fixed seed; the model file byte-identical
# for any --threads, every exact --kernels path this CPU runs (avx512,
# avx2, generic) and any OPENBLAS_CORETYPE; the kernels field of the file
# (0 exact, 1 openblas) and --resume keeping it; --resume giving a file
# byte-identical to an uninterrupted run, whatever its --threads; and one
# epoch on the full data landing in the notebook's band.
# usage: test_train.sh SIAMESE_BINARY
set -u
bin=$1
. "$(dirname "$0")/testlib.sh"

small=(--train-pairs 2000 --threads 1 --seed 7 --data "$data")

# Two identical runs give identical files; the output is Keras-like.
"$bin" train "${small[@]}" --epochs 3 --model "$tmp/a.siam" --history "$tmp/a.csv" \
  >"$tmp/a.out" 2>"$tmp/a.err"
rc=$?
check '[ $rc -eq 0 ]' "train run a failed: $(cat "$tmp/a.err")"
"$bin" train "${small[@]}" --epochs 3 --model "$tmp/b.siam" >"$tmp/b.out" 2>&1
check 'cmp -s "$tmp/a.siam" "$tmp/b.siam"' "same seed and threads gave different model files"
check 'grep -qx "Train on 2000 pairs, validate on 19980 pairs" "$tmp/a.out"' \
  "missing 'Train on ... pairs' line: $(head -1 "$tmp/a.out")"
check '[ $(grep -cE "^Epoch [1-3]/3  16/16  [0-9.]+s  loss: 0\.[0-9]{4} - val_loss: 0\.[0-9]{4}$" "$tmp/a.out") -eq 3 ]' \
  "epoch lines not in Keras form: $(cat "$tmp/a.out")"
check '[ "$(head -1 "$tmp/a.csv")" = "epoch,loss,val_loss,seconds" ] && [ $(wc -l < "$tmp/a.csv") -eq 4 ]' \
  "history CSV malformed: $(cat "$tmp/a.csv")"
# The CSV's losses are the ones printed.
l3=$(sed -n 's/^Epoch 3\/3.*loss: \(0\.[0-9]*\) - .*/\1/p' "$tmp/a.out")
c3=$(awk -F, '$1==3 {printf "%.4f", $2}' "$tmp/a.csv")
check '[ -n "$l3" ] && [ "$l3" = "$c3" ]' "CSV loss $c3 differs from printed $l3"
# Loss goes down over the epochs on the same pairs.
check 'awk -F, "NR==2{a=\$2} NR==4{b=\$2} END{exit !(b < a)}" "$tmp/a.csv"' "loss did not decrease"

# --- the model file does not depend on the machine or the thread count ---
# The trainer splits each step by outputs and the exact kernels compute
# every element in one fixed order (train.h, gemm.h): the same file for any
# --threads, any exact path, any OPENBLAS_CORETYPE. inv_run NAME [ENV...
# --] ARGS...: trains the reference setting with ARGS into
# $tmp/inv-NAME.siam (stdout and stderr in $tmp/inv-NAME.out, status in
# $rc), through ENV (an env(1) command) when given.
inv=(--train-pairs 2000 --seed 7 --data "$data" --epochs 2 --quiet)
inv_run() {
  local name=$1 pre=()
  shift
  if [ "${1:-}" = env ]; then
    while [ "$1" != -- ]; do pre+=("$1"); shift; done
    shift
  fi
  ${pre[@]+"${pre[@]}"} "$bin" train "${inv[@]}" "$@" --model "$tmp/inv-$name.siam" \
    >"$tmp/inv-$name.out" 2>&1
  rc=$?
}
# same_as_ref NAME WHAT: the run NAME succeeded and wrote the reference's bytes.
same_as_ref() {
  local name=$1 # (check evals its condition in its own scope: no $1 there)
  check '[ $rc -eq 0 ] && cmp -s "$tmp/inv-ref.siam" "$tmp/inv-$name.siam"' \
    "$2: exit $rc, model file differs from --threads 1's: $(cmp "$tmp/inv-ref.siam" "$tmp/inv-$name.siam" 2>&1 | head -1) $(head -c 400 "$tmp/inv-$name.out")"
}
# kernels_field FILE: the u32 at offset 96 (docs/model-format.md).
kernels_field() { od -An -tu4 -j 96 -N 4 "$1" | tr -d ' '; }

inv_run ref --threads 1
check '[ $rc -eq 0 ] && [ -s "$tmp/inv-ref.siam" ]' "reference run failed: $(cat "$tmp/inv-ref.out")"
check '[ "$(kernels_field "$tmp/inv-ref.siam")" = 0 ]' \
  "the default kernels should be recorded as 0 (exact), byte 96 is $(kernels_field "$tmp/inv-ref.siam")"
for t in 2 3; do
  inv_run "t$t" --threads "$t"
  same_as_ref "t$t" "--threads $t"
done
# More threads than this machine has cores (the pool then sleeps instead of
# spinning, see test_pool): the run completes, with the same bits.
inv_run t16 --threads 16
same_as_ref t16 "--threads 16"

# Every exact path this CPU runs; a path it lacks is refused (exit 1, the
# missing feature named) and skipped with a message, never silently.
for p in avx512 avx2 generic; do
  inv_run "$p" --threads 2 --kernels "$p"
  case $p in avx512) need="AVX-512F" what="AVX-512" ;; avx2) need="AVX2 and FMA3" what="AVX2" ;; *) need= ;; esac
  if [ -n "$need" ] && [ $rc -eq 1 ] && grep -qF -- "--kernels $p: this CPU does not have $need" "$tmp/inv-$p.out"; then
    check '[ ! -e "$tmp/inv-$p.siam" ] && [ "$(wc -l <"$tmp/inv-$p.out")" -eq 1 ]' \
      "--kernels $p on a CPU without it: one line and no model file expected: $(cat "$tmp/inv-$p.out")"
    echo "SKIP: no $what on this CPU: $p path not compared"
    continue
  fi
  same_as_ref "$p" "--kernels $p"
  check '[ "$(kernels_field "$tmp/inv-$p.siam")" = 0 ]' \
    "--kernels $p should record kernels 0 (exact), byte 96 is $(kernels_field "$tmp/inv-$p.siam")"
done
# OpenBLAS's kernel choice plays no part (the tool may re-exec itself with
# OPENBLAS_CORETYPE set when OpenBLAS picked generic kernels: still the
# same bits).
inv_run coreunset env -u OPENBLAS_CORETYPE -- --threads 2
same_as_ref coreunset "OPENBLAS_CORETYPE unset"
inv_run haswell env OPENBLAS_CORETYPE=Haswell -- --threads 2
same_as_ref haswell "OPENBLAS_CORETYPE=Haswell"

# --kernels openblas is recorded as 1, and --resume keeps it: one epoch
# then a resume without --kernels gives the two-epoch openblas run's bytes
# (the same thread count: OpenBLAS's rounding depends on it).
inv_run ob --threads 2 --kernels openblas
check '[ $rc -eq 0 ] && [ "$(kernels_field "$tmp/inv-ob.siam")" = 1 ]' \
  "--kernels openblas should record kernels 1, byte 96 is $(kernels_field "$tmp/inv-ob.siam") (exit $rc: $(cat "$tmp/inv-ob.out"))"
"$bin" train --train-pairs 2000 --seed 7 --data "$data" --epochs 1 --quiet --threads 2 \
  --kernels openblas --model "$tmp/ob-resumed.siam"
out=$("$bin" train --resume --epochs 2 --threads 2 --data "$data" --model "$tmp/ob-resumed.siam" 2>&1)
rc=$?
check '[ $rc -eq 0 ] && cmp -s "$tmp/inv-ob.siam" "$tmp/ob-resumed.siam"' \
  "an openblas model resumed without --kernels should go on with openblas (exit $rc: $out): $(cmp "$tmp/inv-ob.siam" "$tmp/ob-resumed.siam" 2>&1)"
check '[[ "$out" != *"note:"* ]]' "a resume that keeps the file's kernels printed a note: $out"

# Another seed gives another model.
"$bin" train --train-pairs 2000 --threads 1 --seed 8 --data "$data" --epochs 1 \
  --model "$tmp/c.siam" --quiet >"$tmp/c.out" 2>&1
check '! cmp -s "$tmp/a.siam" "$tmp/c.siam"' "a different seed gave the same model"
check '[ ! -s "$tmp/c.out" ]' "--quiet printed: $(cat "$tmp/c.out")"

# Resume: 3 epochs + resume to 5 == 5 epochs straight, byte for byte,
# whatever the thread count of the resume.
"$bin" train "${small[@]}" --epochs 5 --model "$tmp/straight.siam" --quiet
cp "$tmp/a.siam" "$tmp/resumed.siam"
"$bin" train --resume --epochs 5 --threads 1 --data "$data" --model "$tmp/resumed.siam" \
  >"$tmp/r.out" 2>&1
rc=$?
check '[ $rc -eq 0 ]' "resume failed: $(cat "$tmp/r.out")"
check 'cmp -s "$tmp/straight.siam" "$tmp/resumed.siam"' "resume is not byte-identical to a straight run"
check 'grep -q "^Epoch 4/5" "$tmp/r.out" && ! grep -q "^Epoch 3/5" "$tmp/r.out"' \
  "resume did not continue at epoch 4: $(cat "$tmp/r.out")"
check '[[ "$(cat "$tmp/r.out")" != *"note:"* ]]' "resume printed a note: $(cat "$tmp/r.out")"
for t in 2 3; do
  cp "$tmp/a.siam" "$tmp/rt$t.siam"
  out=$("$bin" train --resume --epochs 5 --threads "$t" --data "$data" --model "$tmp/rt$t.siam" 2>&1 >/dev/null)
  rc=$?
  check '[ $rc -eq 0 ] && cmp -s "$tmp/straight.siam" "$tmp/rt$t.siam"' \
    "resumed with --threads $t (trained with 1): exit $rc, not byte-identical to the straight run: $out"
  # (nothing on stderr but, past this machine's cores, the note any train prints)
  check '[ -z "$(printf "%s" "$out" | grep -v "^siamese train: note: $t threads on [0-9]* cores: ")" ]' \
    "resume with --threads $t (trained with 1): a note about it: $out"
done
# Without --threads (all cores) too.
cp "$tmp/a.siam" "$tmp/rtall.siam"
"$bin" train --resume --epochs 5 --data "$data" --model "$tmp/rtall.siam" --quiet
check 'cmp -s "$tmp/straight.siam" "$tmp/rtall.siam"' "--resume without --threads: not byte-identical to the straight run"
# Another kind of kernels on resume is taken, with a note that the run now
# differs; another exact path is no other kind (no note).
cp "$tmp/a.siam" "$tmp/rk.siam"
out=$("$bin" train --resume --epochs 4 --threads 1 --kernels openblas --data "$data" --model "$tmp/rk.siam" 2>&1 >/dev/null)
check '[[ "$out" == *"note: $tmp/rk.siam was trained with the exact kernels; with --kernels openblas the rest of the run will differ from an uninterrupted one"* ]]' \
  "no note for --kernels openblas on an exact model: $out"
check '[ "$(kernels_field "$tmp/rk.siam")" = 1 ]' \
  "a model resumed with --kernels openblas should record kernels 1: $(kernels_field "$tmp/rk.siam")"
out=$("$bin" train --resume --epochs 5 --threads 1 --kernels generic --data "$data" --model "$tmp/rk.siam" 2>&1 >/dev/null)
check '[[ "$out" == *"note: $tmp/rk.siam was trained with OpenBLAS kernels; with --kernels generic the rest of the run will differ"* ]] && [ "$(kernels_field "$tmp/rk.siam")" = 0 ]' \
  "no note for --kernels generic on an openblas model, or kernels not back to 0 ($(kernels_field "$tmp/rk.siam")): $out"
cp "$tmp/a.siam" "$tmp/rg.siam"
out=$("$bin" train --resume --epochs 5 --threads 2 --kernels generic --data "$data" --model "$tmp/rg.siam" 2>&1 >/dev/null)
check '[ -z "$out" ] && cmp -s "$tmp/straight.siam" "$tmp/rg.siam"' \
  "an exact model resumed with --kernels generic: a note, or not the straight run's bytes: $out"

# Nothing left to do; conflicting settings are refused.
out=$("$bin" train --resume --epochs 5 --data "$data" --model "$tmp/resumed.siam" 2>&1); rc=$?
check '[ $rc -eq 0 ] && [[ "$out" == *"nothing to do"* ]]' "resume at the end: rc $rc, $out"
out=$("$bin" train --resume --epochs 6 --lr 0.01 --data "$data" --model "$tmp/resumed.siam" 2>&1); rc=$?
check '[ $rc -eq 2 ] && [[ "$out" == *"--lr 0.01 differs"* ]]' "conflicting --lr on resume: rc $rc, $out"

# On a terminal (script(1) gives it one) a live bar is redrawn in place on
# stderr, with steps, a bar, elapsed < remaining time and the running loss;
# it is erased before the epoch line. The terminal is set here, not
# inherited: TERM=xterm, 100 columns (a pty made without a terminal around
# it has no size), no COLUMNS. tty_run NAME TERM SETUP: one epoch under
# script(1) into $tmp/NAME.out; SETUP runs first inside the pty (stty ...).
tty_run() {
  env -u COLUMNS TERM="$2" script -qec "$3; $bin train --train-pairs 20000 --threads 1 \
    --seed 7 --data $data --epochs 1 --model $tmp/$1.siam" /dev/null >"$tmp/$1.out" 2>&1
}
if command -v script >/dev/null; then
  tty_run tty xterm "stty cols 100"
  check 'grep -qaE $'"'"'\rEpoch 1/1  [0-9]+/157 \[=+>?\.*\]  0:[0-9]{2} < 0:[0-9]{2}  loss: [0-9.]+'"'"' "$tmp/tty.out"' \
    "no live progress bar on a terminal: $(head -c 300 "$tmp/tty.out" | od -c | head -5)"
  check '[ "$(grep -c $'"'"'\r'"'"' "$tmp/tty.out")" -ge 1 ] && grep -qa "^Epoch 1/1  157/157" <(tr "\r" "\n" < "$tmp/tty.out")' \
    "the epoch line does not follow the bar"

  # TERM=dumb (and unset, and empty) cannot redraw: plain lines only, no
  # carriage return, no escape. -onlcr: the pty adds no \r of its own.
  for term in dumb "" unset; do
    if [ "$term" = unset ]; then
      env -u TERM -u COLUMNS script -qec "stty -onlcr; $bin train --train-pairs 20000 \
        --threads 1 --seed 7 --data $data --epochs 1 --model $tmp/dumb.siam" /dev/null \
        >"$tmp/dumb.out" 2>&1
    else
      tty_run dumb "$term" "stty -onlcr"
    fi
    check '! grep -qa $'"'"'\033'"'"' "$tmp/dumb.out" && ! grep -qa $'"'"'\r'"'"' "$tmp/dumb.out"' \
      "TERM='$term': escapes or carriage returns: $(head -c 200 "$tmp/dumb.out" | od -c | head -4)"
    check 'grep -qx "Epoch 1/1  157/157  [0-9.]*s  loss: [0-9.]* - val_loss: [0-9.]*" "$tmp/dumb.out"' \
      "TERM='$term': no epoch line: $(head -c 300 "$tmp/dumb.out")"
  done

  # A narrow terminal: every redraw fits its 40 columns (no wrapping),
  # with fewer parts (the bar, then the times go first).
  tty_run narrow xterm "stty cols 40"
  redraws=$(tr '\r' '\n' <"$tmp/narrow.out" | sed 's/\x1b\[K//g' | grep -a '^Epoch 1/1  [0-9]*/157' |
    grep -av 'val_loss')
  check '[ -n "$redraws" ]' "no progress redraw at 40 columns: $(head -c 300 "$tmp/narrow.out" | od -c | head -4)"
  check '[ "$(awk "length > 40" <<<"$redraws" | wc -l)" -eq 0 ]' \
    "redraw lines wider than 40 columns: $(awk "length > 40" <<<"$redraws" | head -2)"
else
  bad "script(1) is missing: cannot test the terminal progress bar"
fi

# One epoch on the full data: the notebook's first epoch prints about
# loss 0.111, val_loss 0.086.
"$bin" train --epochs 1 --threads 2 --data "$data" --model "$tmp/full.siam" --history "$tmp/full.csv" \
  >"$tmp/full.out" 2>&1
rc=$?
check '[ $rc -eq 0 ]' "full epoch failed: $(cat "$tmp/full.out")"
check 'grep -qx "Train on 119980 pairs, validate on 19980 pairs" "$tmp/full.out"' "full pair counts"
check 'awk -F, "NR==2 {exit !(\$2 >= 0.10 && \$2 <= 0.125 && \$3 < 0.095)}" "$tmp/full.csv"' \
  "first epoch out of band: $(cat "$tmp/full.csv")"
cat "$tmp/full.out"

finish
