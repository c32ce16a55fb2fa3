#!/usr/bin/env bash
# One kernel for many apps, what it costs each (issue 19): `tailor bench size
# --union` on the shipped hello, redis, sqlite3 and python3. Checks that
# results.json has every app on its own kernel (app-NAME) and on the union
# kernel (union-NAME); that all union-NAME images share one kernel (one key,
# one bzImage size, one options-on count); that every option the study
# says the union adds is on in the app's union .config and off in its own;
# that every image has its sizes, a
# wall-clock boot-to-app and a deterministic (virtual-time) boot-to-app; and
# that report.md shows the union rows.
#
# Each app's own kernel is one kernel build (CI's default run builds only
# redis's), so this runs with TAILOR_E2E_FULL=1; analyzer.run_union, in the
# default run, boots all four apps on the union kernel and checks them.
#
#   size_union.sh        Env: TAILOR, BENCH_WORK, MANIFESTS (source manifests/ dir)
set -euo pipefail
: "${TAILOR:?}" "${BENCH_WORK:?}" "${MANIFESTS:?}"
if [[ ${TAILOR_E2E_FULL:-0} != 1 ]]; then
  echo "SKIP: each app's own kernel is one more kernel build (three beyond CI's default); runs with TAILOR_E2E_FULL=1"
  exit 77
fi
dir=$BENCH_WORK/size-union
rm -rf "$dir"
mkdir -p "$dir"
apps=(hello redis sqlite3 python3)
args=()
for a in "${apps[@]}"; do args+=(--manifest "$MANIFESTS/$a.toml"); done

start=$(date +%s)
nice -n 10 "$TAILOR" bench size --union --quick --repeats 1 -o "$dir/study" "${args[@]}" 2>&1 | tee "$dir/run.log"
echo "== bench size --union took $(( $(date +%s) - start )) s"

/usr/bin/python3 - "$dir" "${apps[@]}" <<'PY'
import json, os, sys
d, apps = sys.argv[1], sys.argv[2:]
r = json.load(open(os.path.join(d, "study", "results.json")))
variants = {v["name"]: v for v in r["variants"]}
for a in apps:
    assert f"app-{a}" in variants and f"union-{a}" in variants, f"{a}: own or union variant missing"
keys = {variants[f"union-{a}"]["details"]["kernel_key"] for a in apps}
assert len(keys) == 1, f"the apps' union images have {len(keys)} kernels: {keys}"
ms = r["measurements"]
def value(workload, variant, positive=True):
    got = [m for m in ms if m["workload"] == workload and m["variant"] == variant]
    assert len(got) == 1 and not got[0]["errors"], f"{workload} {variant}: {got}"
    assert got[0]["samples"] and all(x > 0 or (x == 0 and not positive) for x in got[0]["samples"]), \
        f"{workload} {variant}: no samples"
    return got[0]["samples"][0]
def on(config):
    opts = set()
    for line in open(os.path.join(d, "study", "configs", config)):
        name, _, value = line.strip().partition("=")
        if name.startswith("CONFIG_") and value in ("y", "m"):
            opts.add(name[len("CONFIG_"):])
    return opts
for w in ("options-on", "bzImage"):
    vals = {value(w, f"union-{a}") for a in apps}
    assert len(vals) == 1, f"{w} differs between the apps on one union kernel: {vals}"
rows = []
for a in apps:
    for v in (f"app-{a}", f"union-{a}"):
        for w in ("options-on", "bzImage", "initramfs", "boot-to-app", "boot-to-app (virtual)"):
            value(w, v)
    added = value("options-added", f"union-{a}", positive=False)
    listed = variants[f"union-{a}"]["details"]["options_added"]
    assert added == len(listed), f"{a}: options-added {added}, but {len(listed)} listed"
    wrong = [o for o in listed if o not in on(f"union-{a}.config") or o in on(f"app-{a}.config")]
    assert not wrong, f"{a}: said to be added by the union but not on there and off in its own kernel: {wrong}"
    assert value("initramfs", f"union-{a}") == value("initramfs", f"app-{a}"), f"{a}: the union changed its initramfs"
    rows.append(f"{a:8} options {value('options-on', f'app-{a}'):.0f} -> {value('options-on', f'union-{a}'):.0f} "
                f"(+{added:.0f}), bzImage {value('bzImage', f'app-{a}')/1e6:.2f} -> {value('bzImage', f'union-{a}')/1e6:.2f} MB, "
                f"virtual boot-to-app {value('boot-to-app (virtual)', f'app-{a}'):.1f} -> "
                f"{value('boot-to-app (virtual)', f'union-{a}'):.1f} ms")
report = open(os.path.join(d, "study", "report.md")).read()
for a in apps:
    assert f"union-{a}" in report, f"report.md lacks union-{a}"
print("\n".join(rows))
print(f"PASS: {len(apps)} apps on one union kernel ({keys.pop()[:16]})")
PY
