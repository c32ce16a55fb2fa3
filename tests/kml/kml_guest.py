#!/usr/bin/python3
"""Boot a kernel under QEMU TCG with a small test initramfs and judge the run.

The initramfs holds tests/kml/guest/init (PID 1), the files given with
--file GUEST=HOST, and /etc/kml-run with the --run command lines. init runs
each line, framing its output with KML-RUN-BEGIN/END markers (see
guest/init.c); this script reads the serial console and checks:

  * every run ended with the expected status (0 unless --expect-status N=S),
  * --expect N=REGEX: run N's output matches REGEX,
  * --expect-log REGEX: the whole console (kernel log included) matches,
  * the kernel log shows no WARN, BUG, oops, double fault or panic.

Exit status 0 when all hold; otherwise the reasons and the console's end.
The initramfs is deterministic (sorted, zero times, uid 0).

  kml_guest.py --kernel bzImage --file /trusted/kml-cpl=build/kml-cpl \\
      --run /trusted/kml-cpl --expect 0='CPL 0' [--cpus 2] [--cpu max]
"""
import argparse
import gzip
import io
import json
import os
import re
import subprocess
import sys
import tempfile
import time

# Kernel trouble. "traps: prog[pid] general protection fault ..." lines are
# signals sent to user processes (the stress suite provokes some) and are fine.
KERNEL_PROBLEMS = re.compile(
    r"WARNING: CPU: \d+ PID|cut here|BUG:|Oops|general protection fault.*\[#\d+\]|double fault|Kernel panic|"
    r"kernel BUG|invalid opcode: .*\[#|stack segment: .*\[#|Unable to handle|unable to handle|"
    r"Call Trace:|RIP: 0010:")

DEFAULT_APPEND = "console=ttyS0 pti=off panic=-1"


def cpio_newc(entries):
    """entries: list of (path, mode, data bytes, rdevmajor, rdevminor), sorted."""
    out = io.BytesIO()

    def pad4(n):
        out.write(b"\0" * ((4 - n % 4) % 4))

    def record(name, mode, data, ino, rmaj=0, rmin=0, nlink=1):
        name_b = name.encode() + b"\0"
        hdr = "070701" + "".join("%08X" % v for v in (
            ino, mode, 0, 0, nlink, 0, len(data), 0, 0, rmaj, rmin, len(name_b), 0))
        out.write(hdr.encode())
        out.write(name_b)
        pad4(110 + len(name_b))
        out.write(data)
        pad4(len(data))

    for ino, (path, mode, data, rmaj, rmin) in enumerate(entries, start=1):
        record(path, mode, data, ino, rmaj, rmin, 2 if mode & 0o040000 else 1)
    record("TRAILER!!!", 0, b"", 0)
    return out.getvalue()


def build_initramfs(init_path, files, run_lines):
    tree = {}

    def add_dirs(path):
        parts = path.split("/")[:-1]
        for i in range(1, len(parts) + 1):
            d = "/".join(parts[:i])
            if d and d not in tree:
                tree[d] = (0o040755, b"", 0, 0)

    def add_file(path, data, mode=0o100755):
        path = path.lstrip("/")
        add_dirs(path)
        tree[path] = (mode, data, 0, 0)

    with open(init_path, "rb") as f:
        add_file("init", f.read())
    for guest, host in files:
        with open(host, "rb") as f:
            add_file(guest, f.read())
    add_file("etc/kml-run", ("\n".join(run_lines) + "\n").encode(), 0o100644)
    for d in ("dev", "proc", "tmp", "bin", "trusted"):
        tree.setdefault(d, (0o040755, b"", 0, 0))
    tree["dev/console"] = (0o020600, b"", 5, 1)
    entries = [(p,) + tree[p] for p in sorted(tree)]
    raw = cpio_newc(entries)
    buf = io.BytesIO()
    with gzip.GzipFile(fileobj=buf, mode="wb", mtime=0, compresslevel=6) as gz:
        gz.write(raw)
    return buf.getvalue()


