#!/usr/bin/env bash
# make_golden.sh - refreshes tests/golden/ (the outputs test_golden.sh
# holds the code to) from a binary, after a deliberate change of
# behaviour. Run it on a CPU with AVX-512 so every kernel path is written.
# usage: scripts/make_golden.sh [SIAMESE_BINARY [DATA_DIR]]
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-build/siamese}
data=${2:-${SIAMESE_DATA:-/usr/share/datasets/fashion-mnist}}
rm -rf tests/golden
bash tests/golden_runs.sh "$bin" "$data" tests/golden
if [ -s tests/golden/SKIPPED ]; then
  echo "make_golden.sh: this CPU lacks $(tr '\n' ' ' <tests/golden/SKIPPED); run it where it has them" >&2
  exit 1
fi
rm -f tests/golden/SKIPPED
echo "tests/golden: $(ls tests/golden | wc -l) files"
