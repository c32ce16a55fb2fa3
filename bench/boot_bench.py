#!/usr/bin/env python3
"""Boot benchmark: tailor-vmm against QEMU (-M microvm and -M pc), same kernel,
same initramfs, same host, in one run.

Boots the default small kernel (image-builder/configs/small.config on
tinyconfig) with the runner's end-to-end initramfs (its /init sends the boot
mark and exits with a status), RUNS times per monitor, interleaved, and
prints medians of:
  start -> first instruction   monitor start to the first guest instruction
                               (QEMU: vCPUs released, firmware still to run)
  start -> app exec            to the guest's boot mark ('M', /init about to exec)
  total                        to the monitor's exit, as the monitor measures it
  wall                         the whole process, as this script measures it
with ratios against QEMU -M microvm (the reference), and states which machine
and backend produced each number.

Where this host's /dev/kvm is usable, everything runs here under KVM. Where it
is not (this project's build machine), QEMU runs here with TCG, and tailor-vmm
and QEMU (KVM) are compared inside the nested KVM harness (KVM in an L1 Linux
under QEMU TCG): those numbers compare the two monitors under the same
conditions but say nothing about real hardware.

  bench/boot_bench.py [--runs N] [--no-nested] [--build DIR]
"""
import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
METRICS = [("first_instruction", "start->first instr"), ("app_exec", "start->app exec"), ("total", "total"),
           ("wall", "wall")]


def sh(argv, **kw):
    return subprocess.run(argv, capture_output=True, text=True, errors="replace", **kw)


def cpu_model():
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


def boot_args(kernel, initrd, backend, machine=None):
    a = ["--kernel", kernel, "--initrd", initrd, "--mem", "128", "--cpus", "1", "--timeout", "300", "--json",
         "--cmdline", "console=ttyS0 panic=-1 quiet TAILOR_TEST_STATUS=0"]
    if backend:
        a += ["--backend", backend]
    if machine:
        a += ["--qemu-machine", machine]
    return a


def failure(stdout, stderr, rc):
    """One line on why a run failed: the result's detail and the console's end."""
    try:
        j = json.loads(stdout.strip().splitlines()[-1])
        tail = j.get("console", "").strip().splitlines()[-3:]
        return f"rc={rc} {j.get('outcome')}: {j.get('detail')}; console ends: {' | '.join(tail)}"
    except (ValueError, IndexError):
        return f"rc={rc} {stderr.strip()[-300:]}"


