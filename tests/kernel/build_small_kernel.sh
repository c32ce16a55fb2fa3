#!/usr/bin/env bash
# CTest fixture: builds the test kernel (test_kernel.sh) once for every test
# that needs it, and proves on the way that two builds of the same inputs at once
# are safe: both succeed, give identical files, and at most one really builds.
#
#   build_small_kernel.sh TAILOR_BINARY OUT_DIR
set -euo pipefail
tailor=${1:?usage: build_small_kernel.sh TAILOR_BINARY OUT_DIR}
out=${2:?usage: build_small_kernel.sh TAILOR_BINARY OUT_DIR}
root=$(cd "$(dirname "$0")/../.." && pwd)
mkdir -p "$out"
source "$root/tests/kernel/test_kernel.sh"
args=(kernel build "${TEST_KERNEL[@]}" --strict --json)

"$tailor" "${args[@]}" -o "$out/a" > "$out/a.json" 2> "$out/a.err" & pid_a=$!
sleep 0.2
"$tailor" "${args[@]}" -o "$out/b" > "$out/b.json" 2> "$out/b.err" & pid_b=$!
rc=0
wait $pid_a || rc=$?
wait $pid_b || rc=$((rc + $?))
cat "$out/a.err" "$out/b.err"
[[ $rc -eq 0 ]] || { echo "FAIL: concurrent builds failed"; exit 1; }

for f in bzImage vmlinux System.map .config; do
  cmp "$out/a/$f" "$out/b/$f" || { echo "FAIL: $f differs between the two builds"; exit 1; }
done
built=$(cat "$out/a.json" "$out/b.json" | grep -c '"cache_hit": false' || true)
[[ $built -le 1 ]] || { echo "FAIL: both concurrent runs built the kernel"; exit 1; }
rm -rf "$out/kernel" && mv "$out/a" "$out/kernel" && rm -rf "$out/b"
echo "PASS: small kernel ready in $out/kernel ($built of 2 concurrent runs built it)"
