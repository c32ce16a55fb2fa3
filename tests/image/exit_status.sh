#!/usr/bin/env bash
# `tailor run` exits with the app's status (also for a signal: 128 + N), and
# --check turns the manifest's [check] into 0 (passed) or 1 (failed).
#
#   exit_status.sh TAILOR_BINARY WORK_DIR
set -euo pipefail
tailor=${1:?usage: exit_status.sh TAILOR_BINARY WORK_DIR}
work=${2:?usage: exit_status.sh TAILOR_BINARY WORK_DIR}
rm -rf "$work" && mkdir -p "$work"

manifest() {  # NAME SHELL-COMMAND CHECK-TOML
  cat > "$work/$1.toml" <<TOML
name = "$1"
[app]
argv = ["/bin/busybox", "sh", "-c", "$2"]
mounts = []
loopback = false
[[payload]]
deb = ["busybox-static"]
[run]
memory_mib = 96
timeout_s = 120
$3
TOML
}
expect_rc() {  # WANT DESCRIPTION COMMAND...
  local want=$1 what=$2; shift 2
  set +e; "$@" > "$work/out.txt" 2> "$work/err.txt"; local rc=$?; set -e
  cat "$work/out.txt" "$work/err.txt"
  if [[ $rc -ne $want ]]; then echo "FAIL: $what: exit $rc, expected $want"; exit 1; fi
  echo "ok: $what (exit $rc)"
}

manifest exit3 "echo about to exit; exit 3" $'[check]\nstdout = ["about to exit"]\nexit_code = 3'
expect_rc 3 "the app's exit status comes back" "$tailor" run "$work/exit3.toml" -o "$work/exit3"
expect_rc 0 "--check passes when the status is the expected one" "$tailor" run "$work/exit3.toml" -o "$work/exit3" --check

manifest segv 'echo dying; kill -SEGV $$' ""
expect_rc 139 "a signal gives 128 + N" "$tailor" run "$work/segv.toml" -o "$work/segv"
grep -q "tailor-init: /bin/busybox was killed by signal 11" "$work/out.txt" || { echo "FAIL: /init did not say which signal"; exit 1; }

manifest wrong "echo something else" $'[check]\nstdout = ["never printed"]'
expect_rc 1 "--check fails when output is missing" "$tailor" run "$work/wrong.toml" -o "$work/wrong" --check
grep -q 'check wrong: FAILED: the console output lacks "never printed"' "$work/err.txt" || { echo "FAIL: no reason given"; exit 1; }
echo "PASS"
