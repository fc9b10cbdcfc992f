#!/usr/bin/env bash
# test_bench.sh - `siamese bench --layers SPEC --steps N` on a tiny conv
# net (seconds): it runs, the step's flops it reports are the ones counted
# here from the shapes alone (2 per multiply-add, 2B rows: every layer's
# forward and kernel gradient, the input gradient of all but the first
# layer), its rates and ratios are those flops over its times, it says why
# there is no BLAS floor; without --steps (on 600 images) it times epochs,
# eval, embedding and inspection of the conv model; a bad --layers or
# --steps is exit 2. --json (on both runs' settings, and with --folders
# and --kernels openblas): stdout is one JSON object and nothing else, its
# floors are its GFLOP at its FMA peak, each path's rate and ratio its
# GFLOP and floor over its time, what does not vary by run is the text
# run's, each measurement not made is null with a reason in "skipped";
# usage errors are still exit 2 with nothing on stdout, and a standard
# output that cannot be written is exit 1 with bench's message. On a
# terminal (script(1)) a status line on stderr is drawn, fitted and erased
# before the table; off one (and with TERM=dumb) stderr holds nothing.
# usage: test_bench.sh SIAMESE_BINARY
set -u
bin=$1
source "$(dirname "$0")/testlib.sh"

spec=conv4,pool,conv8,gap,16
"$bin" bench --data "$data" --layers "$spec" --steps 3 --threads 2 >"$tmp/out" 2>"$tmp/err"
rc=$?
check '[ $rc -eq 0 ]' "bench --layers $spec --steps 3: exit $rc, $(cat "$tmp/err")"
check '[ ! -s "$tmp/err" ]' "stderr not a terminal, yet bench wrote to it: $(head -c 300 "$tmp/err" | od -c | head -4)"

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

# On a terminal (script(1) gives it one: TERM=xterm, the columns set, no
# COLUMNS, -onlcr so that the pty adds no \r) a status line on stderr says
# what is measured, redrawn in place ("\rbench: ...\033[K"), a training run
# with a bar of its steps; each one is followed by the next or by the erase
# "\r\033[K", so that with the lines and the erases taken out what is left
# is the table, line for line as off a terminal (numbers aside), and no
# line is wider than the terminal. bench_tty.py RAW PLAIN COLUMNS.
cat >"$tmp/bench_tty.py" <<'PY'
import re, sys
raw = open(sys.argv[1], encoding="utf-8", errors="replace", newline="").read()
plain, cols = open(sys.argv[2]).read(), int(sys.argv[3])
seg = re.compile("\rbench: ([^\r\n\033]*)\033\\[K")
segs = list(seg.finditer(raw))
fails = []
bar = r"training steps, \w+, run [1-5]/5  [01]/1 \[[=>.]+\]  0:\d\d"
if not any(m[1].startswith("training steps, ") for m in segs):
    fails.append("no status line of a training run")
if cols >= 80 and not any(re.fullmatch(bar, m[1]) for m in segs):
    fails.append("no status line of a training run with the bar of its steps")
if not any(m[1].startswith("FMA peak, run 5/5") for m in segs):
    fails.append("no status line of the FMA peak's fifth run")
for m in segs:
    if raw[m.end():m.end() + 1] != "\r":
        fails.append(f"status line not erased before what follows: {raw[m.start():m.end() + 60]!r}")
        break
    if len("bench: " + m[1]) > cols - 1:
        fails.append(f"status line wider than {cols - 1} columns: {m[1]!r}")
        break
rest = seg.sub("", raw).replace("\r\033[K", "")
if "\r" in rest or "\033" in rest:
    fails.append(f"a carriage return or escape outside the status lines: {rest[:300]!r}")
norm = lambda t: [re.sub(r"[0-9.]+", "N", " ".join(l.split())) for l in t.splitlines()]
if norm(rest) != norm(plain):
    fails.append(f"the table differs from the one off a terminal:\n{rest}\n---\n{plain}")
if not segs:
    fails = ["no status line at all: " + repr(raw[:300])]
print("\n".join(fails))
sys.exit(1 if fails else 0)
PY
tty_args="--data $tmp/small --layers conv8,pool,16 --steps 1 --threads 2"
"$bin" bench $tty_args >"$tmp/plain.out" 2>"$tmp/plain.err"
rc=$?
check '[ $rc -eq 0 ] && [ ! -s "$tmp/plain.err" ]' "bench $tty_args off a terminal: exit $rc, stderr: $(head -c 300 "$tmp/plain.err" | od -c | head -4)"
if command -v script >/dev/null; then
  for cols in 100 40; do
    env -u COLUMNS TERM=xterm script -qec "stty cols $cols -onlcr; $bin bench $tty_args" /dev/null \
      >"$tmp/tty$cols.out" 2>&1
    out=$(python3 "$tmp/bench_tty.py" "$tmp/tty$cols.out" "$tmp/plain.out" "$cols" 2>&1)
    rc=$?
    check '[ $rc -eq 0 ]' "bench on a terminal of $cols columns: $out"
  done
  # TERM=dumb cannot redraw: no status line, no escape, no carriage return.
  env -u COLUMNS TERM=dumb script -qec "stty -onlcr; $bin bench $tty_args" /dev/null >"$tmp/dumb.out" 2>&1
  check '! grep -qa $'"'"'\033'"'"' "$tmp/dumb.out" && ! grep -qa $'"'"'\r'"'"' "$tmp/dumb.out" && grep -q "^training step, " "$tmp/dumb.out"' \
    "TERM=dumb: escapes or carriage returns: $(head -c 200 "$tmp/dumb.out" | od -c | head -4)"
