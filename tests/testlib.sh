# testlib.sh - what the shell tests share; source it after setting
# bin=PATH/TO/siamese. It sets $data (the Fashion-MNIST folder: a missing
# dataset skips with 77 outside CI and fails in CI), $tmp (a folder removed
# on exit), $numpy_py (a python3 with NumPy, or empty), and the counters:
# ok, bad MESSAGE, check 'CONDITION' MESSAGE, finish (prints "N passed, M
# failed", the status is the verdict), tool_missing MESSAGE (a check whose
# tool is not installed: a failure under CI=true, where scripts/setup.sh
# has installed every tool the tests use, a printed SKIP elsewhere), and
# counts in $skipped the checks so skipped. A check the CPU cannot run
# (a missing instruction set) is not a missing tool: it skips, printed,
# everywhere.
# Under CI (CI set and not "false", as check.h has it) a missing tool fails.
in_ci() { [ -n "${CI:-}" ] && [ "$CI" != false ]; }
data=${SIAMESE_DATA:-/usr/share/datasets/fashion-mnist}
if [ ! -f "$data/train-images-idx3-ubyte.gz" ]; then
  if in_ci; then echo "FAIL: no Fashion-MNIST in $data (CI needs it)"; exit 1; fi
  echo "SKIP: no Fashion-MNIST in $data"; exit 77
fi
tmp=$(mktemp -d /tmp/siamese-test-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }
check() { if eval "$1"; then ok; else bad "$2"; fi; }
skipped=0
tool_missing() {
  if in_ci; then
    bad "$* (CI=true: every tool the tests use must be installed; scripts/setup.sh does it)"
  else
    skipped=$((skipped + 1))
    echo "SKIP (part): $*"
  fi
}
# Debian's python3-numpy is for /usr/bin/python3; another python3 first on
# PATH (pyenv, a venv) may lack it.
numpy_py=
for cand in /usr/bin/python3 python3; do
  if command -v "$cand" >/dev/null && "$cand" -c 'import numpy' 2>/dev/null; then
    numpy_py=$cand
    break
  fi
done
finish() {
  echo "$pass passed, $fail failed$([ "$skipped" -gt 0 ] && echo ", $skipped skipped (see the SKIP lines)")"
  [ "$fail" -eq 0 ]
}
