#!/usr/bin/env python3
"""Static analysis precision for the analyzer (issue 6): for each manifest,
the system calls `tailor analyze` finds statically vs those the app really
made when `tailor analyze --trace` ran its argv on this machine under ptrace.

  bench/analyzer_precision.py                 # every manifests/*.toml
  bench/analyzer_precision.py tests/manifests/jq.toml --json out.json

Columns: static = syscalls found in every program of the image (the set the
config is derived from; "app" = the manifest's argv[0] alone), traced = made
in the traced run, both, static only (over-approximation: code paths this run
did not take, or never taken), traced only (missed by the static analysis:
an option could be missing, so this must stay 0). "used" = both / static is
how much of the static set one run exercises; it is a lower bound of the
precision, since one run does not take every path.
"""
import argparse
import json
import pathlib
import subprocess
import sys
import tempfile

ROOT = pathlib.Path(__file__).resolve().parent.parent


def analyze(tailor, manifest, out, timeout):
    cmd = [tailor, "analyze", str(manifest), "--trace", "--trace-timeout", str(timeout), "-o", str(out)]
    r = subprocess.run(cmd, text=True, capture_output=True)
    if r.returncode not in (0, 3):  # 3: some requirement unmet; the syscall sets are still valid
        sys.exit(f"analyzer_precision: {' '.join(cmd)} failed (exit {r.returncode}):\n{r.stderr.strip()}")
    return json.loads((out / "report.json").read_text())["syscalls"]


def row_for(name, sets):
    static, app, traced = set(sets["static_all"]), set(sets["static_app"]), set(sets["traced"])
    both = static & traced
    return {
        "app": name,
        "static_app": len(app),
        "static": len(static),
        "traced": len(traced),
        "both": len(both),
        "static_only": len(static - traced),
        "traced_only": sorted(traced - static),
        "used": len(both) / len(static) if static else 0.0,
    }


def table(rows):
    lines = ["| app | static (app) | static (all programs) | traced | both | static only | traced only (missed) | used |",
             "|---|---:|---:|---:|---:|---:|---|---:|"]
    for r in rows:
        missed = f"{len(r['traced_only'])}: {' '.join(r['traced_only'])}" if r["traced_only"] else "0"
        lines.append(f"| {r['app']} | {r['static_app']} | {r['static']} | {r['traced']} | {r['both']} | "
                     f"{r['static_only']} | {missed} | {r['used']:.0%} |")
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("manifests", nargs="*", help="manifests (default: every manifests/*.toml)")
    ap.add_argument("--tailor", default=str(ROOT / "build" / "tailor"))
    ap.add_argument("--trace-timeout", type=int, default=60, help="seconds before a traced run is stopped")
    ap.add_argument("--json", help="also write the rows here")
    a = ap.parse_args()

    manifests = [pathlib.Path(m) for m in a.manifests] or sorted((ROOT / "manifests").glob("*.toml"))
    rows = []
    with tempfile.TemporaryDirectory(prefix="tailor-precision-") as tmp:
        for m in manifests:
            print(f"== {m.stem}: tailor analyze --trace", file=sys.stderr)
            out = pathlib.Path(tmp) / m.stem
            rows.append(row_for(m.stem, analyze(a.tailor, m, out, a.trace_timeout)))
    print(table(rows))
    if a.json:
        pathlib.Path(a.json).write_text(json.dumps(rows, indent=2, sort_keys=True) + "\n")
    # Non-zero when the static analysis missed a syscall the app made: that is a bug to look at.
    return 1 if any(r["traced_only"] for r in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
