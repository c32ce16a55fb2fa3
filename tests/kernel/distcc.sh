#!/usr/bin/env bash
# Distributed compiles and ccache's shared store (issue 19): two distccd
# daemons and a redis-server on loopback ports, started and stopped here.
# `tailor kernel build --distcc HOSTS --remote-cache redis://...` compiles
# the test kernel (test_kernel.sh) through ccache (an empty CCACHE_DIR of the
# test's own, so every compile is a miss) with distcc as ccache's prefix. It
# passes when distcc's own statistics (each daemon's --stats page) show
# compiles done by both daemons and none failed; when ccache's statistics
# show it looked each miss up in the remote store and the store holds the
# results it wrote (what a second machine would hit); and when the kernel is
# byte-identical to the kernel_small fixture's local build with the same
# cache key. The build goes into an empty tailor cache of its own (the
# fixture's tree is used in place): one kernel build of CI time.
#
#   distcc.sh TAILOR_BINARY WORK_DIR
set -euo pipefail
tailor=${1:?usage: distcc.sh TAILOR_BINARY WORK_DIR}
work=${2:?usage: distcc.sh TAILOR_BINARY WORK_DIR}
root=$(cd "$(dirname "$0")/../.." && pwd)
for p in distcc distccd ccache redis-server redis-cli python3; do
  command -v $p > /dev/null || { echo "SKIP: $p is not installed (./setup.sh installs it)"; exit 77; }
done
rm -rf "$work"
mkdir -p "$work"

# Free loopback ports: the kernel picks them, we release and use them at once.
read -r -a ports < <(/usr/bin/python3 -c '
import socket
ss = [socket.socket() for _ in range(5)]
for s in ss: s.bind(("127.0.0.1", 0))
print(" ".join(str(s.getsockname()[1]) for s in ss))')

# Each daemon lives at most 40 minutes (timeout) and is stopped on any exit.
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2> /dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2> /dev/null || true; done
}
trap cleanup EXIT
for i in 0 1; do
  timeout 2400 distccd --daemon --no-detach --listen 127.0.0.1 --allow 127.0.0.1 --port "${ports[$i]}" --jobs 2 \
    --stats --stats-port "${ports[$((i + 2))]}" --log-stderr --log-level warning 2> "$work/distccd-$i.log" &
  pids+=($!)
done
stats() {  # stats PORT: the daemon's statistics page
  /usr/bin/python3 -c 'import sys, urllib.request
print(urllib.request.urlopen("http://127.0.0.1:" + sys.argv[1] + "/", timeout=10).read().decode())' "$1"
}
for i in 0 1; do
  for _ in $(seq 50); do stats "${ports[$((i + 2))]}" > /dev/null 2>&1 && break; sleep 0.2; done
  stats "${ports[$((i + 2))]}" > /dev/null || { cat "$work/distccd-$i.log"; echo "FAIL: distccd $i did not start"; exit 1; }
done
hosts="127.0.0.1:${ports[0]}/2 127.0.0.1:${ports[1]}/2"
# ccache's remote store, as another machine would share it.
timeout 2400 redis-server --bind 127.0.0.1 --port "${ports[4]}" --save '' --appendonly no --dir "$work" \
  > "$work/redis.log" 2>&1 &
pids+=($!)
rcli() { redis-cli -h 127.0.0.1 -p "${ports[4]}" "$@"; }
for _ in $(seq 50); do [[ $(rcli ping 2> /dev/null) == PONG ]] && break; sleep 0.2; done
[[ $(rcli ping) == PONG ]] || { cat "$work/redis.log"; echo "FAIL: redis-server did not start"; exit 1; }
export CCACHE_DIR=$work/ccache
mkdir -p "$CCACHE_DIR"

source "$root/tests/kernel/test_kernel.sh"
src=$("$tailor" kernel source)  # the fixture's tree, from the shared cache
start=$(date +%s)
"$tailor" --cache "$work/cache" kernel build --kernel-src "$src" "${TEST_KERNEL[@]}" \
  --distcc "$hosts" --remote-cache "redis://127.0.0.1:${ports[4]}" --json -o "$work/kernel" > "$work/build.json"
echo "distcc build: $(( $(date +%s) - start )) s"

ok=()
for i in 0 1; do
  page=$(stats "${ports[$((i + 2))]}")
  n=$(sed -n 's/^dcc_compile_ok \([0-9]*\)$/\1/p' <<< "$page")
  err=$(sed -n 's/^dcc_compile_error \([0-9]*\)$/\1/p' <<< "$page")
  echo "distccd $i (port ${ports[$i]}): dcc_compile_ok $n, dcc_compile_error $err"
  [[ ${n:-0} -gt 0 ]] || { echo "FAIL: distccd $i compiled nothing"; exit 1; }
  [[ ${err:-0} -eq 0 ]] || { echo "FAIL: distccd $i reports failed compiles"; exit 1; }
  ok+=("$n")
done
# ccache's own statistics: every miss looked up in the remote store, the
# results written there (ccache 4.7 counts remote lookups, not writes).
ccache --print-stats > "$work/ccache-stats.txt"
stat() { sed -n "s/^$1\t\([0-9]*\)$/\1/p" "$work/ccache-stats.txt"; }
misses=$(stat cache_miss)
remote_misses=$(stat remote_storage_miss)
remote_errors=$(( $(stat remote_storage_error) + $(stat remote_storage_timeout) ))
keys=$(rcli dbsize)
echo "ccache: $misses misses, $remote_misses remote lookups that missed, $remote_errors remote errors; store: $keys keys"
[[ ${remote_misses:-0} -gt 0 ]] || { echo "FAIL: ccache never asked its remote store"; exit 1; }
[[ $remote_errors -eq 0 ]] || { echo "FAIL: ccache's remote store reported errors"; exit 1; }
[[ ${keys:-0} -ge ${misses:-1} ]] || { echo "FAIL: the store holds $keys entries for $misses compiles"; exit 1; }
grep -q '"cache_hit": false' "$work/build.json" || { echo "FAIL: the distcc build came from a cache"; exit 1; }
/usr/bin/python3 - "$work/build.json" "$work/cache" <<'PY'
import json, pathlib, sys
b = json.load(open(sys.argv[1]))
meta = json.loads((pathlib.Path(sys.argv[2]) / "kernels" / b["key"] / "build.json").read_text())
assert meta["distributor"] == "distcc", meta
print(f"kbuild ran with -j{meta['jobs']} (distcc -j of the host list)")
PY
# The local build: the kernel_small fixture's, from the shared cache.
local_key=$("$tailor" kernel build "${TEST_KERNEL[@]}" --json -o "$work/local" |
  /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["key"])')
distcc_key=$(/usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["key"])' "$work/build.json")
[[ $local_key == "$distcc_key" ]] || { echo "FAIL: cache key $distcc_key, local $local_key"; exit 1; }
for f in bzImage vmlinux System.map .config; do
  cmp "$work/kernel/$f" "$work/local/$f" || { echo "FAIL: $f differs from the local build"; exit 1; }
done
echo "ok: bzImage, vmlinux, System.map and .config identical to the local build"
echo "PASS: ${ok[0]} + ${ok[1]} compiles on the two daemons"
