#!/usr/bin/env python3
"""Benchmark: olddefconfig of a kernel tree, tailor against the kernel's own
conf and Kconfiglib, side by side in one run, for each tree given (default:
Linux 6.1 and 6.12 from `tailor kernel source`).

Each round runs, in turn, on the same input .config:
  conf          scripts/kconfig/conf --olddefconfig, built by kbuild and run
                with the environment make gives it (tests/kconfig/oracle.py);
                it runs every $(shell,...) each time
  kconfiglib    Kconfiglib (python3-kconfiglib): load_config + write_config
                in the same environment; runs every $(shell,...) each time
  tailor cold   tailor kconfig olddefconfig --no-shell-cache: parses and runs
                every $(shell,...), like conf (no cache of any kind)
  tailor parse  --no-tree-cache: parses, $(shell,...) answered by the memo
  tailor warm   the parsed-tree cache (and the memo) filled: loads the tree
and records wall time and peak memory (max RSS of the process itself). It
prints medians over the rounds and the ratios to conf, and checks that
tailor's outputs equal conf's byte for byte. Kconfiglib writes its own
header, so only its CONFIG_ lines are compared.

Kconfiglib 14.1 (Debian 12) predates the bare `modules` keyword that Linux 6.x
uses instead of `option modules`; the runner below maps the one to the other.

  bench/kconfig_bench.py --rounds 5
  bench/kconfig_bench.py --tree 6.1=/path/linux-6.1 --config my.config
"""

import argparse
import lzma
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests/kconfig"))
import oracle  # noqa: E402

# Runs Kconfiglib's olddefconfig: argv = input .config, output .config.
KCONFIGLIB_RUNNER = r'''
import sys
import kconfiglib

_tokenize = kconfiglib.Kconfig._tokenize


def tokenize(self, s):
    tokens = _tokenize(self, s)
    # Linux 5.13+ writes `modules` where older trees wrote `option modules`.
    if len(tokens) == 2 and tokens[0] is kconfiglib._T_MODULES:
        return [kconfiglib._T_OPTION, kconfiglib._T_MODULES, None]
    return tokens


kconfiglib.Kconfig._tokenize = tokenize
kconf = kconfiglib.Kconfig("Kconfig", warn=False)
kconf.load_config(sys.argv[1])
kconf.write_config(sys.argv[2])
'''


