#!/usr/bin/env bash
# bench_conv.sh - issue 18's speed comparison, in one run: for 1 and 2
# threads, `siamese bench --layers SPEC --steps N` (the median training
# step on the best own kernels and on OpenBLAS, and the step's physical
# floor: its flops at this CPU's FMA peak on those threads), then
# scripts/bench_torch.py's median step of the same network in PyTorch, the
# same batch (128 pairs: 256 images of 28 x 28 grey), alternating so that
# a slow spell of a shared machine hits both. Prints a table: ms per step
# of siamese, of siamese on OpenBLAS and of PyTorch, the floor, siamese /
# floor (the issue's target: at most 1.6 on 2 threads) and PyTorch /
# siamese.
# PyTorch is Debian's python3-torch (1.13) for /usr/bin/python3; without
# it the PyTorch column says so and the rest still runs.
# usage: scripts/bench_conv.sh [SPEC [STEPS [THREADS...]]]
#   default: conv32,pool,conv64,pool,conv128,gap,128, 5 steps (PyTorch: 30), threads 1 2
set -euo pipefail
cd "$(dirname "$0")/.."
spec=${1:-conv32,pool,conv64,pool,conv128,gap,128}
steps=${2:-5}
shift $(($# < 2 ? $# : 2))
threads=("$@")
[ ${#threads[@]} -gt 0 ] || threads=(1 2)
bin=${SIAMESE:-build/siamese}
[ -x "$bin" ] || { echo "bench_conv.sh: no $bin (build first, or set SIAMESE)" >&2; exit 1; }
py=/usr/bin/python3
# PyTorch's step varies by a factor of 2-3 within a run on 2 threads (63 to
# 181 ms on a Zen 5, 2026-12-04), so its median takes 6 times as many steps.
tsteps=$((6 * steps))
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

if [ -x "$py" ] && "$py" -c 'import torch' 2>/dev/null; then
  torch=$("$py" -c 'import torch; print(torch.__version__)')
  echo "PyTorch: $torch ($py, scripts/bench_torch.py)" >&2
else
  torch=
  echo "PyTorch: not found ($py cannot import torch; Debian: apt-get install python3-torch):" \
       "the PyTorch column is left out" >&2
fi

for t in "${threads[@]}"; do
  echo "siamese bench --layers $spec --steps $steps --threads $t" >&2
  "$bin" bench --layers "$spec" --steps "$steps" --threads "$t" >"$tmp/siamese.$t" ||
    { echo "bench_conv.sh: siamese bench failed" >&2; exit 1; }
  if [ -n "$torch" ]; then
    echo "bench_torch.py --layers $spec --threads $t --steps $tsteps" >&2
    "$py" scripts/bench_torch.py --layers "$spec" --threads "$t" --steps $tsteps \
      >"$tmp/torch.$t" || { echo "bench_conv.sh: bench_torch.py failed" >&2; exit 1; }
  fi
done

# A line's number before "ms": the step's time (or floor) in ms.
ms() { awk -v pat="$1" 'index($0, pat) == 1 { for (i = 2; i <= NF; i++) if ($(i + 1) == "ms") { print $i; exit } }' "$2"; }
first=$tmp/siamese.${threads[0]}
kern=$(sed -n 's/^training step, \([a-z0-9]*\) .*/\1/p' "$first" | head -1)
gflop=$(sed -n 's/^physical floor of a step .*(\([0-9.]*\) GFLOP .*/\1/p' "$first")
echo "network $spec, 128 pairs a step, ${gflop} GFLOP a step; $(head -1 "$first" | sed 's/^siamese bench: [0-9]* threads*, //')"
echo "siamese: median of 5 x $steps steps per path (after 1 untimed step a run); PyTorch ${torch:-(none)}: median of $tsteps steps after 3"
printf '%-8s %12s %12s %12s %10s %9s %9s %9s %9s\n' threads "siamese" "openblas" "PyTorch" "floor" "sia/floor" "torch/sia" "GFLOP/s" "FMA peak"
printf '%-8s %12s %12s %12s %10s %9s %9s %9s %9s\n' "" "(${kern}) ms" "ms" "ms" "ms" "" "" "siamese" "GFLOP/s"
for t in "${threads[@]}"; do
  s=$(ms "training step, $kern" "$tmp/siamese.$t")
  b=$(ms "training step, openblas" "$tmp/siamese.$t")
  f=$(ms "physical floor of a step" "$tmp/siamese.$t")
  pk=$(sed -n 's/^FMA peak (.*) *\([0-9.]*\) GFLOP\/s$/\1/p' "$tmp/siamese.$t")
  p=-
  [ -n "$torch" ] && p=$(sed -n 's/^threads [0-9]* (.*): median \([0-9.]*\) ms.*/\1/p' "$tmp/torch.$t")
  awk -v t="$t" -v s="$s" -v b="${b:-$s}" -v p="$p" -v f="$f" -v g="$gflop" -v pk="$pk" 'BEGIN {
    printf "%-8s %12.1f %12.1f %12s %10.1f %9.2f %9s %9.1f %9.1f\n", t, s, b, p == "-" ? "-" : sprintf("%.1f", p),
      f, s / f, p == "-" ? "-" : sprintf("%.2f", p / s), g / s * 1e3, pk }'
done
