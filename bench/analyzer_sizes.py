#!/usr/bin/env python3
"""Size table for the analyzer's per-app kernels (issue 6).

For each manifest: the options the analyzer turns on, the bzImage and the
initramfs of `tailor build` with the analyzer's config, and whether the app
still passes its [check] (`tailor run --check`); then the same tree built as
tinyconfig, x86_64_defconfig and a microvm-style config, each with the app's
initramfs (the payload does not depend on the kernel config). Prints a
Markdown table with ratios against the microvm-style config.

The microvm-style config is reference data (Firecracker's published minimal
guest config); it is never copied into this repository. Pass its path:

  bench/analyzer_sizes.py --microvm-config /work/shared/data/reference-configs/firecracker-microvm-x86_64-6.1.config

Kernel builds go through `tailor kernel build` (cached); a cold run builds one
kernel per app plus three baselines (tinyconfig ~2 min, defconfig and microvm
~20-40 min each on 2 cores). --no-baselines skips the two large ones,
--no-defconfig only the defconfig one.
"""
import argparse
import json
import os
import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent


def run(cmd, **kw):
    return subprocess.run(cmd, check=True, text=True, capture_output=True, **kw)


def options_on(config_text):
    n = 0
    for line in config_text.splitlines():
        if line.startswith("CONFIG_") and (line.endswith("=y") or line.endswith("=m")):
            n += 1
    return n


def kernel_build(tailor, args):
    out = run([tailor, "kernel", "build", "--json", *args]).stdout
    j = json.loads(out)
    bz = pathlib.Path(j["bzImage"])
    cfg = pathlib.Path(j["config"]).read_text()
    return {"bzimage": bz.stat().st_size, "options": options_on(cfg)}


def human(n):
    return f"{n / (1 << 20):.2f} MiB" if n >= (1 << 20) else f"{n / 1024:.0f} KiB"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("manifests", nargs="*", help="manifests (default: every manifests/*.toml)")
    ap.add_argument("--tailor", default=str(ROOT / "build" / "tailor"))
    ap.add_argument("--microvm-config", help="the microvm-style reference .config (read at run time, never copied)")
    ap.add_argument("--no-baselines", action="store_true", help="skip the defconfig and microvm builds")
    ap.add_argument("--no-defconfig", action="store_true", help="skip only the x86_64_defconfig build (the longest)")
    ap.add_argument("--no-run", action="store_true", help="do not boot the apps (sizes only)")
    ap.add_argument("--work", default="/tmp/tailor-analyzer-sizes")
    ap.add_argument("--json", help="also write the numbers here")
    a = ap.parse_args()

    manifests = [pathlib.Path(m) for m in a.manifests] or sorted((ROOT / "manifests").glob("*.toml"))
    work = pathlib.Path(a.work)
    work.mkdir(parents=True, exist_ok=True)

    rows = []
    for m in manifests:
        name = m.stem
        out = work / name
        print(f"== {name}: building with the analyzer's config", file=sys.stderr)
        run(["nice", "-n", "10", a.tailor, "build", str(m), "-o", str(out)])
        initramfs = next(out.glob("initramfs.cpio*"))
        row = {
            "app": name,
            "options": options_on((out / "kernel.config").read_text()),
            "bzimage": (out / "bzImage").stat().st_size,
            "initramfs": initramfs.stat().st_size,
            "passes": None,
        }
        if not a.no_run:
            r = subprocess.run([a.tailor, "run", str(m), "-o", str(out), "--check"], capture_output=True, text=True)
            row["passes"] = r.returncode == 0
        rows.append(row)

    base = {}
    print("== tinyconfig", file=sys.stderr)
    base["tinyconfig"] = kernel_build(a.tailor, ["--base", "tinyconfig"])
    if not a.no_baselines:
        if not a.no_defconfig:
            print("== x86_64_defconfig", file=sys.stderr)
            base["x86_64_defconfig"] = kernel_build(a.tailor, ["--base", "defconfig"])
        if a.microvm_config:
            print("== microvm-style config", file=sys.stderr)
            base["microvm"] = kernel_build(a.tailor, ["--base", "none", "--config", a.microvm_config])

    print("| app | options | bzImage | initramfs | image | check | vs microvm image |")
    print("|---|---:|---:|---:|---:|---|---:|")
    for r in rows:
        image = r["bzimage"] + r["initramfs"]
        vs = ""
        if "microvm" in base:
            mv = base["microvm"]["bzimage"] + r["initramfs"]
            vs = f"{100 * (1 - image / mv):.0f}% smaller"
        check = {None: "not run", True: "passes", False: "FAILS"}[r["passes"]]
        print(f"| {r['app']} | {r['options']} | {human(r['bzimage'])} | {human(r['initramfs'])} | {human(image)} | {check} | {vs} |")
    print()
    print("| baseline | options | bzImage |")
    print("|---|---:|---:|")
    for k, v in base.items():
        print(f"| {k} | {v['options']} | {human(v['bzimage'])} |")
    if a.json:
        pathlib.Path(a.json).write_text(json.dumps({"apps": rows, "baselines": base}, indent=2) + "\n")


if __name__ == "__main__":
    main()
