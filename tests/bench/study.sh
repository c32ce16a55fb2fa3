#!/usr/bin/env bash
# One `tailor bench` study end to end in quick mode, then checks what it wrote:
# results.json with every variant's raw samples and the backend's verdict,
# report.md with its tables, charts and the "timings mean nothing here" notice
# when the backend is QEMU TCG, SVG charts, a byte-identical re-render by
# `tailor bench report`, and a rerun that measures nothing new (resume).
#
#   study.sh smp|kml|size|boot        Env: TAILOR, BENCH_WORK
set -euo pipefail
: "${TAILOR:?}" "${BENCH_WORK:?}"
study=${1:?usage: study.sh smp|kml|size|boot}
root=$(cd "$(dirname "$0")/../.." && pwd)
dir=$BENCH_WORK/$study
rm -rf "$dir"
mkdir -p "$dir"

case $study in
  smp)  args=(--fixed-config) ;;
  # The fixed config: the normal kernel is the image tests' fixed kernel (also
  # the KML tests' baseline), the KML one the kml_kernels fixture's KML kernel.
  kml)  args=(--fixed-config) ;;
  size) args=(--fixed-config --manifest "$root/manifests/hello.toml" --repeats 2) ;;
  boot) args=(--fixed-config --manifest "$root/manifests/hello.toml" --repeats 2) ;;
  *) echo "usage: study.sh smp|kml|size|boot" >&2; exit 2 ;;
esac

start=$(date +%s)
nice -n 10 "$TAILOR" bench "$study" --quick -o "$dir" "${args[@]}" 2>&1 | tee "$dir/run.log"
echo "== $study study took $(( $(date +%s) - start )) s"

/usr/bin/python3 - "$dir" "$study" <<'PY'
import json, os, sys
d, study = sys.argv[1], sys.argv[2]
r = json.load(open(os.path.join(d, "results.json")))
assert r["format"] == "tailor-bench-v1" and r["study"] == study and r["mode"] == "quick", r.get("study")
for k in ("host", "cpus", "host_kernel"):
    assert k in r["machine"], f"machine lacks {k}"
assert "meaningful" in r["backend"] and r["backend"].get("name"), r["backend"]
variants = {v["name"] for v in r["variants"]}
expected = {
    "smp": {"nosmp-1cpu", "smp-1cpu", "smp-2cpu"},
    "kml": {"normal-kernel", "kml-untrusted", "kml-trusted-raw", "kml-trusted-call"},
    "size": {"app-hello", "tinyconfig", "x86_64_defconfig"},
    "boot": {"tailor-vmm", "qemu-microvm", "qemu-pc"},
}[study]
assert expected <= variants, f"variants {variants} lack {expected - variants}"
ms = r["measurements"]
measured = {m["variant"] for m in ms if m["samples"]}
for m in ms:
    assert not m["errors"], f"{m['id']}: {m['errors']}"
    if m.get("note"):
        continue
    assert len(m["samples"]) == m["target_samples"], f"{m['id']}: {len(m['samples'])} of {m['target_samples']}"
    assert all(isinstance(x, (int, float)) and x > 0 for x in m["samples"]), m["id"]
if study == "smp":
    for w in ("futex", "sem", "make"):
        got = {m["variant"] for m in ms if m["workload"] == w and m["samples"]}
        assert got == expected, f"{w}: measured for {got}"
    cfg = open(os.path.join(d, "configs", "nosmp.config")).read()
    assert "# CONFIG_SMP is not set" in cfg, "the non-SMP kernel has SMP"
    assert "CONFIG_SMP=y" in open(os.path.join(d, "configs", "smp.config")).read()
if study == "kml":
    null = {m["variant"]: m for m in ms if m["workload"] == "null-syscall"}
    assert set(null) == expected, null.keys()
    for w in ("redis-set", "redis-get"):
        got = {m["variant"] for m in ms if m["workload"] == w and m["samples"]}
        assert got == {"normal-kernel", "kml-trusted-raw"}, f"{w}: {got}"
    assert "CONFIG_KERNEL_MODE_LINUX=y" in open(os.path.join(d, "configs", "kml.config")).read()
if study == "size":
    opts = {m["variant"]: m["samples"][0] for m in ms if m["workload"] == "options-on"}
    assert opts["tinyconfig"] < opts["app-hello"] < opts["x86_64_defconfig"], opts
    notes = {m["variant"]: m.get("note") for m in ms if m["workload"] == "bzImage"}
    assert notes["x86_64_defconfig"] == "not built in quick mode", notes
if study == "boot":
    if not r["backend"]["meaningful"]:
        vmm = [m for m in ms if m["variant"] == "tailor-vmm"]
        assert vmm and all(m.get("note") for m in vmm), "tailor-vmm should be marked as not run"
report = open(os.path.join(d, "report.md")).read()
if not r["backend"]["meaningful"]:
    assert "These timings do not answer the question on this machine" in report
for m in ms:
    if m["samples"]:
        chart = os.path.join(d, "charts", m["workload"].replace(" ", "-") + ".svg")
        assert os.path.exists(chart), chart
        assert open(chart).read().startswith("<svg"), chart
        assert f"charts/{os.path.basename(chart)}" in report
print(f"PASS: {study}: {len(ms)} measurements, {sum(len(m['samples']) for m in ms)} samples")
PY

# `tailor bench report` reproduces the report byte for byte.
snap=$dir.snapshot
rm -rf "$snap" && mkdir -p "$snap"
cp -r "$dir/report.md" "$dir/charts" "$snap/"
rm -rf "$dir/report.md" "$dir/charts"
"$TAILOR" bench report "$dir" > /dev/null
diff -r "$snap/report.md" "$dir/report.md" && diff -r "$snap/charts" "$dir/charts" ||
  { echo "FAIL: tailor bench report did not reproduce the report"; exit 1; }
rm -rf "$snap"
echo "PASS: report re-rendered byte-identically"

# A rerun finds every sample taken and measures nothing new.
cp "$dir/results.json" "$dir/results.before.json"
"$TAILOR" bench "$study" --quick -o "$dir" "${args[@]}" > "$dir/rerun.log" 2>&1 ||
  { cat "$dir/rerun.log"; echo "FAIL: the rerun failed"; exit 1; }
/usr/bin/python3 - "$dir" <<'PY'
import json, sys
before = json.load(open(sys.argv[1] + "/results.before.json"))["measurements"]
after = json.load(open(sys.argv[1] + "/results.json"))["measurements"]
assert before == after, "the rerun changed the measurements"
PY
rm "$dir/results.before.json"
echo "PASS: rerun kept every sample"
