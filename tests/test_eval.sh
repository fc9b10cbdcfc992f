#!/usr/bin/env bash
# test_eval.sh - `siamese eval` end to end on a model trained for one epoch:
# accuracy in the notebook's band, --json agreeing with the text report
# (scores, confusion matrix, suggested threshold), the suggested threshold
# chosen on the training pairs whatever --threshold says, --sweep agreeing
# with the main report, damaged/missing/foreign model files and bad options
# refused with the right status and one clear line, and the loss-curve PNG
# that `train --history` writes next to the CSV.
#
#   usage: bash test_eval.sh PATH/TO/siamese
#   exit:  0 all passed, 1 a failure, 77 Fashion-MNIST missing (skip;
#          a failure instead when CI=true)
set -u
bin=${1:?usage: test_eval.sh PATH/TO/siamese}
. "$(dirname "$0")/testlib.sh"
if ! command -v python3 >/dev/null; then echo "FAIL: python3 is needed to parse --json"; exit 1; fi

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
  check '! grep -qE "Sanitizer|runtime error:|^ *#[0-9]+ 0x|Segmentation fault|Aborted|backtrace" "$tmp/$name.err"' \
    "$name: crash report on stderr: $(head -c 400 "$tmp/$name.err")"
}

# One epoch on the full data, with the history CSV and its loss curve (one
# thread: as fast under the sanitizers, and kinder to parallel ctest).
model=$tmp/m.siam
run train train --epochs 1 --threads 1 --model "$model" --data "$data" --quiet --history "$tmp/h.csv"
check '[ $rc -eq 0 ] && [ -s "$model" ]' "train failed (exit $rc): $(cat "$tmp/train.err")"
if [ ! -s "$model" ]; then echo "$pass passed, $((fail + 1)) failed (no model: stopping)"; exit 1; fi