else
  bad "script(1) is missing: cannot test bench's status line on a terminal"
fi

# --json: the checks of one JSON object (bench_json.py FILE MODE ...):
# every relation would be false if a key held another number.
py=$(command -v /usr/bin/python3 || command -v python3)
cat >"$tmp/bench_json.py" <<'PY'
import json, re, sys
path, mode, args = sys.argv[1], sys.argv[2], sys.argv[3:]
raw = open(path).read()
fails = []
def want(cond, msg):
    if not cond:
        fails.append(msg)
try:
    j = json.loads(raw)  # the whole of stdout: one value, nothing before or after
except ValueError as e:
    sys.exit(f"stdout is not one JSON object ({e}): {raw[:300]!r}")
if not (isinstance(j, dict) and raw.startswith("{") and raw.endswith("}\n")):
    sys.exit(f"stdout is not one JSON object: {raw[:300]!r}")
def close(a, b, rel=1e-7):  # %.9g on each side
    return abs(a - b) <= rel * max(abs(a), abs(b))
peak = j["fma_peak_gflops"]
want(peak > 0 and j["medians_of"] == 5 and j["threads"] == 2, f"peak, repeats, threads: {peak}, {j['medians_of']}, {j['threads']}")
want(j["fma_peak_kernels"] != "openblas" and (j["kernels"] == "openblas" or j["fma_peak_kernels"] == j["kernels"]),
     f"FMA peak of {j['fma_peak_kernels']} for kernels {j['kernels']}")
def paths(key, unit, scale):
    s = j[key]
    floor = s["floor_ms" if scale == 1e3 else "floor_s"]
    want(close(floor, s["gflop"] / peak * scale), f"{key}: floor {floor} is not {s['gflop']} GFLOP at {peak} GFLOP/s")
    names = {j["kernels"], "openblas"}
    want(set(s["paths"]) == names, f"{key}: paths {sorted(s['paths'])}, expected {sorted(names)}")
    for k, p in s["paths"].items():
        want(p[unit] > 0 and close(p["ratio_to_floor"], p[unit] / floor), f"{key} {k}: ratio {p['ratio_to_floor']}, {unit} {p[unit]} / floor {floor}")
        want(close(p["gflops"], s["gflop"] / p[unit] * scale), f"{key} {k}: {p['gflops']} GFLOP/s, {s['gflop']} GFLOP in {p[unit]} {unit}")
skipped = j["skipped"]
want(set(skipped) == {"epoch", "step", "blas_floor", "eval", "embed", "inspect", "folders_load"}, f"skipped: {sorted(skipped)}")
for k, why in skipped.items():
    want((j[k] is None) == (isinstance(why, str) and len(why) > 5), f"{k} is {j[k]!r}, skipped: {why!r}")
want(isinstance(j["peak_rss_mb"], int) and j["peak_rss_mb"] > 0, f"peak_rss_mb {j['peak_rss_mb']}")
if mode == "steps":  # args: SPEC, GFLOP counted from the shapes, the text run's output
    spec, gflop, text = args[0], args[1], open(args[2]).read()
    st = j["step"]
    paths("step", "step_ms", 1e3)
    want(f"{st['gflop']:.4f}" == gflop, f"step GFLOP {st['gflop']}, counted {gflop}")
    want(st["steps_timed_per_path"] == 5 and st["after_untimed_step"] is True, f"steps timed: {st}")
    ms = st["paths"][j["kernels"]]["step_ms"]
    want(st["epoch_steps"] == 938 and close(st["epoch_at_median_step_s"], 938 * ms / 1e3), f"an epoch at the median step: {st}")
    want(j["epoch"] is None and j["eval"] is None and "conv net" in skipped["blas_floor"], f"epoch, eval, floor: {skipped}")
    net = re.search(r"^network: (\S+) on (\d+) x (\d+) x (\d+), (\d+) parameters", text, re.M)
    pairs = re.search(r"(\d+) training pairs, (\d+) test pairs, batch (\d+)", text)
    i = j["input"]
    want(net and [j["network"], i["channels"], i["height"], i["width"], j["parameters"]] == [net[1]] + [int(x) for x in net.groups()[1:]],
         f"network {j['network']} {i} {j['parameters']}, the text's: {net and net[0]}")
    want(j["network"] == spec and j["layers_given"] is True and j["parameters"] == 480, f"network {j['network']}, {j['parameters']} parameters (by hand 40 + 296 + 144)")
    want(pairs and [j["train_pairs"], j["test_pairs"], j["batch"]] == [int(x) for x in pairs.groups()], f"pairs and batch: the text's {pairs and pairs[0]}")
