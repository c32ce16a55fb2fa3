#!/usr/bin/env bash
# A repeated build of the fixture's inputs is answered from the cache (no
# make runs) and returns byte-identical artifacts. Timing lives in
# bench/kernel_cache_bench.sh, not here.
#
#   cache_hit.sh TAILOR_BINARY FIXTURE_DIR
set -euo pipefail
tailor=$1
fixture=$2
root=$(cd "$(dirname "$0")/../.." && pwd)
out=$(mktemp -d /tmp/tailor-cache-hit.XXXXXX)
trap 'rm -rf "$out"' EXIT
source "$root/tests/kernel/test_kernel.sh"
"$tailor" kernel build "${TEST_KERNEL[@]}" --json -o "$out" > "$out/result.json"
grep -q '"cache_hit": true' "$out/result.json" || { cat "$out/result.json"; echo "FAIL: not a cache hit"; exit 1; }
for f in bzImage vmlinux System.map .config; do
  cmp "$fixture/kernel/$f" "$out/$f" || { echo "FAIL: $f differs from the first build"; exit 1; }
done
"$tailor" kernel cache list | grep -q "$(grep -o '"key": "[0-9a-f]*' "$out/result.json" | cut -c9-24)" ||
  { echo "FAIL: entry not listed by 'kernel cache list'"; exit 1; }
echo "PASS: cache hit, identical artifacts, entry listed"