# --- the loss curve next to the history: h.csv -> h.png, other names + .png
png_sig() { [ "$(head -c 8 "$1" 2>/dev/null | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ]; }
check 'png_sig "$tmp/h.png"' "train --history h.csv wrote no PNG loss curve h.png: $(ls "$tmp")"
check '[ ! -e "$tmp/h.csv.png" ]' "the loss curve of h.csv is h.png, not h.csv.png"
run train_txt train --epochs 1 --train-pairs 2000 --threads 1 --model "$tmp/small.siam" --data "$data" \
  --quiet --history "$tmp/hist.txt"
check '[ $rc -eq 0 ] && png_sig "$tmp/hist.txt.png"' \
  "train --history hist.txt wrote no hist.txt.png (exit $rc): $(ls "$tmp")"

# --- text and JSON reports at 0.5, with the sweep
run text05 eval --model "$model" --data "$data" --threshold 0.5 --sweep
check '[ $rc -eq 0 ]' "eval --threshold 0.5 failed (exit $rc): $(cat "$tmp/text05.err")"
acc=$(awk '$1 == "accuracy" {print $2}' "$tmp/text05.out")
check '[ -n "$acc" ] && awk -v a="$acc" "BEGIN {exit !(a > 0.85)}"' \
  "accuracy after one epoch is '$acc', expected above 0.85"
run json05 eval --model "$model" --data "$data" --threshold 0.5 --sweep --json
check '[ $rc -eq 0 ]' "eval --json failed (exit $rc): $(cat "$tmp/json05.err")"

# json_fields FILE: the JSON report's numbers as "name value" lines, or exit
# 1 when the file is not JSON. Names match text_fields below.
json_fields() {
  python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
c = d["confusion_matrix"]["cells"]
t, s = d["test"], d["suggested"]
f = [("accuracy", t["accuracy"]), ("precision", t["precision"]), ("recall", t["recall"]),
     ("f1", t["f1"]), ("roc_auc", d["roc_auc"]), ("eer", d["eer"]),
     ("eer_threshold", d["eer_threshold"]), ("c00", c[0][0]), ("c01", c[0][1]),
     ("c10", c[1][0]), ("c11", c[1][1]), ("threshold", d["threshold"]),
     ("train_accuracy", d["train_accuracy"]), ("user_test_accuracy", t["accuracy"]),
     ("suggested_threshold", s["threshold"]), ("suggested_train_accuracy", s["train_accuracy"]),
     ("suggested_test_accuracy", s["test_accuracy"]), ("test_pairs", d["test_pairs"])]
for row in d.get("sweep", []):
    f.append(("sweep_%.2f" % row["threshold"], row["accuracy"]))
for k, v in f:
    print(k, repr(v))
' "$1"
}

# text_fields FILE: the same numbers as the text report prints them.
text_fields() {
  awk '
    $1 == "true" && $2 == "different" { print "c00", $3; print "c01", $4 }
    $1 == "true" && $2 == "same"      { print "c10", $3; print "c11", $4 }
    $1 == "accuracy"  { print "accuracy", $2 }
    $1 == "precision" { print "precision", $2; print "recall", $4; print "f1", $6 }
    $1 == "ROC" && $2 == "AUC" {
      print "roc_auc", $3; print "eer", $6; t = $9; sub(/\)$/, "", t); print "eer_threshold", t
    }
    /you \(--threshold\)/ {
      print "threshold", $1; print "train_accuracy", $(NF-1); print "user_test_accuracy", $NF
    }
    /suggested: best accuracy on train pairs/ {
      print "suggested_threshold", $1
      print "suggested_train_accuracy", $(NF-1); print "suggested_test_accuracy", $NF
    }
    /^Sweep over thresholds/ { sweep = 1; next }
    sweep && NF == 0 { sweep = 0 }
    sweep && $1 ~ /^[0-9.]+$/ { print "sweep_" $1, $2 }
  ' "$1"
}

json_fields "$tmp/json05.out" >"$tmp/j05" 2>"$tmp/j05.err"
jrc=$?
check '[ $jrc -eq 0 ]' \
  "eval --json is not JSON: $(tail -1 "$tmp/j05.err"); output: $(head -c 300 "$tmp/json05.out")"
text_fields "$tmp/text05.out" >"$tmp/t05"
cp "$tmp/j05" "$tmp/j0.5" # the name the loops over thresholds below use
field() { awk -v k="$2" '$1 == k {print $2; exit}' "$1"; }

# Every number the text prints agrees with the JSON at the text's precision
# (half a unit of its last digit, plus the JSON's own rounding).
for k in accuracy precision recall f1 roc_auc eer eer_threshold threshold train_accuracy \
  user_test_accuracy suggested_threshold suggested_train_accuracy suggested_test_accuracy \
  sweep_0.50; do
  tv=$(field "$tmp/t05" "$k")
  jv=$(field "$tmp/j05" "$k")
  check '[ -n "$tv" ] && [ -n "$jv" ] && awk -v t="$tv" -v j="$jv" "BEGIN {
      n = split(t, p, \".\"); dec = n > 1 ? length(p[2]) : 0
      d = t - j; if (d < 0) d = -d
      exit !(d <= 0.5 * 10 ^ -dec + 1e-6) }"' "$k: text says '$tv', JSON says '$jv'"
done
for k in c00 c01 c10 c11; do
  tv=$(field "$tmp/t05" "$k")
  jv=$(field "$tmp/j05" "$k")
  check '[ -n "$tv" ] && [ "$tv" = "$jv" ]' "confusion cell $k: text says '$tv', JSON says '$jv'"
done
# The cells count every test pair; accuracy is the diagonal's share.
check 'python3 -c "
import json, sys
d = json.load(open(sys.argv[1]))
c = d[\"confusion_matrix\"][\"cells\"]
n = d[\"test_pairs\"]
sys.exit(not (n == 19980 and sum(map(sum, c)) == n and
              abs(d[\"test\"][\"accuracy\"] - (c[0][0] + c[1][1]) / n) <= 1e-6))
" "$tmp/json05.out"' "cells $(grep "^c[01][01] " "$tmp/j05" | cut -d" " -f2 | tr "\n" " ")do not sum \
to test_pairs 19980, or accuracy $(field "$tmp/j05" accuracy) is not their diagonal's share"

# --sweep: the 0.50 row is the main report at --threshold 0.5.
check '[ -n "$(field "$tmp/t05" sweep_0.50)" ] && [ "$(field "$tmp/t05" sweep_0.50)" = "$acc" ]' \
  "sweep row 0.50 has accuracy '$(field "$tmp/t05" sweep_0.50)', the report at 0.5 says '$acc'"
nt=$(grep -c "^sweep_" "$tmp/t05") nj=$(grep -c "^sweep_" "$tmp/j05")
check '[ $nt -ge 5 ] && [ $nj -eq $nt ]' "sweep table: $nt text rows, $nj JSON rows"

# --- the suggested threshold comes from the training pairs alone
sug05=$(field "$tmp/j05" suggested_threshold)
for t in 0.3 0.8; do
  run json$t eval --model "$model" --data "$data" --threshold $t --json --sweep
  json_fields "$tmp/json$t.out" >"$tmp/j$t" 2>/dev/null
  check '[ $rc -eq 0 ] && [ -s "$tmp/j$t" ]' \
    "eval --threshold $t --json failed (exit $rc): $(cat "$tmp/json$t.err")"
  sug=$(field "$tmp/j$t" suggested_threshold)
  check '[ -n "$sug" ] && [ "$sug" = "$sug05" ]' \
    "suggested threshold changes with --threshold: $sug05 at 0.5, $sug at $t"
  # The sweep row at this threshold is the main report at it.
  row=$(printf "%.2f" $t)
  sw=$(field "$tmp/j$t" "sweep_$row") at=$(field "$tmp/j$t" accuracy)
  check '[ -n "$sw" ] && [ "$sw" = "$at" ]' \
    "at --threshold $t: sweep row $row has accuracy '$sw', the report '$at'"
done
for t in 0.3 0.5 0.8; do
  st=$(field "$tmp/j$t" suggested_train_accuracy)
  ut=$(field "$tmp/j$t" train_accuracy)
  check '[ -n "$st" ] && [ -n "$ut" ] && awk -v s="$st" -v u="$ut" "BEGIN {exit !(s >= u)}"' \
    "at --threshold $t: the suggested threshold's train accuracy $st is below the user's $ut"
done
a03=$(field "$tmp/j0.3" accuracy)
a05=$(field "$tmp/j0.5" accuracy)
check '[ -n "$a03" ] && [ -n "$a05" ] && [ "$a03" != "$a05" ]' \
  "accuracy at 0.3 ($a03) equals accuracy at 0.5 ($a05): the threshold is ignored"

# --- errors: missing, damaged, truncated, foreign files; bad options
# one_line NAME: stderr is exactly one line.
one_line() { [ "$(wc -l <"$tmp/$1.err")" -eq 1 ]; }

run missing eval --model "$tmp/no-such.siam" --data "$data"
check '[ $rc -eq 1 ] && one_line missing && grep -qF "$tmp/no-such.siam" "$tmp/missing.err"' \
  "missing model: exit $rc, stderr: $(cat "$tmp/missing.err")"

size=$(stat -c %s "$model")
cp "$model" "$tmp/crc.siam"
mid=$((size / 2))
old=$(od -An -tu1 -j $mid -N 1 "$tmp/crc.siam" | tr -d ' ')
printf "\\$(printf %03o $(((old ^ 0x5a) & 255)))" |
  dd of="$tmp/crc.siam" bs=1 seek=$mid conv=notrunc status=none
check '! cmp -s "$model" "$tmp/crc.siam"' "could not damage the copy at byte $mid"
run crc eval --model "$tmp/crc.siam" --data "$data"
check '[ $rc -eq 1 ] && one_line crc && grep -q "CRC" "$tmp/crc.err" && grep -qF "$tmp/crc.siam" "$tmp/crc.err"' \
  "damaged model (byte $mid flipped): exit $rc, stderr: $(cat "$tmp/crc.err")"

head -c -100 "$model" >"$tmp/trunc.siam"
run trunc eval --model "$tmp/trunc.siam" --data "$data"
check '[ $rc -eq 1 ] && one_line trunc && grep -q "truncated" "$tmp/trunc.err"' \
  "model truncated by 100 bytes: exit $rc, stderr: $(cat "$tmp/trunc.err")"
head -c 100 "$model" >"$tmp/trunc2.siam"
run trunc2 eval --model "$tmp/trunc2.siam" --data "$data"
check '[ $rc -eq 1 ] && one_line trunc2 && grep -q "truncated" "$tmp/trunc2.err"' \
  "model cut to its first 100 bytes: exit $rc, stderr: $(cat "$tmp/trunc2.err")"

# Formats 3 to 5 are this build's; 6 is unknown.
cp "$model" "$tmp/v6.siam"
printf '\006' | dd of="$tmp/v6.siam" bs=1 seek=8 conv=notrunc status=none
run version eval --model "$tmp/v6.siam" --data "$data"
check '[ $rc -eq 1 ] && one_line version && grep -qF "$tmp/v6.siam: model format version 6, this build reads versions 1 to 5" "$tmp/version.err"' \
  "format version 6: exit $rc, stderr: $(cat "$tmp/version.err")"

for t in abc -1 0 nan inf; do
  run "thr_$t" eval --model "$model" --data "$data" --threshold "$t"
  check '[ $rc -eq 2 ] && grep -q "threshold" "$tmp/thr_$t.err"' \
    "--threshold $t: exit $rc, stderr: $(head -2 "$tmp/thr_$t.err")"
done

# An unwritable picture is refused before any work: before the model and
# the data are even opened (both are missing here, so their errors would
# show), and with a good model before the report is printed (the pictures
# are drawn after it, so a late check would leave a report on stdout).
run heatmap eval --model "$tmp/no-such.siam" --data "$tmp/no-such-data" \
  --heatmap /nonexistent-dir/x.png
check '[ $rc -eq 1 ] && one_line heatmap && grep -qF "/nonexistent-dir/x.png" "$tmp/heatmap.err" && ! grep -q "no-such" "$tmp/heatmap.err"' \
  "--heatmap /nonexistent-dir/x.png: exit $rc, stderr: $(cat "$tmp/heatmap.err")"
run heatmap_valid eval --model "$model" --data "$data" --heatmap /nonexistent-dir/x.png
check '[ $rc -eq 1 ] && grep -qF "/nonexistent-dir/x.png" "$tmp/heatmap_valid.err" && [ ! -s "$tmp/heatmap_valid.out" ]' \
  "--heatmap /nonexistent-dir/x.png with a good model: exit $rc, stdout $(wc -c <"$tmp/heatmap_valid.out") bytes, stderr: $(cat "$tmp/heatmap_valid.err")"
run roc eval --model "$model" --data "$data" --roc /nonexistent-dir/r.png
check '[ $rc -eq 1 ] && grep -qF "/nonexistent-dir/r.png" "$tmp/roc.err" && [ ! -s "$tmp/roc.out" ]' \
  "--roc /nonexistent-dir/r.png: exit $rc, stderr: $(cat "$tmp/roc.err")"

finish