else:  # epochs: args: the folders given; the small data (400 + 200 images), --kernels openblas
    ep, fl, em, ins = j["epoch"], j["blas_floor"], j["embed"], j["inspect"]
    paths("epoch", "epoch_s", 1)
    want(fl and close(fl["gflops"], fl["gflop"] / fl["s"]), f"BLAS floor: {fl}")
    want(j["network"] == "128,128,128" and j["layers_given"] is False and j["step"] is None, f"network {j['network']}, step {j['step']}")
    want(em["images"] == 400 and close(em["images_per_s"], em["images"] / em["s"]), f"embed: {em}")
    want([ins["test_images"], ins["references"]] == [200, 400] and ins["centroid_s"] > 0 and ins["knn_10_s"] > 0, f"inspect: {ins}")
    want(j["eval"]["test_pairs"] == j["test_pairs"] > 0 and j["eval"]["s"] > 0, f"eval: {j['eval']}")
    want(j["folders_load"]["folder"] == args[0] and j["folders_load"]["s"] > 0, f"folders: {j['folders_load']}")
    want([k for k, v in skipped.items() if v] == ["step"], f"skipped: {skipped}")
for f in fails:
    print(f)
sys.exit(1 if fails else 0)
PY
"$bin" bench --data "$data" --layers "$spec" --steps 1 --threads 2 --json >"$tmp/json" 2>"$tmp/json.err"
rc=$?
check '[ $rc -eq 0 ] && [ ! -s "$tmp/json.err" ]' "bench --json --steps 1: exit $rc, stderr: $(cat "$tmp/json.err")"
out=$("$py" "$tmp/bench_json.py" "$tmp/json" steps "$spec" "$want" "$tmp/out" 2>&1)
rc=$?
check '[ $rc -eq 0 ]' "bench --json --steps 1: $out"
"$bin" export --data "$tmp/small" --out "$tmp/small-folders" >/dev/null 2>&1
"$bin" bench --data "$tmp/small" --folders "$tmp/small-folders" --kernels openblas --threads 2 --json \
  >"$tmp/json2" 2>"$tmp/json2.err"
rc=$?
check '[ $rc -eq 0 ]' "bench --json --kernels openblas --folders: exit $rc, $(cat "$tmp/json2.err")"
out=$("$py" "$tmp/bench_json.py" "$tmp/json2" epochs "$tmp/small-folders" 2>&1)
rc=$?
check '[ $rc -eq 0 ]' "bench --json (epochs): $out"
# A note of the data (a skipped file) on a terminal: said once (not for each
# of the 5 loads), on a line
# of its own (the status line erased before it, never glued to it).
if command -v script >/dev/null; then
  cls=$(ls "$tmp/small-folders/train" | head -1)
  echo x >"$tmp/small-folders/train/$cls/README.txt"
  env -u COLUMNS TERM=xterm script -qec "stty cols 100 -onlcr; $bin bench --data $tmp/small-folders --layers conv4,gap,8 --steps 1 --threads 2" \
    /dev/null >"$tmp/note.out" 2>&1
  out=$(python3 - "$tmp/note.out" <<'PY' 2>&1
import re, sys
t = open(sys.argv[1], "rb").read().decode("utf-8", "replace")
notes = [m.start() for m in re.finditer("siamese bench: note: skipped 1 file", t)]
assert len(notes) == 1, f"{len(notes)} notes"
before = t[:notes[0]]
assert before == "" or before.endswith("\n") or before.endswith("\r\x1b[K"), repr(before[-60:])
PY
)
  check '[ -z "$out" ]' "bench's data note on a terminal: $out"
  rm "$tmp/small-folders/train/$cls/README.txt"
fi
# A standard output that cannot be written: bench says so, exit 1.
if [ -w /dev/full ]; then
  err=$("$bin" bench --data "$tmp/small" --layers conv4,gap,8 --steps 1 --threads 2 --json 2>&1 >/dev/full)
  rc=$?
  check '[ $rc -eq 1 ] && [[ "$err" == "siamese bench: write error on standard output: "* ]]' \
    "bench --json >/dev/full: exit $rc, '$err'"
else
  tool_missing "no writable /dev/full"
fi

# Usage errors: exit 2, naming the item.
usage() { # ARGS... ; EXPECTED_TEXT last
  local want=${*: -1} out rc
  out=$("$bin" bench --data "$data" "${@:1:$#-1}" 2>&1 >"$tmp/usage.out"); rc=$?
  check '[ $rc -eq 2 ] && [[ "$out" == *"$want"* ]] && [ ! -s "$tmp/usage.out" ]' \
    "bench ${*:1:$#-1}: exit $rc (want 2), '$out', stdout: $(head -c 200 "$tmp/usage.out")"
}
usage --layers conv4,foo "item 2 'foo'"
usage --layers conv4,pool,pool,pool,pool,pool,pool "item 6 'pool'"
usage --layers 128,conv4 "--layers"
usage --layers conv4 --steps 0 "--steps"
usage --json --layers conv4,foo "item 2 'foo'"
usage --json --steps 0 "--steps"
usage --json --kernels nope "--kernels"
finish
