#!/usr/bin/env bash
# test_outputs.sh - no output ever destroys something, and every write
# error is reported:
#  - a device node (root only: mknod), a FIFO: written into, never replaced;
#  - a symbolic link: kept, the file it leads to gets the content; a
#    replaced file keeps its permissions (600 stays 600);
#  - an output that is the same file as an input or another output: exit 2
#    before any work, the file unchanged (compared by inode: a hard link
#    counts);
#  - two trains on one model: the second exits 1 at once naming the first's
#    PID; the lock holder removes stale MODEL.tmp-XXXXXX files, only those;
#    two writers of one picture with the same PID (root: unshare) both work;
#  - a folder or an empty name as an output, or a picture named .jpg (or
#    another image format's ending: it would be PNG under that name):
#    refused before any work;
#  - SIGTERM and SIGHUP while a file is written: no temporary file left;
#  - standard output full (/dev/full), over a file-size limit (ulimit -f)
#    or closed (>&-): exit 1 with one line, for eval, show-pairs, train,
#    bench --help and --help; `siamese eval | head -1` says nothing.
# usage: test_outputs.sh SIAMESE_BINARY
set -u
bin=$1
. "$(dirname "$0")/testlib.sh"
case $bin in /*) ;; *) bin=$PWD/$bin ;; esac
case $data in /*) ;; *) data=$PWD/$data ;; esac
cd "$tmp" || exit 1 # a stray output (a file named "-") lands in the temporary folder
umask 022           # a reset mode (644) must differ from the kept one (600)

small=(--train-pairs 2000 --threads 1 --data "$data")
png_sig() { [ "$(head -c 8 "$1" 2>/dev/null | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ]; }
lines() { wc -l <"$1"; }
tmps() { ls -a "$tmp" | grep -c "$1\.tmp-"; }
# waitfor CMD: polls CMD for up to 10 s.
waitfor() { for _ in $(seq 200); do eval "$1" && return 0; sleep 0.05; done; return 1; }

"$bin" train "${small[@]}" --epochs 1 --model "$tmp/m.siam" --quiet
check '[ -s "$tmp/m.siam" ]' "setup: train wrote no model"
cp "$tmp/m.siam" "$tmp/m.orig"

# --- devices and FIFOs are written into, not replaced -----------------------
if [ "$(id -u)" -ne 0 ]; then
  echo "SKIP: device nodes (mknod needs root)"
elif ! mknod "$tmp/null" c 1 3 2>/dev/null || ! mknod "$tmp/null2" c 1 3 2>/dev/null; then
  echo "SKIP: device nodes (mknod refused here, e.g. a container without CAP_MKNOD)"
else
  "$bin" show-pairs --data "$data" --count 2 --out "$tmp/null" >/dev/null; rc=$?
  check '[ $rc -eq 0 ] && [ -c "$tmp/null" ]' "show-pairs --out DEVICE: rc $rc, $(ls -l "$tmp/null")"
  "$bin" eval --model "$tmp/m.siam" --data "$data" --heatmap "$tmp/null" --roc "$tmp/null" \
    >/dev/null; rc=$?
  check '[ $rc -eq 0 ] && [ -c "$tmp/null" ]' "eval --heatmap/--roc DEVICE: rc $rc, $(ls -l "$tmp/null")"
  "$bin" train "${small[@]}" --epochs 1 --model "$tmp/null" --history "$tmp/null2" --quiet; rc=$?
  check '[ $rc -eq 0 ] && [ -c "$tmp/null" ] && [ -c "$tmp/null2" ]' \
    "train --model/--history DEVICE: rc $rc, $(ls -l "$tmp/null" "$tmp/null2")"
  check '[ ! -e "$tmp/null.lock" ] && [ "$(tmps null)" -eq 0 ]' "a device got a lock or temporary file"
fi
mkfifo "$tmp/fifo"
timeout 20 cat "$tmp/fifo" >"$tmp/fifo.png" &
reader=$!
"$bin" show-pairs --data "$data" --count 2 --out "$tmp/fifo" >/dev/null; rc=$?
# A reader still waiting means the FIFO was replaced: end it.
{ sleep 2; kill "$reader" 2>/dev/null; } &
wait "$reader"
check '[ $rc -eq 0 ] && [ -p "$tmp/fifo" ] && png_sig "$tmp/fifo.png"' \
  "show-pairs --out FIFO: rc $rc, $(ls -l "$tmp/fifo"), the reader got $(wc -c <"$tmp/fifo.png") bytes"

# --- links are followed, permissions kept ------------------------------------
ln -s real.png "$tmp/link.png" # relative: from the link's folder
"$bin" show-pairs --data "$data" --count 2 --out "$tmp/link.png" >/dev/null
check '[ -L "$tmp/link.png" ] && png_sig "$tmp/real.png"' \
  "show-pairs through a symlink: $(ls -l "$tmp/link.png" "$tmp/real.png" 2>&1)"
cp "$tmp/m.siam" "$tmp/real.siam"
ln -s "$tmp/real.siam" "$tmp/link.siam"
"$bin" train --resume --epochs 2 --threads 1 --data "$data" --model "$tmp/link.siam" --quiet
check '[ -L "$tmp/link.siam" ] && ! cmp -s "$tmp/real.siam" "$tmp/m.siam"' \
  "train --model SYMLINK: link replaced or target not updated: $(ls -l "$tmp/link.siam")"
check '[ ! -e "$tmp/real.siam.lock" ] && [ ! -e "$tmp/link.siam.lock" ]' "lock file left behind"
cp "$tmp/m.siam" "$tmp/m600.siam"
chmod 600 "$tmp/m600.siam"
"$bin" train --resume --epochs 2 --threads 1 --data "$data" --model "$tmp/m600.siam" --quiet
check '[ "$(stat -c %a "$tmp/m600.siam")" = 600 ] && ! cmp -s "$tmp/m600.siam" "$tmp/m.siam"' \
  "a 600 model became $(stat -c %a "$tmp/m600.siam") (or was not rewritten)"
echo old >"$tmp/p600.png"
chmod 600 "$tmp/p600.png"
"$bin" show-pairs --data "$data" --count 2 --out "$tmp/p600.png" >/dev/null
check '[ "$(stat -c %a "$tmp/p600.png")" = 600 ] && png_sig "$tmp/p600.png"' \
  "a 600 picture became $(stat -c %a "$tmp/p600.png")"

# --- an output that is an input: refused, exit 2, before any work ------------
# same NAME ARGS...: expects exit 2, nothing on stdout, one line on stderr
# saying "same file", and the model and the data copy unchanged.
mkdir "$tmp/data"
for f in "$data"/*; do ln -s "$f" "$tmp/data/"; done
rm "$tmp/data/t10k-labels-idx1-ubyte.gz"
cp "$data/t10k-labels-idx1-ubyte.gz" "$tmp/data/"
ln "$tmp/data/t10k-labels-idx1-ubyte.gz" "$tmp/hardlink.gz"
same() {
  local name=$1
  shift
  "$bin" "$@" >"$tmp/same.out" 2>"$tmp/same.err"; rc=$?
  check '[ $rc -eq 2 ] && [ ! -s "$tmp/same.out" ] && [ "$(lines "$tmp/same.err")" -eq 1 ] &&
    grep -q "same file" "$tmp/same.err"' "$name: rc $rc, $(cat "$tmp/same.out" "$tmp/same.err")"
  check 'cmp -s "$tmp/m.siam" "$tmp/m.orig" &&
    cmp -s "$tmp/data/t10k-labels-idx1-ubyte.gz" "$data/t10k-labels-idx1-ubyte.gz"' \
    "$name: an input was overwritten"
  # (put back, so that a failure here cannot spoil the cases below)
  cp "$tmp/m.orig" "$tmp/m.siam"
  cp "$data/t10k-labels-idx1-ubyte.gz" "$tmp/data/"
}
same "show-pairs --model m --out m" show-pairs --data "$data" --model "$tmp/m.siam" --out "$tmp/m.siam"
same "eval --model m --heatmap m" eval --data "$data" --model "$tmp/m.siam" --heatmap "$tmp/m.siam"
same "eval --model m --roc ./m" eval --data "$data" --model "$tmp/m.siam" --roc "$tmp/./m.siam"
same "train --model m --history m" train "${small[@]}" --epochs 1 --model "$tmp/m.siam" --history "$tmp/m.siam"
same "train --model n --history n (new)" train "${small[@]}" --epochs 1 --model "$tmp/n.siam" --history "$tmp/n.siam"
check '[ ! -e "$tmp/n.siam" ]' "train --model n --history n wrote n"
same "show-pairs --out DATA/t10k-labels" show-pairs --data "$tmp/data" \
  --out "$tmp/data/t10k-labels-idx1-ubyte.gz"
same "show-pairs --out HARDLINK-TO-DATA" show-pairs --data "$tmp/data" --out "$tmp/hardlink.gz"
same "eval --heatmap x --roc x" eval --data "$data" --model "$tmp/m.siam" --heatmap "$tmp/x.png" \
  --roc "$tmp/x.png"

# --- one train per model -------------------------------------------------------
"$bin" train "${small[@]}" --train-pairs 60000 --epochs 3 --model "$tmp/busy.siam" \
  >"$tmp/busy.out" 2>&1 &
first=$!
waitfor 'grep -q "^Train on" "$tmp/busy.out"'
start=$(date +%s%N)
out=$("$bin" train "${small[@]}" --epochs 1 --model "$tmp/busy.siam" 2>&1); rc=$?
ms=$((($(date +%s%N) - start) / 1000000))
check '[ $rc -eq 1 ] && [[ "$out" == *"busy.siam is being trained by process $first (lock $tmp/busy.siam.lock)"* ]]' \
  "second train on a busy model: rc $rc, '$out' (first is $first)"
check '[ "$(echo "$out" | wc -l)" -eq 1 ] && [[ "$out" != *"Train on"* ]] && [ $ms -lt 1500 ]' \
  "second train: not one line at once (${ms} ms): $out"
kill -TERM "$first"
wait "$first"; rc=$?
# "Train on" is printed once signals are deferred: the train saves, exits 130
check '[ $rc -eq 130 ] && [ ! -e "$tmp/busy.siam.lock" ] && [ "$(tmps busy.siam)" -eq 0 ]' \
  "the first train: rc $rc (want 130), left its lock or a temporary file: $(ls "$tmp" | grep busy)"
if command -v flock >/dev/null; then
  flock "$tmp/held.siam.lock" sleep 3 &
  holder=$!
  waitfor '[ -e "$tmp/held.siam.lock" ]'
  sleep 0.2
  out=$("$bin" train "${small[@]}" --epochs 1 --model "$tmp/held.siam" 2>&1); rc=$?
  check '[ $rc -eq 1 ] && [[ "$out" == *"held.siam is being trained by another process"* ]]' \
    "train on a model locked by flock(1): rc $rc, $out"
  kill "$holder" 2>/dev/null
  wait "$holder" 2>/dev/null
fi
# The holder removes its model's stale temporary files, and only those.
for f in st.siam.tmp-abc123 st.siam.tmp-abc12 st.siam.tmp-abc1234 other.siam.tmp-abc123 st.siam.tmpXabc123; do
  echo stale >"$tmp/$f"
done
"$bin" train "${small[@]}" --epochs 1 --model "$tmp/st.siam" --quiet
check '[ ! -e "$tmp/st.siam.tmp-abc123" ]' "the stale st.siam.tmp-abc123 was not removed"
check '[ -e "$tmp/st.siam.tmp-abc12" ] && [ -e "$tmp/st.siam.tmp-abc1234" ] &&
  [ -e "$tmp/other.siam.tmp-abc123" ] && [ -e "$tmp/st.siam.tmpXabc123" ]' \
  "a file that is not a stale temporary file of st.siam was removed: $(ls "$tmp" | grep tmp)"

# Two writers of one picture with the same PID (each PID 1 in its own PID
# namespace, as in containers): unique temporary names keep them apart.
if [ "$(id -u)" -ne 0 ] || ! unshare --pid --fork true 2>/dev/null; then
  echo "SKIP: two writers with one PID (unshare --pid needs root)"
else
  for i in 1 2; do
    SIAMESE_TEST_WRITE_DELAY_MS=1500 unshare --pid --fork "$bin" show-pairs --data "$data" \
      --count 2 --out "$tmp/twin.png" >/dev/null 2>"$tmp/twin$i.err" &
    twin[i]=$!
  done
  wait "${twin[1]}"; rc1=$?
  wait "${twin[2]}"; rc2=$?
  check '[ $rc1 -eq 0 ] && [ $rc2 -eq 0 ] && png_sig "$tmp/twin.png" && [ "$(tmps twin.png)" -eq 0 ]' \
    "two writers with PID 1: rc $rc1 and $rc2, $(cat "$tmp/twin1.err" "$tmp/twin2.err")"
fi

# --- folders and empty names: refused before any work -----------------------
mkdir "$tmp/dir"
# early NAME STATUS ARGS...: expects STATUS, one line naming the option, and
# nothing on stdout (no report, no "Train on").
early() {
  local name=$1 want=$2 opt=$3
  shift 3
  "$bin" "$@" >"$tmp/early.out" 2>"$tmp/early.err"; rc=$?
  check '[ $rc -eq $want ] && [ ! -s "$tmp/early.out" ] && [ "$(lines "$tmp/early.err")" -eq 1 ] &&
    grep -q -- "$opt" "$tmp/early.err"' "$name: rc $rc (want $want), $(cat "$tmp/early.out" "$tmp/early.err")"
}
early "train --model DIR" 1 --model train "${small[@]}" --epochs 1 --model "$tmp/dir"
early "train --history DIR" 1 --history train "${small[@]}" --epochs 1 --model "$tmp/h.siam" \
  --history "$tmp/dir"
early "train --model ''" 2 --model train "${small[@]}" --epochs 1 --model ""
early "train --history ''" 2 --history train "${small[@]}" --epochs 1 --model "$tmp/h.siam" --history ""
early "train --model -" 2 --model train "${small[@]}" --epochs 1 --model -
early "eval --heatmap DIR" 1 --heatmap eval --data "$data" --model "$tmp/m.siam" --heatmap "$tmp/dir"
early "eval --roc ''" 2 --roc eval --data "$data" --model "$tmp/m.siam" --roc ""
early "show-pairs --out DIR" 1 --out show-pairs --data "$data" --out "$tmp/dir"
early "show-pairs --out ''" 2 --out show-pairs --data "$data" --out ""
# a picture named as another image format would be PNG bytes under a lying name
early "show-pairs --out x.JPG" 2 "--out $tmp/x.JPG: the picture is written as PNG, not JPEG" \
  show-pairs --data "$data" --out "$tmp/x.JPG"
early "eval --roc r.tiff" 2 "--roc $tmp/r.tiff: the picture is written as PNG, not TIFF" \
  eval --data "$data" --model "$tmp/m.siam" --roc "$tmp/r.tiff"
check '[ ! -e "$tmp/x.JPG" ] && [ ! -e "$tmp/r.tiff" ]' "a refused picture was written"
check '[ ! -e "$tmp/h.siam" ]' "a refused train wrote its model"

# --- "-" is standard output for pictures; the text then goes to stderr -------
"$bin" show-pairs --data "$data" --count 2 --out - >"$tmp/stdout.png" 2>"$tmp/stdout.err"; rc=$?
check '[ $rc -eq 0 ] && png_sig "$tmp/stdout.png" && grep -q "^wrote -: 2 train pairs" "$tmp/stdout.err"' \
  "show-pairs --out -: rc $rc, $(cat "$tmp/stdout.err")"
"$bin" eval --data "$data" --model "$tmp/m.siam" --json --roc - >"$tmp/roc.png" 2>"$tmp/roc.err"; rc=$?
check '[ $rc -eq 0 ] && png_sig "$tmp/roc.png" && [ "$(head -c 1 "$tmp/roc.err")" = "{" ]' \
  "eval --roc -: rc $rc, the report is not on stderr: $(head -c 300 "$tmp/roc.err")"

# --- signals while a file is written: no temporary file left ------------------
# signal_during NAME SIGNAL STATUS FILE ARGS...: runs ARGS with each write
# held 3 s, sends SIGNAL once FILE's temporary file exists, expects STATUS.
# FILE.tmp-XXXXXX is made only by the real save (the check that an output
# can be written, before any work, uses FILE.probe-XXXXXX), and the signal
# handlers are installed before either.
default_signals=
if env --default-signal=HUP true 2>/dev/null; then
  default_signals="env --default-signal=HUP,INT,TERM"
fi
signal_during() {
  local name=$1 sig=$2 want=$3 file=$4
  shift 4
  # The signals at their defaults whatever this test inherited (a CI run
  # under nohup ignores SIGHUP, and an ignored SIGHUP stays ignored).
  SIAMESE_TEST_WRITE_DELAY_MS=3000 $default_signals "$bin" "$@" >/dev/null 2>"$tmp/sig.err" &
  local pid=$!
  waitfor '[ "$(tmps "$file")" -gt 0 ]' || bad "$name: no temporary file of $file appeared"
  check '[ "$(ls -a "$tmp" | grep -c "$file\.probe-")" -eq 0 ]' "$name: the probe file is still there"
  kill -"$sig" "$pid"
  wait "$pid" 2>/dev/null; rc=$?
  check '[ $rc -eq $want ] && [ "$(tmps "$file")" -eq 0 ]' \
    "$name: rc $rc (want $want), temporary files left: $(ls "$tmp" | grep "$file.tmp") $(cat "$tmp/sig.err")"
}
signal_during "show-pairs, SIGTERM" TERM 143 sig.png show-pairs --data "$data" --count 2 --out "$tmp/sig.png"
check '[ ! -e "$tmp/sig.png" ]' "show-pairs killed by SIGTERM still wrote sig.png"
signal_during "eval --heatmap, SIGHUP" HUP 129 sig2.png eval --data "$data" --model "$tmp/m.siam" \
  --heatmap "$tmp/sig2.png"
signal_during "eval --roc, SIGINT" INT 130 sig3.png eval --data "$data" --model "$tmp/m.siam" \
  --roc "$tmp/sig3.png"
# train: the first SIGHUP lets the save finish (exit 130, the model loads);
signal_during "train, SIGHUP" HUP 130 hup.siam train "${small[@]}" --epochs 3 --model "$tmp/hup.siam"
check '"$bin" train --resume --epochs 1 --data "$data" --model "$tmp/hup.siam" --quiet' \
  "the model saved on SIGHUP does not load"
check 'grep -q "Continue with" "$tmp/sig.err"' "train on SIGHUP: no resume hint: $(cat "$tmp/sig.err")"
# a second signal (SIGHUP then SIGTERM) stops at once and removes the save.
SIAMESE_TEST_WRITE_DELAY_MS=3000 $default_signals "$bin" train "${small[@]}" --epochs 3 --model "$tmp/hup2.siam" \
  >/dev/null 2>"$tmp/hup2.err" &
pid=$!
waitfor '[ "$(tmps hup2.siam)" -gt 0 ]' || bad "train, SIGHUP then SIGTERM: no save of hup2.siam began"
kill -HUP "$pid"
sleep 0.3
kill -TERM "$pid"
wait "$pid"; rc=$?
check '[ $rc -eq 130 ] && [ "$(tmps hup2.siam)" -eq 0 ] && [ ! -e "$tmp/hup2.siam" ] &&
  grep -q "interrupted again" "$tmp/hup2.err"' \
  "train, SIGHUP then SIGTERM: rc $rc, $(ls "$tmp" | grep hup2) $(cat "$tmp/hup2.err")"
# Under nohup (SIGHUP ignored when the process starts) a SIGHUP changes
# nothing, for every command (export once re-installed its own handler).
(trap '' HUP && SIAMESE_TEST_WRITE_DELAY_MS=1500 exec "$bin" show-pairs --data "$data" --count 2 \
  --out "$tmp/nohup.png") >/dev/null 2>"$tmp/nohup.err" &
pid=$!
waitfor '[ "$(tmps nohup.png)" -gt 0 ]' || bad "show-pairs under nohup: no save began"
kill -HUP "$pid"
wait "$pid"; rc=$?
check '[ $rc -eq 0 ] && png_sig "$tmp/nohup.png"' "show-pairs under nohup, SIGHUP: rc $rc $(cat "$tmp/nohup.err")"

# --- standard output: full, over the size limit, closed -----------------------
# wfail NAME REDIRECT ARGS...: expects exit 1 and one line on stderr (with
# --out -, one error line after the list of pairs).
wfail() {
  local name=$1 how=$2
  shift 2
  case $how in
    full) "$bin" "$@" >/dev/full 2>"$tmp/w.err" ;;
    limit) (ulimit -f 2; "$bin" "$@" >"$tmp/w.out" 2>"$tmp/w.err") ;;
    closed) "$bin" "$@" >&- 2>"$tmp/w.err" ;;
  esac
  rc=$?
  local n
  n=$(lines "$tmp/w.err")
  [[ "$name" == *"--out -"* ]] && n=$(grep -c "^siamese" "$tmp/w.err")
  check '[ $rc -eq 1 ] && [ "$n" -eq 1 ]' \
    "$name, stdout $how: rc $rc, stderr: $(head -c 300 "$tmp/w.err")"
}
ev=(eval --data "$data" --model "$tmp/m.siam")
for how in full limit closed; do
  wfail "eval --json --sweep" $how "${ev[@]}" --json --sweep
done
wfail "--help" full --help
wfail "--help" closed --help
wfail "eval (text)" full "${ev[@]}"
check 'grep -q "^siamese: write error on standard output: No space left on device$" "$tmp/w.err"' \
  "eval > /dev/full: $(cat "$tmp/w.err")"
wfail "show-pairs" full show-pairs --data "$data" --count 2 --out "$tmp/w.png"
wfail "show-pairs" closed show-pairs --data "$data" --count 2 --out "$tmp/w.png"
wfail "show-pairs --out -" full show-pairs --data "$data" --count 2 --out -
wfail "show-pairs --out -" limit show-pairs --data "$data" --count 2 --out -
wfail "bench --help" full bench --help
wfail "bench --help" closed bench --help
wfail "--version" closed --version
wfail "train" closed train "${small[@]}" --epochs 2 --model "$tmp/w.siam"
wfail "train" full train "${small[@]}" --epochs 2 --model "$tmp/w.siam"
check 'grep -q "write error on standard output: No space left on device" "$tmp/w.err"' \
  "train > /dev/full: $(cat "$tmp/w.err")"
# A reader that stops early is no error to report (SIGPIPE, as for cat).
"$bin" "${ev[@]}" --sweep 2>"$tmp/pipe.err" | head -1 >/dev/null
check '[ ! -s "$tmp/pipe.err" ]' "eval | head -1: $(cat "$tmp/pipe.err")"

finish
