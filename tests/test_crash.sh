#!/usr/bin/env bash
# test_crash.sh - a training run never loses its model:
#  - SIGKILL at random moments, several of them while the model file is
#    being written: the model file always loads, and --resume then finishes
#    with a file byte-identical to an uninterrupted run;
#  - Ctrl-C: the first SIGINT finishes the step, saves mid-epoch and exits
#    130 with a line saying how to resume (and resuming gives the same bits
#    as never stopping); a second SIGINT stops at once, model file untouched;
#  - write failures (folder not writable, file-size limit mid-write): one
#    clear error, exit 1, the previous model intact, no temporary file left;
#  - a loss that becomes infinite stops training with epoch and step named.
# usage: test_crash.sh SIAMESE_BINARY
set -u
bin=$1
. "$(dirname "$0")/testlib.sh"
loads() { "$bin" train --resume --epochs 1 --data "$data" --model "$1" >/dev/null 2>&1; }

run=(--train-pairs 3000 --threads 1 --seed 11 --data "$data")
"$bin" train "${run[@]}" --epochs 4 --model "$tmp/straight.siam" --quiet
check '[ -s "$tmp/straight.siam" ]' "reference run wrote no model"

# --- SIGKILL at random moments, aimed at the model write too -------------
m="$tmp/killed.siam"
hits=0
for i in $(seq 1 8); do
  if [ -f "$m" ]; then args=(--resume); else args=("${run[@]}"); fi
  SIAMESE_TEST_WRITE_DELAY_MS=150 "$bin" train "${args[@]}" --threads 1 --data "$data" \
    --epochs 4 --model "$m" --quiet >/dev/null 2>&1 &
  pid=$!
  if [ $((i % 2)) -eq 1 ]; then
    # Aim: wait until the model write has begun (its temporary file exists;
    # up to 30 s: the first write comes after loading and a whole epoch,
    # slow under the sanitizers on a busy machine).
    for _ in $(seq 3000); do ls "$tmp" | grep -q 'killed.siam.tmp' && break; sleep 0.01; done
  else
    sleep "0.$((RANDOM % 7 + 2))"
  fi
  ls "$tmp" | grep -q 'killed.siam.tmp' && hits=$((hits + 1))
  kill -9 "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
  rm -f "$tmp"/killed.siam.tmp*
  if [ -f "$m" ]; then
    check 'loads "$m"' "after SIGKILL $i the model file does not load"
  fi
done
echo "kills that landed while a model file was being written: $hits of 8"
check '[ "$hits" -ge 3 ]' "only $hits kills landed during a model write (the test aims 4 at it)"
if [ -f "$m" ]; then args=(--resume); else args=("${run[@]}"); fi
"$bin" train "${args[@]}" --threads 1 --data "$data" --epochs 4 --model "$m" --quiet
check 'cmp -s "$tmp/straight.siam" "$m"' "resumed after kills: not byte-identical to a straight run"

# --- Ctrl-C once: finish the step, save mid-epoch, exit 130 ----------------
m="$tmp/int.siam"
"$bin" train "${run[@]}" --epochs 4 --model "$m" --train-pairs 30000 >"$tmp/int.out" \
  2>"$tmp/int.err" &
pid=$!
for _ in $(seq 100); do grep -q '^Epoch 1/4' "$tmp/int.out" && break; sleep 0.05; done
sleep 0.1
kill -INT "$pid"
wait "$pid"; rc=$?
check '[ $rc -eq 130 ]' "first SIGINT: exit $rc, want 130 ($(cat "$tmp/int.err"))"
hint=$(sed -n 's/.*Continue with: siamese //p' "$tmp/int.err")
# Neither --threads (the file does not depend on it) nor --kernels (this
# run's are the exact ones, which --resume keeps by default).
check '[[ "$hint" == "train --resume --model $m --epochs 4 --data $data" ]]' \
  "resume hint: '$hint' ($(cat "$tmp/int.err"))"
check 'loads "$m"' "the model saved on SIGINT does not load"
"$bin" train "${run[@]}" --epochs 4 --model "$tmp/int-straight.siam" --train-pairs 30000 --quiet
# The hint, run as printed, continues the run exactly.
# shellcheck disable=SC2086
"$bin" $hint --quiet
check 'cmp -s "$tmp/int-straight.siam" "$m"' "resumed after Ctrl-C: not byte-identical to a straight run"

