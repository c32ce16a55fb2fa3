#!/usr/bin/env python3
"""Conformance sweep: `tailor kconfig` against the kernel's own conf.

For each kernel tree, every case runs conf (the oracle, see oracle.py) and
tailor on the same input and compares the outputs byte for byte:

  allnoconfig, alldefconfig, allyesconfig, allmodconfig   (no input)
  tinyconfig                                               (make tinyconfig vs tailor kconfig tinyconfig)
  defconfig                                                (arch/x86/configs/x86_64_defconfig)
  allnoconfig + fragment                                   (KCONFIG_ALLCONFIG=image-builder/configs/small.config)
  olddefconfig of Debian's config.amd64_none_amd64         (/usr/src/linux-config-<v>/)
  olddefconfig of `conf --randconfig` with KCONFIG_SEED=1..N
  savedefconfig of defconfig, Debian's config and some random configs

It prints one line per failure and ends with "N passed, N failed"; the exit
status is 1 when anything failed. Oracle outputs are cached (see oracle.py),
so a repeated sweep only runs tailor.

  tests/kconfig/sweep.py --tree 6.1=/work/ref/linux-source-6.1 --tree 6.12=/work/ref/linux-source-6.12 --seeds 100
  tests/kconfig/sweep.py --sample ci ...      # the small sample CI runs
  tests/kconfig/sweep.py --seed-base 5000 ... # fresh random seeds
"""

import argparse
import lzma
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import oracle  # noqa: E402

REPO = Path(__file__).resolve().parents[2]


def tailor(binary, mode, srctree, in_bytes=None, extra=()):
    with tempfile.TemporaryDirectory(prefix="kc-tailor-") as tmp:
        tmp = Path(tmp)
        cmd = [str(binary), "kconfig", mode, "--srctree", str(srctree), "--arch", oracle.ARCH, "-q",
               "--out", str(tmp / "out")]
        if in_bytes is not None:
            (tmp / "in").write_bytes(in_bytes)
            cmd += ["--in", str(tmp / "in")]
        cmd += list(extra)
        r = subprocess.run(cmd, capture_output=True)
        if r.returncode != 0:
            raise RuntimeError(f"tailor {mode} failed ({r.returncode}): {r.stderr.decode(errors='replace')[-2000:]}")
        return (tmp / "out").read_bytes()


def first_difference(a, b):
    al, bl = a.decode(errors="replace").splitlines(), b.decode(errors="replace").splitlines()
    for i, (x, y) in enumerate(zip(al, bl)):
        if x != y:
            return f"line {i + 1}: conf has {x!r}, tailor has {y!r}"
    return f"conf has {len(al)} lines, tailor has {len(bl)}"


class Sweep:
    def __init__(self, binary, keep_dir=None, verbose=False):
        self.binary = binary
        self.passed = 0
        self.failed = 0
        self.keep_dir = Path(keep_dir) if keep_dir else None
        self.verbose = verbose

    def check(self, label, expected_fn, actual_fn):
        t0 = time.time()
        try:
            expected = expected_fn()
        except Exception as e:  # the oracle itself failed: report, do not count as ours
            print(f"SKIP {label}: oracle failed: {e}", flush=True)
            return
        try:
            actual = actual_fn()
        except Exception as e:
            self.failed += 1
            print(f"FAIL {label}: {e}", flush=True)
            return
        if expected == actual:
            self.passed += 1
            if self.verbose:
                print(f"ok   {label} ({time.time() - t0:.1f} s)", flush=True)
            return
        self.failed += 1
        print(f"FAIL {label}: {first_difference(expected, actual)}", flush=True)
        if self.keep_dir:
            self.keep_dir.mkdir(parents=True, exist_ok=True)
            safe = label.replace("/", "_").replace(" ", "_")
            (self.keep_dir / f"{safe}.conf").write_bytes(expected)
            (self.keep_dir / f"{safe}.tailor").write_bytes(actual)


def debian_config(version):
    path = Path(f"/usr/src/linux-config-{version}/config.amd64_none_amd64.xz")
    return lzma.decompress(path.read_bytes()) if path.exists() else None


