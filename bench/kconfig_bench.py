#!/usr/bin/env python3
"""Benchmark: full parse + olddefconfig of a kernel tree, tailor vs the
kernel's own conf, side by side in one run.

Each round runs, in turn:
  conf          scripts/kconfig/conf --olddefconfig, built by kbuild and run
                with the environment make gives it (tests/kconfig/oracle.py)
  tailor warm   tailor kconfig olddefconfig with its $(shell) memo filled
  tailor cold   tailor kconfig olddefconfig --no-shell-cache (runs every
                $(shell,...) like conf does)
on the same input .config (Debian's config.amd64_none_amd64 by default), and
records wall time and peak memory (max RSS of the process itself). It prints
medians over the rounds and the ratios, and checks that all outputs are equal.

  bench/kconfig_bench.py --srctree /work/ref/linux-source-6.1 --rounds 7
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


def timed(cmd, env=None, cwd=None):
    """Runs cmd; returns (seconds, peak RSS in KiB of the process, exit status)."""
    t0 = time.perf_counter()
    p = subprocess.Popen(cmd, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(p.pid, 0)
    elapsed = time.perf_counter() - t0
    err = p.stderr.read()
    p.stderr.close()
    p.returncode = os.waitstatus_to_exitcode(status)
    if p.returncode != 0:
        sys.exit(f"bench: {' '.join(map(str, cmd))} failed:\n{err.decode(errors='replace')[-2000:]}")
    return elapsed, usage.ru_maxrss


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--srctree", default="/work/ref/linux-source-6.1")
    ap.add_argument("--tailor", default=str(REPO / "build/tailor"))
    ap.add_argument("--config", help="input .config (default: Debian's config.amd64_none_amd64 for 6.1)")
    ap.add_argument("--rounds", type=int, default=5)
    args = ap.parse_args()

    srctree = Path(args.srctree).resolve()
    if args.config:
        config = Path(args.config).read_bytes()
    else:
        config = lzma.decompress(Path("/usr/src/linux-config-6.1/config.amd64_none_amd64.xz").read_bytes())
    orc = oracle.Oracle(srctree, log=lambda m: print(m, flush=True))
    conf_env = dict(orc.env())

    with tempfile.TemporaryDirectory(prefix="kc-bench-") as tmp:
        tmp = Path(tmp)
        memo = tmp / "cache"  # tailor's cache for this benchmark only
        tenv = dict(os.environ, TAILOR_CACHE=str(memo))
        (tmp / "in.config").write_bytes(config)
        conf_dir = tmp / "conf"
        conf_dir.mkdir()

        def run_conf():
            (conf_dir / ".config").write_bytes(config)
            env = dict(conf_env, PWD=str(conf_dir))
            r = timed([str(orc.conf()), "-s", "--olddefconfig", "Kconfig"], env=env, cwd=conf_dir)
            return r, (conf_dir / ".config").read_bytes()

        def run_tailor(cold):
            out = tmp / ("cold.config" if cold else "warm.config")
            cmd = [args.tailor, "kconfig", "olddefconfig", "--srctree", str(srctree), "--arch", oracle.ARCH, "-q",
                   "--in", str(tmp / "in.config"), "--out", str(out)]
            if cold:
                cmd.append("--no-shell-cache")
            r = timed(cmd, env=tenv)
            return r, out.read_bytes()

        run_tailor(False)  # fill the memo: the warm runs below start no process
        results = {"conf": [], "tailor warm": [], "tailor cold": []}
        outputs = {}
        for i in range(args.rounds):
            for name, fn in (("conf", run_conf), ("tailor warm", lambda: run_tailor(False)),
                             ("tailor cold", lambda: run_tailor(True))):
                (secs, rss), out = fn()
                results[name].append((secs, rss))
                outputs.setdefault(name, out)
                if outputs[name] != out:
                    sys.exit(f"bench: {name} gave different outputs in different rounds")
            print(f"round {i + 1}/{args.rounds}: " +
                  ", ".join(f"{n} {results[n][-1][0]:.3f} s" for n in results), flush=True)

    same = outputs["conf"] == outputs["tailor warm"] == outputs["tailor cold"]
    med = {n: statistics.median(s for s, _ in v) for n, v in results.items()}
    rss = {n: max(r for _, r in v) for n, v in results.items()}
    print()
    print(f"tree: {srctree}  input: {args.config or 'Debian config.amd64_none_amd64 (6.1)'}  rounds: {args.rounds}")
    print(f"load average at the end: {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
    print(f"{'':14}{'median wall':>12}{'peak RSS':>12}{'vs conf':>10}")
    for n in results:
        ratio = med["conf"] / med[n]
        print(f"{n:14}{med[n]:>10.3f} s{rss[n] / 1024:>9.1f} MiB{ratio:>9.2f}x")
    print(f"outputs identical: {'yes' if same else 'NO'}")
    print(f"warm speedup {med['conf'] / med['tailor warm']:.1f}x (goal >= 5x), "
          f"cold speedup {med['conf'] / med['tailor cold']:.2f}x (goal > 1x)")
    sys.exit(0 if same else 1)


if __name__ == "__main__":
    main()
