#!/usr/bin/env bash
# test_resume.sh - what a resumed or re-evaluated run must respect:
#  - --resume without --epochs finishes the target stored in the file
#    (byte-identical to a straight run), from the middle of an epoch and
#    with another --threads than the interrupted run's (the file does not
#    depend on it);
#  - seeds are compared as 64-bit integers and printed exactly;
#  - --resume on other data (a different fingerprint) is refused; eval on
#    other data works and says so;
#  - the resume hint is shell-quoted (a model path with a space and a quote
#    runs as printed); it names --kernels openblas for an openblas run
#    only, and that run resumed as printed gives the straight run's bytes;
#  - a network killed by too large a step is reported;
#  - eval --json stays valid UTF-8 whatever the model path's bytes, and
#    gives the count beside joined_most_with;
#  - show-pairs --model --seed chooses among the model's pairs.
# usage: test_resume.sh SIAMESE_BINARY
set -u
bin=$1
. "$(dirname "$0")/testlib.sh"
small=(--train-pairs 3000 --threads 1 --seed 5 --data "$data")

# --- --resume without --epochs: the file's target -------------------------
# The run (1 thread) is stopped inside an epoch (the second, unless the
# first outlasts the wait, as under the sanitizers on a busy machine) and
# resumed with 2 threads: the same bytes as the straight 1-thread run (this
# used to differ).
"$bin" train "${small[@]}" --epochs 3 --model "$tmp/straight.siam" --quiet
m="$tmp/partial.siam"
"$bin" train "${small[@]}" --epochs 3 --model "$m" --train-pairs 30000 >"$tmp/p.out" 2>&1 &
pid=$!
# (up to 2 minutes: a sanitizer build on a loaded machine is slow)
for _ in $(seq 2400); do grep -q '^Epoch 1/3' "$tmp/p.out" && break; sleep 0.05; done
kill -INT "$pid"
wait "$pid"; rc=$?
check '[ $rc -eq 130 ] && grep -qE "interrupted at epoch [12], step [1-9][0-9]* of 235; saved" "$tmp/p.out"' \
  "the run should stop inside an epoch: rc $rc: $(cat "$tmp/p.out")"
hint=$(sed -n 's/.*Continue with: siamese //p' "$tmp/p.out")
check '[[ "$hint" == "train --resume --model $m --epochs 3 --data $data" ]]' \
  "resume hint of an exact-kernels run: '$hint' (no --threads, no --kernels expected)"
"$bin" train "${small[@]}" --epochs 3 --model "$tmp/straight30k.siam" --train-pairs 30000 --quiet
out=$("$bin" train --resume --threads 2 --data "$data" --model "$m" 2>&1); rc=$?
check '[ $rc -eq 0 ] && [[ "$out" == *"Epoch 3/3"* ]]' "resume without --epochs: rc $rc: $out"
check '[[ "$out" != *"note:"* ]]' "resume with another --threads printed a note: $out"
check 'cmp -s "$m" "$tmp/straight30k.siam"' \
  "resumed mid-epoch with --threads 2 (stopped with 1), the file's 3 epochs are not byte-identical to the straight run"
out=$("$bin" train --resume --data "$data" --model "$m" 2>&1); rc=$?
check '[ $rc -eq 0 ] && [[ "$out" == *"already holds 3 epochs (its run'"'"'s target is 3): nothing to do"* ]]' \
  "resume of a finished run: rc $rc: $out"

# --- 64-bit seeds ------------------------------------------------------------
big="$tmp/big.siam"
"$bin" train --train-pairs 300 --threads 1 --data "$data" --epochs 1 --seed 9007199254740992 \
  --model "$big" --quiet
out=$("$bin" train --resume --epochs 2 --seed 9007199254740993 --data "$data" --model "$big" 2>&1)
rc=$?
check '[ $rc -eq 2 ] && [[ "$out" == *"--seed 9007199254740993 differs from $big'"'"'s 9007199254740992"* ]]' \
  "seed 2^53+1 against 2^53: rc $rc: $out"