def run_tree(sweep, version, srctree, seeds, seed_base, sample):
    orc = oracle.Oracle(srctree, log=lambda m: print(m, flush=True))
    orc.env()
    t = sweep.binary
    fragment = (REPO / "image-builder/configs/small.config").read_bytes()
    defconfig_rel = "arch/x86/configs/x86_64_defconfig"

    modes = ["allnoconfig", "alldefconfig"] if sample else ["allnoconfig", "alldefconfig", "allyesconfig", "allmodconfig"]
    for mode in modes:
        sweep.check(f"{version} {mode}", lambda: orc.run(mode), lambda: tailor(t, mode, srctree))
    sweep.check(f"{version} tinyconfig", lambda: orc.make_target("tinyconfig"), lambda: tailor(t, "tinyconfig", srctree))
    sweep.check(f"{version} defconfig", lambda: orc.run("defconfig", defconfig_path=defconfig_rel),
                lambda: tailor(t, "defconfig", srctree, (Path(srctree) / defconfig_rel).read_bytes()))
    sweep.check(f"{version} allnoconfig+small.config", lambda: orc.run("allnoconfig", allconfig=fragment),
                lambda: tailor(t, "allnoconfig", srctree, fragment))
    deb = debian_config(version) or debian_config("6.1")
    inputs = []
    if deb is not None:
        sweep.check(f"{version} olddefconfig debian", lambda: orc.run("olddefconfig", config=deb),
                    lambda: tailor(t, "olddefconfig", srctree, deb))
        inputs.append(("debian", deb))
    defc = orc.run("defconfig", defconfig_path=defconfig_rel)
    inputs.append(("defconfig", defc))
    for i in range(seeds):
        seed = seed_base + i
        try:
            rand = orc.run("randconfig", seed=seed)
        except Exception as e:
            print(f"SKIP {version} randconfig seed {seed}: oracle failed: {e}", flush=True)
            continue
        sweep.check(f"{version} olddefconfig randconfig-seed-{seed}", lambda: orc.run("olddefconfig", config=rand),
                    lambda: tailor(t, "olddefconfig", srctree, rand))
        if i % 10 == 0:
            inputs.append((f"randconfig-seed-{seed}", rand))
    for name, data in inputs:
        sweep.check(f"{version} savedefconfig {name}", lambda: orc.run("savedefconfig", config=data),
                    lambda: tailor(t, "savedefconfig", srctree, data))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--tree", action="append", required=True, metavar="VERSION=DIR",
                    help="a kernel source tree to test (repeatable)")
    ap.add_argument("--tailor", default=str(REPO / "build/tailor"), help="the tailor binary")
    ap.add_argument("--seeds", type=int, default=100, help="random configurations per tree")
    ap.add_argument("--seed-base", type=int, default=1, help="first KCONFIG_SEED (use another for fresh seeds)")
    ap.add_argument("--random-seeds", action="store_true", help="pick a random --seed-base")
    ap.add_argument("--sample", choices=["ci"], help="a small fixed sample (what CI runs)")
    ap.add_argument("--keep", metavar="DIR", help="save both outputs of failing cases here")
    ap.add_argument("-v", "--verbose", action="store_true")
    args = ap.parse_args()
    if args.random_seeds:
        args.seed_base = random.randrange(1000, 1 << 30)
        print(f"seeds {args.seed_base}..{args.seed_base + args.seeds - 1}", flush=True)
    if args.sample == "ci":
        args.seeds = min(args.seeds, 3)
    sweep = Sweep(Path(args.tailor), args.keep, args.verbose)
    t0 = time.time()
    for spec in args.tree:
        version, _, path = spec.partition("=")
        if not path or not Path(path, "Makefile").exists():
            sys.exit(f"sweep: --tree {spec}: expected VERSION=DIR with DIR the top of a kernel tree")
        run_tree(sweep, version, path, args.seeds, args.seed_base, args.sample is not None)
    print(f"{sweep.passed} passed, {sweep.failed} failed ({time.time() - t0:.0f} s)", flush=True)
    sys.exit(1 if sweep.failed else 0)


if __name__ == "__main__":
    main()
