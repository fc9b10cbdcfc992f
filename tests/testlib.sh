# testlib.sh - what the shell tests share; source it after setting
# bin=PATH/TO/siamese. It sets $data (the Fashion-MNIST folder: a missing
# dataset skips with 77 outside CI and fails in CI), $tmp (a folder removed
# on exit), and the counters: ok, bad MESSAGE, check 'CONDITION' MESSAGE,
# finish (prints "N passed, M failed", the status is the verdict).
data=${SIAMESE_DATA:-/usr/share/datasets/fashion-mnist}
if [ ! -f "$data/train-images-idx3-ubyte.gz" ]; then
  if [ "${CI:-}" = true ]; then echo "FAIL: no Fashion-MNIST in $data (CI needs it)"; exit 1; fi
  echo "SKIP: no Fashion-MNIST in $data"; exit 77
fi
tmp=$(mktemp -d /tmp/siamese-test-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }
check() { if eval "$1"; then ok; else bad "$2"; fi; }
finish() {
  echo "$pass passed, $fail failed"
  [ "$fail" -eq 0 ]
}