# --- other data ----------------------------------------------------------------
other="$tmp/other"
mkdir "$other"
cp "$data"/*.gz "$other"/
# One pixel of one test image changed: same sizes, other data.
gunzip "$other/t10k-images-idx3-ubyte.gz"
printf '\377' | dd of="$other/t10k-images-idx3-ubyte" bs=1 seek=5000 conv=notrunc status=none
out=$("$bin" train --resume --epochs 4 --data "$other" --model "$tmp/straight.siam" 2>&1); rc=$?
check '[ $rc -eq 1 ] && [[ "$out" == *"not the data $tmp/straight.siam was trained on"* ]]' \
  "resume on other data: rc $rc: $out"
check '[ "$(printf "%s\n" "$out" | wc -l)" -eq 1 ]' "resume on other data: more than one line: $out"
out=$("$bin" eval --model "$tmp/straight.siam" --data "$other" 2>&1 >/dev/null); rc=$?
check '[ $rc -eq 0 ] && [[ "$out" == *"is not the data $tmp/straight.siam was trained on"* ]]' \
  "eval on other data: rc $rc: $out"
out=$("$bin" eval --model "$tmp/straight.siam" --data "$data" 2>&1 >/dev/null); rc=$?
check '[ $rc -eq 0 ] && [ -z "$out" ]' "eval on its own data: rc $rc, stderr: $out"

# --- the resume hint, quoted ---------------------------------------------------
m="$tmp/my model's.siam"
"$bin" train "${small[@]}" --epochs 2 --model "$m" --train-pairs 30000 >"$tmp/q.out" \
  2>"$tmp/q.err" &
pid=$!
for _ in $(seq 2400); do grep -q '^Train on' "$tmp/q.out" && break; sleep 0.05; done
sleep 0.2
kill -INT "$pid"
wait "$pid"
hint=$(sed -n 's/.*Continue with: siamese //p' "$tmp/q.err")
check '[[ "$hint" == *"--model '"'"'$tmp/my model'"'"'\\'"'"''"'"'s.siam'"'"'"* ]]' "hint not quoted: $hint"
# Run as printed (eval re-reads the quoting the shell way).
eval "\"\$bin\" $hint --quiet"
check '[ $? -eq 0 ]' "the quoted hint does not run: $hint"
"$bin" train "${small[@]}" --epochs 2 --model "$tmp/q-straight.siam" --train-pairs 30000 --quiet
check 'cmp -s "$m" "$tmp/q-straight.siam"' "the quoted hint did not continue the run exactly"
check '[[ "$hint" != *"--kernels"* ]] && [[ "$hint" != *"--threads"* ]]' \
  "the hint of an exact-kernels run names --kernels or --threads: $hint"
# An openblas run: its hint keeps the kind (OpenBLAS rounds otherwise than
# the exact kernels) and the thread count (on which OpenBLAS's rounding
# depends, and which the file does not keep).
m="$tmp/ob.siam"
ob=(--train-pairs 30000 --seed 5 --data "$data" --epochs 2 --kernels openblas --threads 2)
"$bin" train "${ob[@]}" --model "$m" >"$tmp/ob.out" 2>"$tmp/ob.err" &
pid=$!
for _ in $(seq 2400); do grep -q '^Train on' "$tmp/ob.out" && break; sleep 0.05; done
sleep 0.2
kill -INT "$pid"
wait "$pid"
hint=$(sed -n 's/.*Continue with: siamese //p' "$tmp/ob.err")
check '[[ "$hint" == "train --resume --model $m --epochs 2 --kernels openblas --threads 2 --data $data" ]]' \
  "resume hint of an openblas run: '$hint' ($(cat "$tmp/ob.err"))"
# shellcheck disable=SC2086
"$bin" $hint --quiet
"$bin" train "${ob[@]}" --model "$tmp/ob-straight.siam" --quiet
check 'cmp -s "$m" "$tmp/ob-straight.siam"' "the openblas hint did not continue the run exactly"
# Resumed without --threads, an openblas model says what that costs.
out=$("$bin" train --resume --epochs 3 --data "$data" --model "$m" 2>&1 >/dev/null)
check '[[ "$out" == *"note: $m is trained with OpenBLAS, whose results depend on the thread count"* ]]' \
  "no note when an openblas model is resumed without --threads: $out"

# --- a dead network ------------------------------------------------------------
out=$("$bin" train --train-pairs 2000 --threads 1 --data "$data" --epochs 2 --lr 10 \
  --model "$tmp/dead.siam" 2>&1 >/dev/null)
check '[[ "$out" == *"the network has died"* ]] && [[ "$out" == *"--lr 10"* ]]' \
  "no word on a dead network: $out"
out=$("$bin" train --train-pairs 2000 --threads 1 --data "$data" --epochs 1 \
  --model "$tmp/alive.siam" 2>&1 >/dev/null)
check '[[ "$out" != *"died"* ]]' "a healthy network reported dead: $out"

# --- eval --json: valid UTF-8, and the count of the partner class -------------
if command -v python3 >/dev/null; then
  weird="$tmp/bad-$(printf '\377\376')-\"q\".siam"
  cp "$tmp/straight.siam" "$weird"
  "$bin" eval --json --model "$weird" --data "$data" >"$tmp/j.json" 2>"$tmp/j.err"
  check 'python3 -c "
import json, sys
d = json.load(open(sys.argv[1], encoding=\"utf-8\"))
assert d[\"model\"].endswith(\"\\\\xff\\\\xfe-\\\"q\\\".siam\"), d[\"model\"]
c = [k for k in d[\"classes\"] if k[\"joined_most_with\"] is not None]
assert c and all(k[\"joined_most_with_count\"] >= 1 for k in c)
assert all(k[\"joined_most_with_count\"] <= k[\"joined\"] for k in d[\"classes\"])
" "$tmp/j.json"' "eval --json with a non-UTF-8 path: $(head -c 300 "$tmp/j.json") $(cat "$tmp/j.err")"
else
  tool_missing "python3 missing: the JSON check needs it"
fi

# --- show-pairs --model --seed ------------------------------------------------
"$bin" show-pairs --model "$tmp/straight.siam" --data "$data" --seed 1 --out "$tmp/s1.png" \
  >"$tmp/s1.txt"
"$bin" show-pairs --model "$tmp/straight.siam" --data "$data" --seed 2 --out "$tmp/s2.png" \
  >"$tmp/s2.txt"
"$bin" show-pairs --model "$tmp/straight.siam" --data "$data" --seed 1 --out "$tmp/s3.png" \
  >"$tmp/s3.txt"
# (the table from line 3 on: line 2 names the picture)
check '! cmp -s <(tail -n +3 "$tmp/s1.txt") <(tail -n +3 "$tmp/s2.txt") &&
       cmp -s <(tail -n +3 "$tmp/s1.txt") <(tail -n +3 "$tmp/s3.txt")' \
  "--seed does not choose the pairs shown with --model"
# Either way the pairs are the model's: seed 5 and its 3000-pair subset.
check 'grep -q "^pairs: train 3000, test 19980 (seed 5)" "$tmp/s1.txt"' \
  "show-pairs --model does not use the model's pairs: $(head -1 "$tmp/s1.txt")"

finish