def timed(cmd, env=None, cwd=None):
    """Runs cmd; returns (seconds, peak RSS in KiB of the process)."""
    t0 = time.perf_counter()
    p = subprocess.Popen(cmd, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    err = p.stderr.read()
    _, status, usage = os.wait4(p.pid, 0)
    elapsed = time.perf_counter() - t0
    p.stderr.close()
    p.returncode = os.waitstatus_to_exitcode(status)
    if p.returncode != 0:
        sys.exit(f"bench: {' '.join(map(str, cmd))} failed:\n{err.decode(errors='replace')[-2000:]}")
    return elapsed, usage.ru_maxrss


def config_lines(data):
    """The CONFIG_ assignments and 'is not set' lines, as a set."""
    return {l for l in data.decode(errors="replace").splitlines() if l.startswith(("CONFIG_", "# CONFIG_"))}


def kernel_tree(tailor, version):
    out = subprocess.run([tailor, "kernel", "source", "--version", version], capture_output=True, text=True)
    if out.returncode != 0:
        sys.exit(f"bench: tailor kernel source --version {version} failed:\n{out.stderr}")
    return Path(out.stdout.strip().splitlines()[-1])


def bench_tree(version, srctree, config, tailor, python, rounds, tmp):
    orc = oracle.Oracle(srctree, log=lambda m: print(m, flush=True))
    conf_env = dict(orc.env())
    work = tmp / version
    work.mkdir()
    (work / "in.config").write_bytes(config)
    (work / "kconfiglib_run.py").write_text(KCONFIGLIB_RUNNER)
    conf_dir = work / "conf"
    conf_dir.mkdir()
    klib_dir = work / "kconfiglib"
    klib_dir.mkdir()
    # tailor's caches for this benchmark only (the kernel tree stays where it is).
    tenv = dict(os.environ, TAILOR_CACHE=str(work / "cache"))

    def run_conf():
        (conf_dir / ".config").write_bytes(config)
        env = dict(conf_env, PWD=str(conf_dir))
        r = timed([str(orc.conf()), "-s", "--olddefconfig", "Kconfig"], env=env, cwd=conf_dir)
        return r, (conf_dir / ".config").read_bytes()

    def run_kconfiglib():
        # Kconfiglib finds Kconfig under $srctree, like conf; commands run in klib_dir.
        env = dict(conf_env, PWD=str(klib_dir))
        out = klib_dir / "out.config"
        r = timed([python, str(work / "kconfiglib_run.py"), str(work / "in.config"), str(out)],
                  env=env, cwd=klib_dir)
        return r, out.read_bytes()

    def run_tailor(kind):
        out = work / f"{kind}.config"
        cmd = [tailor, "kconfig", "olddefconfig", "--srctree", str(srctree), "--arch", oracle.ARCH, "-q",
               "--in", str(work / "in.config"), "--out", str(out)]
        cmd += {"cold": ["--no-shell-cache"], "parse": ["--no-tree-cache"], "warm": []}[kind]
        r = timed(cmd, env=tenv)
        return r, out.read_bytes()

    run_tailor("warm")  # fill the memo and the parsed-tree cache
    runners = {"conf": run_conf, "kconfiglib": run_kconfiglib, "tailor cold": lambda: run_tailor("cold"),
               "tailor parse": lambda: run_tailor("parse"), "tailor warm": lambda: run_tailor("warm")}
    results = {n: [] for n in runners}
    outputs = {}
    for i in range(rounds):
        for name, fn in runners.items():
            (secs, rss), out = fn()
            results[name].append((secs, rss))
            outputs.setdefault(name, out)
            if outputs[name] != out:
                sys.exit(f"bench: {version} {name} gave different outputs in different rounds")
        print(f"{version} round {i + 1}/{rounds}: " +
              ", ".join(f"{n} {results[n][-1][0]:.3f} s" for n in results), flush=True)
    same = all(outputs[n] == outputs["conf"] for n in ("tailor cold", "tailor parse", "tailor warm"))
    conf_lines, klib_lines = config_lines(outputs["conf"]), config_lines(outputs["kconfiglib"])
    return {
        "median": {n: statistics.median(s for s, _ in v) for n, v in results.items()},
        "rss": {n: max(r for _, r in v) for n, v in results.items()},
        "same": same,
        "kconfiglib_differs": len(conf_lines ^ klib_lines),
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--tree", action="append", metavar="VERSION=DIR",
                    help="a kernel tree (repeatable; default: 6.1 and 6.12 from `tailor kernel source`)")
    ap.add_argument("--tailor", default=str(REPO / "build/tailor"))
    ap.add_argument("--config", help="input .config (default: Debian's config.amd64_none_amd64 for 6.1)")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--python", default="/usr/bin/python3", help="the Python that has python3-kconfiglib")
    args = ap.parse_args()

    trees = []
    for spec in args.tree or []:
        version, _, path = spec.partition("=")
        if not path or not Path(path, "Makefile").exists():
            sys.exit(f"bench: --tree {spec}: expected VERSION=DIR with DIR the top of a kernel tree")
        trees.append((version, Path(path).resolve()))
    if not trees:
        trees = [(v, kernel_tree(args.tailor, v)) for v in ("6.1", "6.12")]
    if args.config:
        config = Path(args.config).read_bytes()
    else:
        config = lzma.decompress(Path("/usr/src/linux-config-6.1/config.amd64_none_amd64.xz").read_bytes())

    with tempfile.TemporaryDirectory(prefix="kc-bench-") as tmp:
        report = [(v, t, bench_tree(v, t, config, args.tailor, args.python, args.rounds, Path(tmp))) for v, t in trees]

    ok = True
    print()
    print(f"input: {args.config or 'Debian config.amd64_none_amd64 (6.1)'}  rounds: {args.rounds}  "
          f"load average at the end: {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
    for version, tree, r in report:
        med, rss = r["median"], r["rss"]
        print(f"\nLinux {version} ({tree})")
        print(f"{'':14}{'median wall':>12}{'peak RSS':>12}{'vs conf':>10}")
        for n in med:
            print(f"{n:14}{med[n]:>10.3f} s{rss[n] / 1024:>9.1f} MiB{med['conf'] / med[n]:>9.2f}x")
        print(f"tailor's outputs identical to conf's: {'yes' if r['same'] else 'NO'}; "
              f"Kconfiglib's CONFIG_ lines differing from conf's: {r['kconfiglib_differs']}")
        print(f"warm speedup {med['conf'] / med['tailor warm']:.1f}x (goal >= 20x), "
              f"cold {med['conf'] / med['tailor cold']:.2f}x")
        ok = ok and r["same"]
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
