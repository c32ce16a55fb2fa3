#!/usr/bin/env python3
"""(Re)generates the expected outputs of the engine's golden tests with the
kernel's own conf.

Each case is a folder kconfig-analyzer/kconfig/testdata/<case>/ holding a Kconfig
tree (Kconfig and any files it sources), optionally input.config (the
.config for olddefconfig/savedefconfig) and allconfig.config (a
KCONFIG_ALLCONFIG fragment for allnoconfig/alldefconfig), and optionally a
file `dialects` naming "classic" and/or "modern" (default: both). For every
dialect and mode this writes expected/<mode>.<dialect>.config by running
conf from a 6.1 tree (classic) or a 6.12 tree (modern), with srctree set to
the case folder.

  tests/kconfig/make_golden.py --conf classic=/path/to/6.1/conf --conf modern=/path/to/6.12/conf
  tests/kconfig/make_golden.py --tree classic=/work/ref/linux-source-6.1 --tree modern=/work/ref/linux-source-6.12

With --tree, conf is taken from the oracle cache (tests/kconfig/oracle.py),
built there if needed.
"""

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import oracle  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
TESTDATA = REPO / "kconfig-analyzer/kconfig/testdata"


def modes_for(case):
    modes = ["allnoconfig", "alldefconfig", "allyesconfig", "allmodconfig"]
    if (case / "input.config").exists():
        modes += ["olddefconfig", "savedefconfig", "defconfig"]
    return modes


def run_conf(conf, case, mode):
    env = {"PATH": os.environ["PATH"], "srctree": str(case), "KCONFIG_CONFIG": ".config",
           "LC_ALL": "C", "GREETING": "hello"}
    with tempfile.TemporaryDirectory(prefix="kc-golden-") as tmp:
        tmp = Path(tmp)
        args = [str(conf), "-s"]
        out = tmp / ".config"
        if mode in ("olddefconfig", "savedefconfig"):
            (tmp / ".config").write_bytes((case / "input.config").read_bytes())
        if mode == "savedefconfig":
            args.append(f"--savedefconfig={tmp / 'defconfig'}")
            out = tmp / "defconfig"
        elif mode == "defconfig":
            args.append(f"--defconfig={case / 'input.config'}")
        else:
            args.append(f"--{mode}")
            if mode.startswith("all") and (case / "allconfig.config").exists():
                env["KCONFIG_ALLCONFIG"] = str(case / "allconfig.config")
        args.append("Kconfig")
        r = subprocess.run(args, env=env, cwd=tmp, capture_output=True)
        if r.returncode != 0:
            return None, r.stderr.decode(errors="replace")
        return out.read_bytes(), r.stderr.decode(errors="replace")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--conf", action="append", default=[], metavar="DIALECT=BINARY")
    ap.add_argument("--tree", action="append", default=[], metavar="DIALECT=SRCTREE")
    ap.add_argument("cases", nargs="*", help="case names (default: all)")
    args = ap.parse_args()
    confs = {}
    for spec in args.conf:
        d, _, p = spec.partition("=")
        confs[d] = Path(p)
    for spec in args.tree:
        d, _, p = spec.partition("=")
        o = oracle.Oracle(p)
        o.env()
        confs[d] = o.conf()
    if not confs:
        sys.exit("make_golden: give --conf or --tree")
    cases = [TESTDATA / c for c in args.cases] if args.cases else sorted(p for p in TESTDATA.iterdir() if p.is_dir())
    for case in cases:
        dialects = (case / "dialects").read_text().split() if (case / "dialects").exists() else ["classic", "modern"]
        (case / "expected").mkdir(exist_ok=True)
        for d in dialects:
            if d not in confs:
                continue
            for mode in modes_for(case):
                data, err = run_conf(confs[d], case, mode)
                target = case / "expected" / f"{mode}.{d}.config"
                if data is None:
                    print(f"{case.name}: {mode} ({d}) failed: {err.strip()[:300]}")
                    continue
                target.write_bytes(data)
            print(f"{case.name}: {d} done")


if __name__ == "__main__":
    main()
