#!/usr/bin/env bash
# [kernel] extra asks for a symbol whose dependencies are off: the build stops
# with an error naming the symbol and writes nothing. The request leaves the
# final config equal to the shared app kernel's, so this costs a `make
# *config` run and a cache hit, not a kernel build.
#
#   kernel_extra.sh TAILOR_BINARY WORK_DIR
set -euo pipefail
tailor=${1:?usage: kernel_extra.sh TAILOR_BINARY WORK_DIR}
source "$(dirname "$0")/fixed_config.sh"
work=${2:?usage: kernel_extra.sh TAILOR_BINARY WORK_DIR}
rm -rf "$work" && mkdir -p "$work"
cat > "$work/unmet.toml" <<'TOML'
name = "unmet"
[app]
argv = ["/bin/busybox", "true"]
[[payload]]
deb = ["busybox-static"]
[kernel]
extra = ["E1000"]
TOML
set +e
"$tailor" build $FIXED "$work/unmet.toml" -o "$work/out" 2> "$work/err.txt"
rc=$?
set -e
cat "$work/err.txt"
[[ $rc -eq 1 ]] || { echo "FAIL: exit $rc, expected 1"; exit 1; }
grep -q "unmet.toml: \[kernel\] extra: CONFIG_E1000: requested y" "$work/err.txt" || { echo "FAIL: message"; exit 1; }
[[ ! -e "$work/out" ]] || { echo "FAIL: output left behind"; exit 1; }
echo "PASS"