# --- Ctrl-C twice: stop at once, model file untouched ----------------------
# The first SIGINT starts the save, which the test hook holds for 3 s
# before the rename; the second arrives meanwhile.
m="$tmp/twice.siam"
cp "$tmp/straight.siam" "$m"
SIAMESE_TEST_WRITE_DELAY_MS=3000 "$bin" train "${run[@]}" --epochs 4 --model "$m" \
  --train-pairs 30000 >"$tmp/twice.out" 2>"$tmp/twice.err" &
pid=$!
for _ in $(seq 100); do grep -q '^Train on' "$tmp/twice.out" && break; sleep 0.05; done
kill -INT "$pid"
sleep 0.5
kill -INT "$pid"
wait "$pid"; rc=$?
check '[ $rc -eq 130 ]' "second SIGINT: exit $rc, want 130"
check 'cmp -s "$tmp/straight.siam" "$m"' "second SIGINT touched the model file"
check 'grep -q "interrupted again" "$tmp/twice.err"' "no message on the second SIGINT"
check '[ -z "$(ls "$tmp" | grep "twice.siam.tmp")" ]' "the second SIGINT left the temporary file"

# --- write failures ----------------------------------------------------------
# A folder where no file can be created: a read-only one, or /sys for root
# (whom permissions do not stop). The error comes before any training.
ro="$tmp/ro"
mkdir "$ro"
chmod 500 "$ro"
target="$ro/m.siam"
[ "$(id -u)" -eq 0 ] && target=/sys/siamese-test.siam
out=$("$bin" train "${run[@]}" --epochs 1 --model "$target" 2>&1); rc=$?
check '[ $rc -eq 1 ] && [[ "$out" == *"$target: cannot create a file there"* ]]' \
  "unwritable folder: rc $rc, $out"
check '[[ "$out" != *"Train on"* ]]' "unwritable folder: training started anyway"
chmod 700 "$ro"
# A file-size limit below the model's size: the write fails midway.
m="$tmp/limit.siam"
cp "$tmp/straight.siam" "$m"
out=$( (ulimit -f 500; "$bin" train "${run[@]}" --epochs 5 --model "$m") 2>&1); rc=$?
check '[ $rc -eq 1 ]' "file-size limit: exit $rc, want 1 ($out)"
check '[[ "$out" == *"write failed"* ]] && [[ "$out" == *"$m"* ]]' "file-size limit: message '$out'"
check 'cmp -s "$tmp/straight.siam" "$m"' "file-size limit: the previous model changed"
check '[ -z "$(ls "$tmp" | grep "limit.siam.tmp")" ]' "file-size limit: temporary file left behind"

# --- a loss that blows up ----------------------------------------------------
# Weights of 1e30 (finite, so the file is accepted) overflow the distance:
# patch the first 1024 kernel weights of a good model and fix its CRC-32
# (gzip's trailer holds the CRC-32 of its input).
m="$tmp/huge.siam"
size=$(stat -c %s "$tmp/straight.siam")
body=$((282 + 8 * 4)) # header and class table (docs/model-format.md), 4 epochs
{
  head -c "$body" "$tmp/straight.siam"
  for _ in $(seq 1024); do printf '\xca\xf2\x49\x71'; done
  tail -c +$((body + 4096 + 1)) "$tmp/straight.siam" | head -c $((size - body - 4096 - 4))
} >"$tmp/huge.body"
{ cat "$tmp/huge.body"; gzip -c "$tmp/huge.body" | tail -c 8 | head -c 4; } >"$m"
cp "$m" "$tmp/huge.orig"
out=$("$bin" train --resume --epochs 5 --threads 1 --data "$data" --model "$m" 2>&1); rc=$?
check '[ $rc -eq 1 ] && [[ "$out" =~ "the loss became "(NaN|infinite)" at epoch 5, step 1 of" ]]' \
  "exploding loss: rc $rc, $out"
check '[[ "$out" == *"keeps the last good model (epoch 4)"* ]] && cmp -s "$m" "$tmp/huge.orig"' \
  "exploding loss: the last good model was not kept: $out"

finish
