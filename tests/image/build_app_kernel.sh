#!/usr/bin/env bash
# Fixture for the image tests: builds manifests/hello.toml, which builds (or
# finds in the cache) the one app kernel every shipped manifest shares:
# tinyconfig + small.config + apps.config. The later tests only hit the cache.
#
#   build_app_kernel.sh TAILOR_BINARY WORK_DIR
set -euo pipefail
tailor=${1:?usage: build_app_kernel.sh TAILOR_BINARY WORK_DIR}
work=${2:?usage: build_app_kernel.sh TAILOR_BINARY WORK_DIR}
root=$(cd "$(dirname "$0")/../.." && pwd)
mkdir -p "$work"
start=$(date +%s)
nice -n 10 "$tailor" build "$root/manifests/hello.toml" -o "$work/hello"
echo "app kernel ready after $(( $(date +%s) - start )) s"
for f in bzImage vmlinux kernel.config image.lock.json; do
  [[ -s "$work/hello/$f" ]] || { echo "FAIL: $work/hello/$f missing"; exit 1; }
done
grep -q '^CONFIG_INET=y' "$work/hello/kernel.config" || { echo "FAIL: the app kernel has no CONFIG_INET"; exit 1; }
echo "PASS"
