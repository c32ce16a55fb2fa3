#!/usr/bin/env bash
# `tailor bench` on bad input: each case must fail with a clear message (the
# file, option or study it is about), a non-zero exit, and no half-written
# results. Needs no kernel: every case is caught before anything is built.
#   Env: TAILOR, BENCH_WORK
set -euo pipefail
: "${TAILOR:?}" "${BENCH_WORK:?}"
root=$(cd "$(dirname "$0")/../.." && pwd)
work=$BENCH_WORK/bad-inputs
rm -rf "$work"
mkdir -p "$work"
fails=0

# expect_fail NAME PATTERN ARGS...: tailor ARGS exits non-zero and says PATTERN.
expect_fail() {
  local name=$1 pattern=$2
  shift 2
  local out rc=0
  out=$("$TAILOR" "$@" 2>&1) || rc=$?
  if [[ $rc -eq 0 ]]; then
    echo "FAIL: $name: exit 0"; echo "$out"; fails=$((fails + 1))
  elif ! grep -qF -- "$pattern" <<< "$out"; then
    echo "FAIL: $name: message lacks '$pattern':"; echo "$out"; fails=$((fails + 1))
  else
    echo "ok: $name (exit $rc): $(head -1 <<< "$out")"
  fi
}

expect_fail "unknown study" "unknown study 'nosuch'" bench nosuch
expect_fail "no study" "A study (smp, kml, size, boot, memory or report) is required" bench
expect_fail "unknown option" "not expected: --bogus-flag" bench smp --bogus-flag -o "$work/bogus"
expect_fail "quick and full" "excludes" bench smp --quick --full -o "$work/qf"
expect_fail "missing manifest" "$work/none.toml" bench smp --manifest "$work/none.toml" -o "$work/missing"
[[ ! -e $work/missing/results.json ]] || { echo "FAIL: results.json written for a missing manifest"; fails=$((fails + 1)); }
expect_fail "missing manifest (kml)" "$work/none.toml" bench kml --manifest "$work/none.toml" -o "$work/missing-kml"
expect_fail "missing manifest (size)" "$work/none.toml" bench size --manifest "$work/none.toml" -o "$work/missing-size"
printf 'name = "broken"\n[app]\nargv = 42\n' > "$work/broken.toml"
expect_fail "malformed manifest" "$work/broken.toml:3" bench smp --manifest "$work/broken.toml" -o "$work/broken"
expect_fail "bad worker list" "--workers '1,x'" bench smp --workers 1,x -o "$work/w"
expect_fail "workers out of range" "--workers: 5000 is out of range" bench smp --workers 5000 -o "$work/w"
expect_fail "union of one app" "--union: give two or more apps" bench size --union --manifest "$root/manifests/hello.toml" -o "$work/u1"
expect_fail "union on the fixed config" "drop --fixed-config and --kernel-config" bench size --union --fixed-config -o "$work/u2"
expect_fail "missing microVM config" "$work/none.config" bench size --microvm-config "$work/none.config" -o "$work/mv"
expect_fail "missing kernel config" "$work/none.config" bench smp --kernel-config "$work/none.config" -o "$work/kc"
expect_fail "extra kernel without --deterministic" "--kernel needs --deterministic" bench boot --kernel "x=$work/none" -o "$work/k1"
expect_fail "extra kernel without a label" "expected LABEL=FILE" bench boot --deterministic --kernel "$work/none" -o "$work/k2"
expect_fail "missing extra kernel" "$work/none: --kernel gen: no such kernel" bench boot --deterministic --kernel "gen=$work/none" -o "$work/k3"
expect_fail "missing extra kernel (memory)" "$work/none: --kernel gen: no such kernel" bench memory --kernel "gen=$work/none" -o "$work/k4"
printf 'name = "nocheck"\n[app]\nargv = ["/bin/busybox", "true"]\n[[payload]]\ndeb = ["busybox-static"]\n' > "$work/nocheck.toml"
expect_fail "memory without a [check]" "$work/nocheck.toml: no [check] table" bench memory --manifest "$work/nocheck.toml" -o "$work/nc"
expect_fail "deterministic on KVM" "not on KVM" bench boot --deterministic --backend kvm -o "$work/kvm"
expect_fail "report without results" "no results.json here" bench report "$work/empty"
mkdir -p "$work/garbled" && echo '{"format": "tailor-bench-v1", "study": "smp"' > "$work/garbled/results.json"
expect_fail "garbled results.json" "$work/garbled/results.json: not valid JSON" bench report "$work/garbled"
mkdir -p "$work/other" && cat > "$work/other/results.json" <<'JSON'
{"format": "tailor-bench-v1", "study": "kml", "variants": [], "measurements": []}
JSON
expect_fail "another study's directory" "holds the results of study 'kml', not 'smp'" bench smp -o "$work/other"

[[ $fails -eq 0 ]] || { echo "FAIL: $fails case(s)"; exit 1; }
echo "PASS: every bad input was refused with a clear message"
