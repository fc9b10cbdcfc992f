#!/usr/bin/env bash
# test_bench.sh - `siamese bench --layers SPEC --steps N` on a tiny conv
# net (seconds): it runs, the step's flops it reports are the ones counted
# here from the shapes alone (2 per multiply-add, 2B rows: every layer's
# forward and kernel gradient, the input gradient of all but the first
# layer), its rates and ratios are those flops over its times, it says why
# there is no BLAS floor; without --steps (on 600 images) it times epochs,
# eval, embedding and inspection of the conv model; a bad --layers or
# --steps is exit 2.
# usage: test_bench.sh SIAMESE_BINARY
set -u
bin=$1
source "$(dirname "$0")/testlib.sh"

spec=conv4,pool,conv8,gap,16
"$bin" bench --data "$data" --layers "$spec" --steps 3 --threads 2 >"$tmp/out" 2>"$tmp/err"
rc=$?
check '[ $rc -eq 0 ]' "bench --layers $spec --steps 3: exit $rc, $(cat "$tmp/err")"

# The step's GFLOP from the spec on 1 x 28 x 28, batch 128 (256 rows).
want=$(awk -v spec="$spec" 'BEGIN {
  n = split(spec, it, ","); c = 1; h = 28; w = 28; flat = 0; fwd = 0; back = 0
  for (l = 1; l <= n; l++) {
    m = 0
    if (it[l] ~ /^conv/) { co = substr(it[l], 5) + 0; m = 9 * c * co * h * w; c = co }
    else if (it[l] == "pool") { h = int(h / 2); w = int(w / 2) }
    else if (it[l] == "gap") { flat = c }
    else { if (!flat) flat = c * h * w; m = flat * it[l]; flat = it[l] }
    fwd += m; back += m + (l > 1 ? m : 0)
  }
  printf "%.4f", 2 * 256 * (fwd + back) / 1e9 }')
floor_line=$(grep '^physical floor of a step' "$tmp/out")
got=$(sed -n 's/.*(\([0-9.]*\) GFLOP at the FMA peak).*/\1/p' <<<"$floor_line")
check '[ "$got" = "$want" ]' "step GFLOP: reported '$got', counted from the shapes $want ($floor_line)"
check '[ "$want" = 0.1158 ]' "the count here drifted: $want, by hand 0.1158"

# Each step line: GFLOP/s = GFLOP / seconds, ratio = ms / floor ms.
floor_ms=$(awk '{print $6}' <<<"$floor_line")
lines=$(grep -c '^training step, ' "$tmp/out")
check '[ "$lines" -eq 2 ]' "expected 2 'training step' lines (kernels, openblas), found $lines"
grep '^training step, ' "$tmp/out" >"$tmp/steps"
while read -r line; do
  check 'awk -v g="$want" -v f="$floor_ms" "{ ms = \$4; r = \$6; q = \$NF
    exit !(ms > 0 && (r - g / ms * 1e3)^2 <= (0.06 + 0.01 * r)^2 && (q - ms / f)^2 <= (0.006 + 0.01 * q)^2) }" <<<"$line"' \
    "rate or ratio is not the step's flops over its time: '$line' (floor $floor_ms ms, $want GFLOP)"
done <"$tmp/steps"
check 'grep -q "^BLAS floor: not measured: .*conv net" "$tmp/out"' "no line on the BLAS floor: $(cat "$tmp/out")"
check '! grep -q "^training epoch\|^embed \|^eval \|^inspect " "$tmp/out"' "--steps still timed epochs or eval: $(cat "$tmp/out")"
est=$(grep "^(--steps: " "$tmp/out")
kms=$(awk 'NR == 1 {print $4}' "$tmp/steps")
check 'awk -v ms="$kms" "{ n = \$11; s = \$(NF - 3) + 0; exit !(n == 938 && (s - n * ms / 1e3)^2 <= 0.06^2 + (0.001 * s)^2) }" <<<"$est"' \
  "the epoch's steps at the median step: '$est' (median $kms ms)"
check 'grep -q "^network: conv4,pool,conv8,gap,16 on 1 x 28 x 28" "$tmp/out"' "network line: $(grep network "$tmp/out")"
check 'grep -q "steps: the median of 15 per path" "$tmp/out"' "steps timed: $(tail -1 "$tmp/out")"

# Without --steps, on 400 + 200 images: whole epochs, eval, embedding and
# inspection of the conv model.
mkdir -p "$tmp/small"
python3 - "$data" "$tmp/small" <<'PY'
import gzip, sys
src, dst = sys.argv[1:]
for pre, n in (("train", 400), ("t10k", 200)):
    for kind, dim, head, size in (("images", 3, 16, 784), ("labels", 1, 8, 1)):
        name = f"{pre}-{kind}-idx{dim}-ubyte.gz"
        raw = gzip.open(f"{src}/{name}").read()
        h = bytearray(raw[:head]); h[4:8] = n.to_bytes(4, "big")
        gzip.open(f"{dst}/{name}", "wb").write(bytes(h) + raw[head:head + n * size])
PY
"$bin" bench --data "$tmp/small" --layers conv4,gap,8 --threads 2 >"$tmp/small.out" 2>&1
rc=$?
check '[ $rc -eq 0 ] && grep -q "^training epoch, openblas " "$tmp/small.out" && grep -q "^embed (400 training images)" "$tmp/small.out" && grep -q "^training step, " "$tmp/small.out"' \
  "bench --layers conv4,gap,8 without --steps: exit $rc, $(cat "$tmp/small.out")"

# Usage errors: exit 2, naming the item.
usage() { # ARGS... ; EXPECTED_TEXT last
  local want=${*: -1} out rc
  out=$("$bin" bench --data "$data" "${@:1:$#-1}" 2>&1 >/dev/null); rc=$?
  check '[ $rc -eq 2 ] && [[ "$out" == *"$want"* ]]' "bench ${*:1:$#-1}: exit $rc (want 2), '$out'"
}
usage --layers conv4,foo "item 2 'foo'"
usage --layers conv4,pool,pool,pool,pool,pool,pool "item 6 'pool'"
usage --layers 128,conv4 "--layers"
usage --layers conv4 --steps 0 "--steps"
finish
