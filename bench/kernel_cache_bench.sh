#!/usr/bin/env bash
# How fast is a repeated kernel build? Compares, in one run, `tailor kernel
# build` answered from the cache against the reference: kbuild's own no-op
# rebuild (`make bzImage` in an already-built O= tree). Prints the median of
# several runs of each and their ratio. Builds the small kernel first if the
# cache does not have it.
#
#   bench/kernel_cache_bench.sh [RUNS]     (default 7)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-7}
tailor=build/tailor
args=(kernel build --base tinyconfig --config image-builder/configs/small.config)
"$tailor" "${args[@]}" >/dev/null

median() { sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
now() { date +%s.%N; }

hits=()
for ((i = 0; i < runs; i++)); do
  t0=$(now); "$tailor" "${args[@]}" -o /tmp/tailor-bench-out >/dev/null; t1=$(now)
  hits+=("$(echo "$t1 - $t0" | bc -l)")
done

# The reference: kbuild's no-op rebuild in a private O= tree holding the same
# .config (built once, through ccache, on the first run of this script).
cache=${TAILOR_CACHE:-$HOME/.cache/tailor}
src=$("$tailor" kernel source 2>/dev/null)
obj=$cache/bench-obj/kernel-cache
mkdir -p "$obj"
"$tailor" "${args[@]}" -o /tmp/tailor-bench-out >/dev/null
cmp -s /tmp/tailor-bench-out/.config "$obj/.config" || cp /tmp/tailor-bench-out/.config "$obj/.config"
echo "preparing the reference O= tree (slow the first time)..." >&2
make -s -C "$src" O="$obj" ARCH=x86_64 CC="ccache gcc" -j"$(nproc)" olddefconfig bzImage >/dev/null 2>&1
makes=()
for ((i = 0; i < (runs < 3 ? runs : 3); i++)); do
  t0=$(now)
  KBUILD_BUILD_TIMESTAMP="Thu Jan  1 00:00:00 UTC 1970" KBUILD_BUILD_USER=tailor KBUILD_BUILD_HOST=tailor \
    KBUILD_BUILD_VERSION=1 make -s -C "$src" O="$obj" ARCH=x86_64 CC="ccache gcc" -j"$(nproc)" bzImage >/dev/null 2>&1 || true
  t1=$(now)
  makes+=("$(echo "$t1 - $t0" | bc -l)")
done

m_hit=$(printf '%s\n' "${hits[@]}" | median)
m_make=$(printf '%s\n' "${makes[@]}" | median)
printf 'machine: %s, %s CPUs\n' "$(uname -n)" "$(nproc)"
printf '%-46s %8.3f s (median of %d)\n' "tailor kernel build, cache hit (+ -o copy)" "$m_hit" "${#hits[@]}"
printf '%-46s %8.3f s (median of %d)\n' "make bzImage, no-op rebuild in built O= tree" "$m_make" "${#makes[@]}"
printf 'ratio: tailor cache hit is %.0fx faster than a no-op kbuild\n' "$(echo "$m_make / $m_hit" | bc -l)"