def parse_runs(console):
    runs = {}
    cur = None
    for line in console.splitlines():
        m = re.search(r"KML-RUN-BEGIN (\d+) (.*)", line)
        if m:
            cur = int(m.group(1))
            runs[cur] = {"command": m.group(2).strip(), "output": [], "status": None}
            continue
        m = re.search(r"KML-RUN-END (\d+) status=(\S+)", line)
        if m and int(m.group(1)) in runs:
            runs[int(m.group(1))]["status"] = m.group(2)
            cur = None
            continue
        if cur is not None:
            runs[cur]["output"].append(line)
    return runs


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--kernel", required=True)
    ap.add_argument("--init", required=True, help="the guest init binary (tests/kml/guest/init.c)")
    ap.add_argument("--file", action="append", default=[], help="GUEST_PATH=HOST_PATH")
    ap.add_argument("--run", action="append", default=[], help="a command line for the guest's init")
    ap.add_argument("--expect", action="append", default=[], help="N=REGEX on run N's output")
    ap.add_argument("--expect-status", action="append", default=[], help="N=STATUS for run N (default 0)")
    ap.add_argument("--expect-log", action="append", default=[], help="REGEX the console must match")
    ap.add_argument("--cpus", type=int, default=1)
    ap.add_argument("--cpu", default="EPYC", help="QEMU CPU model (EPYC, max, qemu64)")
    ap.add_argument("--memory", default="256")
    ap.add_argument("--append", default=DEFAULT_APPEND, help="kernel command line")
    ap.add_argument("--timeout", type=int, default=600)
    ap.add_argument("--console-log", help="also write the console here")
    ap.add_argument("--json", action="store_true", help="print the parsed runs as JSON")
    args = ap.parse_args()

    for path in (args.kernel, args.init):
        if not os.path.isfile(path):
            sys.exit(f"kml_guest: {path}: no such file")
    files = []
    for spec in args.file:
        guest, sep, host = spec.partition("=")
        if not sep or not guest.startswith("/"):
            sys.exit(f"kml_guest: --file '{spec}': expected /GUEST/PATH=HOST_PATH")
        if not os.path.isfile(host):
            sys.exit(f"kml_guest: --file '{spec}': {host}: no such file")
        files.append((guest, host))

    with tempfile.TemporaryDirectory(prefix="kml-guest-") as tmp:
        initrd = os.path.join(tmp, "initramfs.cpio.gz")
        with open(initrd, "wb") as f:
            f.write(build_initramfs(args.init, files, args.run))
        # One socket per vCPU: SeaBIOS's MP table (this kernel has no ACPI)
        # lists packages, so cores of one socket would stay invisible.
        cmd = ["qemu-system-x86_64", "-accel", "tcg", "-M", "pc", "-cpu", args.cpu,
               "-smp", f"{args.cpus},sockets={args.cpus}", "-m", args.memory, "-nographic", "-no-reboot",
               "-nodefaults", "-serial", "stdio",
               "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04",
               "-kernel", args.kernel, "-initrd", initrd, "-append", args.append]
        start = time.monotonic()
        try:
            proc = subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                  stderr=subprocess.STDOUT, timeout=args.timeout)
            console = proc.stdout.decode(errors="replace")
            timed_out = False
        except subprocess.TimeoutExpired as e:
            console = (e.stdout or b"").decode(errors="replace")
            timed_out = True
        elapsed = time.monotonic() - start

    if args.console_log:
        with open(args.console_log, "w") as f:
            f.write(console)
    console = console.replace("\r", "")
    runs = parse_runs(console)
    problems = []
    if timed_out:
        problems.append(f"QEMU did not finish in {args.timeout} s")
    if "KML-RUN-DONE" not in console:
        problems.append("the guest's init did not finish (no KML-RUN-DONE)")
    expect_status = {}
    for spec in args.expect_status:
        n, _, st = spec.partition("=")
        expect_status[int(n)] = st
    for n, line in enumerate(args.run):
        r = runs.get(n)
        want = expect_status.get(n, "0")
        if r is None or r["status"] is None:
            problems.append(f"run {n} ({line}) did not complete")
        elif r["status"] != want:
            problems.append(f"run {n} ({line}) ended with status {r['status']}, expected {want}")
    for spec in args.expect:
        n, _, rx = spec.partition("=")
        r = runs.get(int(n))
        out = "\n".join(r["output"]) if r else ""
        if not re.search(rx, out, re.M):
            problems.append(f"run {n} output does not match /{rx}/")
    for rx in args.expect_log:
        if not re.search(rx, console, re.M):
            problems.append(f"console does not match /{rx}/")
    bad = [l for l in console.splitlines() if KERNEL_PROBLEMS.search(l)]
    if bad:
        problems.append("kernel log shows problems:\n    " + "\n    ".join(bad[:20]))

    if args.json:
        print(json.dumps({"elapsed_s": round(elapsed, 2), "runs": runs, "problems": problems}, indent=2))
    for n, r in sorted(runs.items()):
        print(f"--- run {n}: {r['command']} -> status {r['status']}")
        for l in r["output"]:
            print("    " + l)
    if problems:
        print("\n".join(console.splitlines()[-60:]))
        print(f"FAIL ({elapsed:.1f} s):")
        for p in problems:
            print("  - " + p)
        return 1
    print(f"PASS ({elapsed:.1f} s, {args.cpus} vCPU, -cpu {args.cpu})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
