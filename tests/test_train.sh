#!/usr/bin/env bash
# test_train.sh - `siamese train` end to end: Keras-style output, the
# history CSV, determinism for a fixed seed and thread count, --resume
# giving a file byte-identical to an uninterrupted run, and one epoch on the
# full data landing in the notebook's band.
# usage: test_train.sh SIAMESE_BINARY
set -u
bin=$1
. "$(dirname "$0")/testlib.sh"

small=(--train-pairs 2000 --threads 1 --seed 7 --data "$data")

# Two identical runs give identical files; the output is Keras-like.
"$bin" train "${small[@]}" --epochs 3 --model "$tmp/a.siam" --history "$tmp/a.csv" \
  >"$tmp/a.out" 2>"$tmp/a.err"
check '[ $? -eq 0 ]' "train run a failed: $(cat "$tmp/a.err")"
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

# Two worker threads split each batch: still the same bits run to run.
for r in 1 2; do
  "$bin" train --train-pairs 2000 --threads 2 --seed 7 --data "$data" --epochs 2 \
    --model "$tmp/t2-$r.siam" --quiet
done
check 'cmp -s "$tmp/t2-1.siam" "$tmp/t2-2.siam"' "two threads: same seed gave different model files"

# More threads than this machine has cores (the pool then sleeps instead
# of spinning, see test_pool): the run completes and is still
# deterministic.
for r in 1 2; do
  "$bin" train --train-pairs 2000 --threads 16 --seed 7 --data "$data" --epochs 1 \
    --model "$tmp/t16-$r.siam" --quiet >"$tmp/t16-$r.out" 2>&1
  check '[ $? -eq 0 ]' "16 threads, run $r failed: $(cat "$tmp/t16-$r.out")"
done
check 'cmp -s "$tmp/t16-1.siam" "$tmp/t16-2.siam"' "16 threads: same seed gave different model files"

# Another seed gives another model.
"$bin" train --train-pairs 2000 --threads 1 --seed 8 --data "$data" --epochs 1 \
  --model "$tmp/c.siam" --quiet >"$tmp/c.out" 2>&1
check '! cmp -s "$tmp/a.siam" "$tmp/c.siam"' "a different seed gave the same model"
check '[ ! -s "$tmp/c.out" ]' "--quiet printed: $(cat "$tmp/c.out")"

# Resume: 3 epochs + resume to 5 == 5 epochs straight, byte for byte.
"$bin" train "${small[@]}" --epochs 5 --model "$tmp/straight.siam" --quiet
cp "$tmp/a.siam" "$tmp/resumed.siam"
"$bin" train --resume --epochs 5 --threads 1 --data "$data" --model "$tmp/resumed.siam" \
  >"$tmp/r.out" 2>&1
check '[ $? -eq 0 ]' "resume failed: $(cat "$tmp/r.out")"
check 'cmp -s "$tmp/straight.siam" "$tmp/resumed.siam"' "resume is not byte-identical to a straight run"
check 'grep -q "^Epoch 4/5" "$tmp/r.out" && ! grep -q "^Epoch 3/5" "$tmp/r.out"' \
  "resume did not continue at epoch 4: $(cat "$tmp/r.out")"
# --resume reuses the file's thread count (results depend on it); another
# count given by hand is taken, with a note that the run now differs.
cp "$tmp/a.siam" "$tmp/t1.siam"
"$bin" train --resume --epochs 5 --data "$data" --model "$tmp/t1.siam" --quiet
check 'cmp -s "$tmp/straight.siam" "$tmp/t1.siam"' "--resume without --threads did not reuse the file's 1 thread"
cp "$tmp/a.siam" "$tmp/t2.siam"
out=$("$bin" train --resume --epochs 4 --threads 2 --data "$data" --model "$tmp/t2.siam" 2>&1 >/dev/null)
check '[[ "$out" == *"trained with 1 threads; with 2 the rest of the run will differ"* ]]' \
  "no note for a changed thread count: $out"

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
check '[ $? -eq 0 ]' "full epoch failed: $(cat "$tmp/full.out")"
check 'grep -qx "Train on 119980 pairs, validate on 19980 pairs" "$tmp/full.out"' "full pair counts"
check 'awk -F, "NR==2 {exit !(\$2 >= 0.10 && \$2 <= 0.125 && \$3 < 0.095)}" "$tmp/full.csv"' \
  "first epoch out of band: $(cat "$tmp/full.csv")"
cat "$tmp/full.out"

finish
