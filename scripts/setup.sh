#!/usr/bin/env bash
# setup.sh - install the Debian packages siamese needs (only those missing),
# then configure and build a Release build into build/. Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."

# The tool: compiler, CMake, zlib, OpenBLAS (CBLAS), stb, the data.
# The tests: clang + its runtime (libFuzzer), valgrind, python3 (JSON
# checks, the readers written from the docs), python3-numpy (the NumPy
# checks of test_design_pairs, test_embed and test_npy, run with
# /usr/bin/python3: under CI=true a missing tool fails its test), time
# (scripts/bench.sh).
packages=(build-essential cmake pkg-config zlib1g-dev libopenblas-dev libstb-dev
          dataset-fashion-mnist clang libclang-rt-dev valgrind python3 python3-numpy time)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
    missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}" >&2
  sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi

cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j"$(nproc)" >/dev/null
echo "setup: built build/siamese" >&2
