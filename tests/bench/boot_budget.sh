#!/usr/bin/env bash
# CI keeps the boot budget (issue 17). The hello image on the fixed test kernel
# (the image tests' shared kernel: no build of its own) boots twice on the
# deterministic yardstick (`bench boot --deterministic`, which itself fails
# when the two runs differ); its virtual time to the app may grow by at most
# 10% over the committed baseline, and its smallest memory (`bench memory`)
# not at all. Faster or smaller passes, and prints the numbers to commit.
#
#   boot_budget.sh            Env: TAILOR, BENCH_WORK
set -euo pipefail
: "${TAILOR:?}" "${BENCH_WORK:?}"
root=$(cd "$(dirname "$0")/../.." && pwd)
baseline=$root/tests/bench/boot_budget.json
dir=$BENCH_WORK/budget
rm -rf "$dir"
mkdir -p "$dir"
hello=$root/manifests/hello.toml
nice -n 10 "$TAILOR" bench boot --deterministic --fixed-config --manifest "$hello" -o "$dir/boot" >"$dir/boot.log" 2>&1 ||
  { cat "$dir/boot.log"; echo "FAIL: the deterministic boot study failed"; exit 1; }
nice -n 10 "$TAILOR" bench memory --fixed-config --manifest "$hello" -o "$dir/memory" >"$dir/memory.log" 2>&1 ||
  { cat "$dir/memory.log"; echo "FAIL: the memory study failed"; exit 1; }

/usr/bin/python3 - "$dir" "$baseline" <<'PY'
import json, os, sys
d, baseline_file = sys.argv[1], sys.argv[2]
base = json.load(open(baseline_file))
def sample(study, workload):
    r = json.load(open(os.path.join(d, study, "results.json")))
    for m in r["measurements"]:
        if m["workload"] == workload:
            assert not m["errors"], m["errors"]
            assert m["samples"], f"{workload}: no sample"
            assert len(set(m["samples"])) == 1, f"{workload}: runs differ: {m['samples']}"
            return m["samples"][0], r["backend"]["detail"]
    raise SystemExit(f"FAIL: {study} has no '{workload}'")
app_ms, qemu = sample("boot", "app hello")
memory_mib, _ = sample("memory", "min-memory hello")
limit = base["app_ms"] * (1 + base["tolerance"])
print(f"hello (fixed kernel): {app_ms:.3f} ms of virtual time to the app (baseline {base['app_ms']:.3f}, "
      f"limit {limit:.3f}); smallest memory {memory_mib:.0f} MiB (baseline {base['min_memory_mib']})")
if base.get("qemu") and base["qemu"] not in qemu:
    print(f"note: the baseline was taken with {base['qemu']}, this run used {qemu}")
failed = False
if app_ms > limit:
    print(f"FAIL: boot to the app grew by {100 * (app_ms / base['app_ms'] - 1):.1f}% (budget {100 * base['tolerance']:.0f}%); "
          f"run 'tailor run manifests/hello.toml --fixed-config --profile' to see where the time goes")
    failed = True
if memory_mib > base["min_memory_mib"]:
    print(f"FAIL: hello needs {memory_mib:.0f} MiB now, {base['min_memory_mib']} before")
    failed = True
if failed:
    sys.exit(1)
if app_ms < base["app_ms"] * 0.9 or memory_mib < base["min_memory_mib"]:
    print(f"note: better than the baseline; commit app_ms {app_ms:.3f} and min_memory_mib {memory_mib:.0f} "
          f"to {os.path.basename(baseline_file)}")
print("PASS")
PY