def sample(stdout, wall, rc):
    """Timings in ms from one --json result, or None when the boot failed."""
    try:
        j = json.loads(stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        return None
    t = j.get("timings_us", {})
    if rc != 0 or j.get("outcome") != "app-exited" or t.get("app_exec") is None:
        return None
    s = {k: (t[k] / 1000.0 if t.get(k) is not None else None) for k in ("first_instruction", "app_exec", "total")}
    s["wall"] = wall * 1000.0
    s["overhead_kib"] = j.get("monitor_overhead_kib")
    s["detail"] = j.get("backend_detail", "")
    return s


def summarize(samples):
    out = {}
    for key, _ in METRICS:
        vals = [s[key] for s in samples if s and s.get(key) is not None]
        out[key] = statistics.median(vals) if vals else None
    rss = [s["overhead_kib"] for s in samples if s and s.get("overhead_kib") is not None]
    out["overhead_kib"] = statistics.median(rss) if rss else None
    out["n"] = len([s for s in samples if s])
    out["detail"] = next((s["detail"] for s in samples if s), "")
    return out


def print_table(title, rows, reference):
    print(f"\n{title}")
    header = f"  {'monitor':<30}" + "".join(f"{label:>22}" for _, label in METRICS) + "   runs"
    print(header)
    ref = rows.get(reference)
    for name, r in rows.items():
        line = f"  {name:<30}"
        for key, _ in METRICS:
            v = r.get(key)
            if v is None:
                line += f"{'-':>22}"
                continue
            ratio = ""
            if ref and ref.get(key) and name != reference:
                ratio = f" ({v / ref[key]:.2f}x)"
            line += f"{v:>12.1f} ms{ratio:>8}"
        print(line + f"   {r['n']}")
        if r.get("detail"):
            print(f"  {'':<30}  ran as: {r['detail']}" + (f"; monitor RSS beyond guest RAM {r['overhead_kib']:.0f} KiB"
                                                        if r.get("overhead_kib") else ""))
    if ref:
        print(f"  (ratios: against {reference}; below 1.00x is faster)")


def host_runs(args, kernel, initrd, kvm_usable):
    monitors = []
    if kvm_usable:
        monitors.append(("tailor-vmm (KVM)", [os.path.join(args.build, "tailor-vmm")] + boot_args(kernel, initrd, None)))
    accel = "KVM" if kvm_usable else "TCG"
    timer = os.path.join(args.build, "bench", "boot-timer")
    monitors.append((f"QEMU -M microvm ({accel})", [timer] + boot_args(kernel, initrd, "qemu", "microvm")))
    monitors.append((f"QEMU -M pc ({accel})", [timer] + boot_args(kernel, initrd, "qemu", "pc")))
    results = {name: [] for name, _ in monitors}
    for i in range(args.runs):
        for name, argv in monitors:
            t0 = time.monotonic()
            p = sh(argv, timeout=400)
            s = sample(p.stdout, time.monotonic() - t0, p.returncode)
            if s is None:
                print(f"  warning: {name} run {i + 1} failed: {failure(p.stdout, p.stderr, p.returncode)}")
            results[name].append(s)
    return {name: summarize(v) for name, v in results.items()}, f"QEMU -M microvm ({accel})"


def ldd_closure(binary):
    libs = []
    for line in sh(["ldd", binary]).stdout.splitlines():
        parts = line.split()
        path = parts[2] if "=>" in parts and len(parts) > 2 else parts[0]
        if path.startswith("/") and os.path.exists(path):
            libs.append(path)
    return libs


def nested_runs(args, kernel, initrd, work):
    qemu = shutil.which("qemu-system-x86_64")
    files = [{"guest": "/bin/tailor-vmm", "host": os.path.join(args.build, "tailor-vmm"), "strip": True},
             {"guest": "/bin/boot-timer", "host": os.path.join(args.build, "bench", "boot-timer"), "strip": True},
             {"guest": "/l2/bzImage", "host": kernel}, {"guest": "/l2/initrd", "host": initrd}]
    # QEMU itself, its libraries and the firmware it loads, at the paths it
    # looks for them (its data directories are relative to the binary).
    files.append({"guest": "/bin/qemu-system-x86_64", "host": qemu})
    files += [{"guest": lib, "host": lib} for lib in ldd_closure(qemu)]
    for name in ("qboot.rom", "bios-microvm.bin", "linuxboot_dma.bin", "linuxboot.bin", "kvmvapic.bin"):
        files.append({"guest": f"/share/qemu/{name}", "host": os.path.realpath(f"/usr/share/qemu/{name}")})
    files.append({"guest": "/share/seabios/bios-256k.bin", "host": "/usr/share/seabios/bios-256k.bin"})
    # Debian's QEMU loads its accelerator's ops as a module even under KVM.
    module = "/usr/lib/x86_64-linux-gnu/qemu/accel-tcg-x86_64.so"
    if os.path.exists(module):
        files.append({"guest": module, "host": module})
    monitors = [("tailor-vmm (nested KVM)", ["tailor-vmm"] + boot_args("/l2/bzImage", "/l2/initrd", None)),
                ("QEMU -M microvm (nested KVM)", ["boot-timer"] + boot_args("/l2/bzImage", "/l2/initrd", "qemu", "microvm")),
                ("QEMU -M pc (nested KVM)", ["boot-timer"] + boot_args("/l2/bzImage", "/l2/initrd", "qemu", "pc"))]
    cases = []
    for i in range(args.runs):
        for m, (name, argv) in enumerate(monitors):
            cases.append({"name": f"m{m}-r{i}", "argv": argv, "timeout_s": 400})
    plan = {"l1": {"machine": "pc", "mem_mib": 2048, "timeout_s": 3000}, "files": files, "cases": cases}
    plan_path, result_path = os.path.join(work, "plan.json"), os.path.join(work, "result.json")
    json.dump(plan, open(plan_path, "w"), indent=1)
    p = sh([os.path.join(args.build, "tests", "nested-kvm"), "run", plan_path, "-o", result_path], timeout=3200)
    if not os.path.exists(result_path):
        print("nested run failed:", p.stderr[-2000:])
        return {}, None, ""
    res = json.load(open(result_path))
    results = {name: [] for name, _ in monitors}
    for c in res.get("cases", []):
        m = int(c["name"][1:].split("-")[0])
        name = monitors[m][0]
        s = sample(c["stdout"], c["seconds"], c["exit_code"])
        if s is None:
            print(f"  warning: {c['name']} ({name}) failed: {failure(c['stdout'], c['stderr'], c['exit_code'])}")
        results[name].append(s)
    return {n: summarize(v) for n, v in results.items()}, "QEMU -M microvm (nested KVM)", res.get("l1_package", "")


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--no-nested", action="store_true", help="skip the nested KVM comparison")
    p.add_argument("--build", default=os.path.join(ROOT, "build"))
    args = p.parse_args()
    tailor = os.path.join(args.build, "tailor")
    work = tempfile.mkdtemp(prefix="tailor-boot-bench-")

    kernel_dir = os.path.join(work, "kernel")
    k = sh([tailor, "kernel", "build", "--base", "tinyconfig", "--config",
            os.path.join(ROOT, "image-builder/configs/small.config"), "-o", kernel_dir])
    if k.returncode != 0:
        sys.exit("kernel build failed:\n" + k.stderr[-2000:])
    kernel = os.path.join(kernel_dir, "bzImage")
    initrd = os.path.join(args.build, "tests", "runner", "guests", "e2e-initramfs.cpio")
    doctor = json.loads(sh([tailor, "doctor", "--json"]).stdout or "{}")
    kvm_usable = bool(doctor.get("kvm", {}).get("usable"))

    print("tailor boot benchmark")
    print(f"  host: {platform.node()}, {os.cpu_count()} CPUs, {cpu_model()}, Linux {platform.release()}")
    print(f"  host KVM: {'usable' if kvm_usable else 'NOT usable'} ({doctor.get('kvm', {}).get('reason', '?')})")
    print(f"  kernel: default small kernel ({os.path.getsize(kernel)} bytes bzImage), initramfs "
          f"{os.path.getsize(initrd)} bytes, 1 vCPU, 128 MiB, cmdline quiet; medians of {args.runs} runs each")

    rows, ref = host_runs(args, kernel, initrd, kvm_usable)
    print_table("On this host" + ("" if kvm_usable else " (QEMU with TCG emulation; tailor-vmm needs KVM)"), rows, ref)

    if not kvm_usable and not args.no_nested:
        rows, ref, l1 = nested_runs(args, kernel, initrd, work)
        if rows:
            print_table(f"Nested: inside an L1 Linux ({l1}) under QEMU TCG -cpu EPYC, KVM in L1. Same kernel and "
                        "initramfs; both monitors on the same nested KVM.\n  These numbers compare the monitors "
                        "under identical conditions but are NOT real-hardware timings (L2 code is emulated by TCG).",
                        rows, ref)
    if kvm_usable:
        print("\n  Firecracker's boot-time spec for comparison: 125 ms to the guest's init (not measured here).")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
