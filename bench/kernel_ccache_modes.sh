#!/usr/bin/env bash
# What does ccache cost a kernel build that it cannot help (a cold cache, as on
# a fresh CI machine), and what does it give back on a rebuild? Compiles the
# same directories (kernel/ mm/ fs/) of the small test kernel three ways, in
# one run, in a private O= tree:
#   plain          CC=gcc (the reference)
#   ccache         CC="ccache gcc", ccache's default mode, empty cache
#   ccache-depend  CC="ccache gcc" with CCACHE_DEPEND=true (what tailor uses),
#                  empty cache, then once more with that cache warm
# Prints the median wall time of each over RUNS runs and the ratio to plain.
#
#   bench/kernel_ccache_modes.sh [RUNS]     (default 3; about 3 min per build)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-3}
tailor=build/tailor
root=$PWD
source tests/kernel/test_kernel.sh
cache=${TAILOR_CACHE:-$HOME/.cache/tailor}
work=$cache/bench-obj/ccache-modes
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

echo "building (or fetching from the cache) the test kernel for its .config..." >&2
"$tailor" kernel build "${TEST_KERNEL[@]}" -o "$out" >/dev/null
src=$("$tailor" kernel source 2>/dev/null)
mkdir -p "$work"
rm -rf "$work/obj"
mkdir -p "$work/obj"
cp "$out/.config" "$work/obj/.config"
export KBUILD_BUILD_TIMESTAMP="Thu Jan  1 00:00:00 UTC 1970" KBUILD_BUILD_USER=tailor KBUILD_BUILD_HOST=tailor
kmake() { make -s -C "$src" O="$work/obj" ARCH=x86_64 -j"$(nproc)" "$@"; }
echo "preparing the O= tree..." >&2
kmake olddefconfig >/dev/null
kmake prepare >/dev/null 2>&1

now() { date +%s.%N; }
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
# build NAME [make args...]: compiles kernel/ mm/ fs/ from scratch; prints seconds.
build() {
  find "$work/obj/kernel" "$work/obj/mm" "$work/obj/fs" -name '*.o' -delete
  local t0 t1
  t0=$(now)
  kmake "$@" kernel/ mm/ fs/ >/dev/null 2>"$work/last.err" || { cat "$work/last.err" >&2; exit 1; }
  t1=$(now)
  echo "$t1 - $t0" | bc -l
}

declare -A times
for ((i = 0; i < runs; i++)); do
  echo "run $((i + 1))/$runs..." >&2
  times[plain]+="$(build) "
  rm -rf "$work/ccache"
  times[ccache]+="$(CCACHE_DIR=$work/ccache build CC="ccache gcc") "
  rm -rf "$work/ccache"
  times[ccache-depend]+="$(CCACHE_DIR=$work/ccache CCACHE_DEPEND=true build CC="ccache gcc") "
  times[ccache-depend-warm]+="$(CCACHE_DIR=$work/ccache CCACHE_DEPEND=true build CC="ccache gcc") "
done
rm -rf "$work/ccache"

printf 'machine: %s, %s CPUs; %s; compiling kernel/ mm/ fs/ of the test kernel, median of %d\n' \
  "$(uname -n)" "$(nproc)" "$(ccache --version | head -1)" "$runs"
m_plain=$(printf '%s\n' ${times[plain]} | median)
declare -A label=([plain]="gcc" [ccache]="ccache, default mode, empty cache"
                  [ccache-depend]="ccache, depend mode, empty cache"
                  [ccache-depend-warm]="ccache, depend mode, warm cache")
for mode in plain ccache ccache-depend ccache-depend-warm; do
  m=$(printf '%s\n' ${times[$mode]} | median)
  printf '%-36s %8.1f s  %5.2fx gcc\n' "${label[$mode]}" "$m" "$(echo "$m / $m_plain" | bc -l)"
done
