#!/usr/bin/env bash
# measure_near.sh - `inspect --score patch` with --near and --pixels
# (issue 19's local defects): for each setting NEAR:PIXELS[:BANK], the mean
# over the five classes of scripts/make_defects.py's local defects (the
# folder scripts/inspect_transfer.sh left in WORK, conv model of group A)
# of the image AUROC, the pixel AUROC and each defect kind's image AUROC,
# and the CPU seconds of the five runs; then the issue's speed run (1,000
# test Sandals against the 6,000 training Sandals, calibration included):
# CPU seconds, wall seconds and peak RSS on THREADS threads (default 2).
#
#   usage: scripts/measure_near.sh WORK [NEAR:PIXELS[:BANK] ...]
#   default settings: any:0 any:1 0:0 0:0.5 0:1 0:2 1:0 1:1 (bank: the
#   default of each --near). Prints a Markdown table on stdout; progress
#   on stderr.
set -eu
work=${1:?usage: measure_near.sh WORK [NEAR:PIXELS[:BANK] ...]}
shift
sets=("$@")
[ ${#sets[@]} -gt 0 ] || sets=(any:0 any:1 0:0 0:0.5 0:1 0:2 1:0 1:1)
root=$(cd "$(dirname "$0")/.." && pwd)
bin=${SIAMESE:-$root/build/siamese}
threads=${THREADS:-2}
model=$work/conv-A.siam
for f in conv-A.siam defects fashion/train/Sandal fashion/test/Sandal; do
  [ -e "$work/$f" ] || { echo "measure_near.sh: $work/$f missing: run scripts/inspect_transfer.sh $work first" >&2; exit 1; }
done
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
speed=$tmp/speed
mkdir -p "$speed/images"
ln -s "$work/fashion/train/Sandal" "$speed/reference"
ln -s "$work/fashion/test/Sandal" "$speed/images/good"
# inspect's options for a setting
opts() { # NEAR:PIXELS[:BANK]
  local near pixels bank
  IFS=: read -r near pixels bank <<<"$1"
  printf '%s\n' --score patch --near "$near" --pixels "$pixels"
  [ -z "$bank" ] || printf '%s\n' --bank "$bank"
}
echo "| --near | --pixels | --bank | image AUROC | pixel AUROC | scratch | blob | missing | defect runs CPU s | speed: CPU s | wall s | peak RSS MiB |"
echo "|---|---|---|---|---|---|---|---|---|---|---|---|"
for s in "${sets[@]}"; do
  echo "$s" >&2
  mapfile -t o < <(opts "$s")
  cpu=0
  for d in "$work"/defects/*/; do
    n=$(basename "$d")
    /usr/bin/time -f "%U %S" -o "$tmp/t" "$bin" inspect --threads "$threads" --reference "$d/train/good" \
      --images "$d/test" --model "$model" "${o[@]}" --threshold 1 --json >"$tmp/$n.json" 2>/dev/null ||
      { echo "inspect failed on $d with $s" >&2; exit 1; }
    cpu=$(awk -v c="$cpu" '{ print c + $1 + $2 }' "$tmp/t")
  done
  /usr/bin/time -f "%U %S %e %M" -o "$tmp/st" "$bin" inspect --threads "$threads" \
    --reference "$speed/reference" --images "$speed/images/good" --model "$model" "${o[@]}" \
    --json >"$tmp/speed.json" 2>/dev/null || { echo "the speed run failed with $s" >&2; exit 1; }
  python3 - "$s" "$cpu" "$tmp/st" "$tmp"/*/ "$tmp"/*.json <<'PY'
import json, sys
s, cpu, st = sys.argv[1], float(sys.argv[2]), open(sys.argv[3]).read().split()
runs = [json.load(open(f)) for f in sys.argv[4:] if f.endswith(".json") and not f.endswith("speed.json")]
mean = lambda v: sum(v) / len(v)
kind = lambda k: mean([t["auroc"] for r in runs for t in r["types"] if t["type"] == k])
near, pixels = s.split(":")[:2]
speed = json.load(open(sys.argv[3].rsplit("/", 1)[0] + "/speed.json"))
print("| %s | %s | %d | %.4f | %.4f | %.4f | %.4f | %.4f | %.1f | %.2f | %.2f | %.0f |" % (
    near, pixels, runs[0]["bank"], mean([r["auroc"] for r in runs]),
    mean([r["pixel_auroc"] for r in runs]), kind("scratch"), kind("blob"), kind("missing"), cpu,
    float(st[0]) + float(st[1]), float(st[2]), float(st[3]) / 1024))
PY
done
