#!/usr/bin/env bash
# The kernel cache shared between machines (issue 19): a redis-server on a
# loopback port, started and stopped here, is the store. The test kernel
# (the kernel_small fixture, a local cache hit) is published to it by
# `tailor kernel build --remote-cache`; a second, empty cache then gets it
# from the store without compiling (no object file is made) byte for byte;
# and after one blob in the store is changed, a third empty cache refuses
# the entry with a clear error and keeps nothing of it.
#
#   remote_cache.sh TAILOR_BINARY WORK_DIR
set -euo pipefail
tailor=${1:?usage: remote_cache.sh TAILOR_BINARY WORK_DIR}
work=${2:?usage: remote_cache.sh TAILOR_BINARY WORK_DIR}
root=$(cd "$(dirname "$0")/../.." && pwd)
for p in redis-server redis-cli python3; do
  command -v $p > /dev/null || { echo "SKIP: $p is not installed (./setup.sh installs it)"; exit 77; }
done
rm -rf "$work"
mkdir -p "$work"
port=$(/usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

# The store lives at most 20 minutes (timeout) and is stopped on any exit.
pid=
cleanup() { [[ -z $pid ]] || { kill "$pid" 2> /dev/null || true; wait "$pid" 2> /dev/null || true; }; }
trap cleanup EXIT
timeout 1200 redis-server --bind 127.0.0.1 --port "$port" --save '' --appendonly no --dir "$work" \
  > "$work/redis.log" 2>&1 &
pid=$!
rcli() { redis-cli -h 127.0.0.1 -p "$port" "$@"; }
for _ in $(seq 50); do [[ $(rcli ping 2> /dev/null) == PONG ]] && break; sleep 0.2; done
[[ $(rcli ping) == PONG ]] || { cat "$work/redis.log"; echo "FAIL: redis-server did not start"; exit 1; }
url="redis://127.0.0.1:$port"

source "$root/tests/kernel/test_kernel.sh"
src=$("$tailor" kernel source)
key() { /usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["key"])' "$1"; }

# Machine A: the fixture's kernel, a local hit, is published.
"$tailor" kernel build "${TEST_KERNEL[@]}" --remote-cache "$url" --json -o "$work/a-kernel" > "$work/a.json"
k=$(key "$work/a.json")
[[ $(rcli exists "tailor/kernel/$k.json") == 1 ]] || { echo "FAIL: kernel $k was not published"; exit 1; }
echo "ok: published $k ($(rcli dbsize) objects, $(rcli info memory | sed -n 's/^used_memory_human:\(.*\)\r$/\1/p') in redis)"

# Machine B: an empty cache fetches it instead of compiling.
start=$(date +%s)
"$tailor" --cache "$work/b" kernel build --kernel-src "$src" "${TEST_KERNEL[@]}" --remote-cache "$url" \
  --json -o "$work/b-kernel" > "$work/b.json"
echo "fetch: $(( $(date +%s) - start )) s (configuration included)"
[[ $(key "$work/b.json") == "$k" ]] || { echo "FAIL: B's key differs from A's"; exit 1; }
grep -q '"fetched": true' "$work/b.json" || { cat "$work/b.json"; echo "FAIL: B did not fetch the kernel"; exit 1; }
# Configuring builds kbuild's own host programs (scripts/kconfig: 9 objects);
# any other object file would be the kernel being compiled.
objects=$(find "$work/b/obj" -name '*.o' -not -path '*/scripts/*' | wc -l)
[[ $objects == 0 ]] || { echo "FAIL: B compiled $objects kernel object files"; exit 1; }
for f in bzImage vmlinux System.map .config; do
  cmp "$work/b-kernel/$f" "$work/a-kernel/$f" || { echo "FAIL: fetched $f differs from the local build"; exit 1; }
done
echo "ok: an empty cache got the kernel from the store without compiling, identical to the local build"

# A store that lies: one blob changed. The entry is refused, nothing is kept.
sha=$(rcli get "tailor/kernel/$k.json" | /usr/bin/python3 -c '
import json, sys
print([f["sha256"] for f in json.load(sys.stdin)["files"] if f["name"] == "bzImage"][0])')
rcli set "tailor/blob/$sha" "not a kernel" > /dev/null
set +e
"$tailor" --cache "$work/c" kernel build --kernel-src "$src" "${TEST_KERNEL[@]}" --remote-cache "$url" \
  > "$work/c.out" 2> "$work/c.err"
rc=$?
set -e
cat "$work/c.err"
[[ $rc != 0 ]] || { echo "FAIL: a tampered entry was accepted"; exit 1; }
grep -q "refused: bzImage does not match its digest" "$work/c.err" || { echo "FAIL: unclear refusal"; exit 1; }
[[ ! -e $work/c/kernels/$k ]] || { echo "FAIL: the refused entry is in the cache"; exit 1; }
leftovers=$(find "$work/c/kernels" -maxdepth 1 -name '*.tmp*' 2> /dev/null | wc -l)
[[ $leftovers == 0 ]] || { echo "FAIL: $leftovers temporary directories left"; exit 1; }
echo "PASS"
