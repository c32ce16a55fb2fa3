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

With --mce-when REGEX the script also plays the hardware: once the console
matches REGEX it injects a recoverable machine check into vCPU 0 through the
QEMU monitor (see inject_mce()).

With --nested-kvm NESTED --vmm TAILOR_VMM the same initramfs boots under
tailor-vmm on real KVM instead: inside the KVM-in-TCG harness of the runner
tests (tests/runner/nested: an L1 Linux under QEMU TCG with kvm-amd), so the
KML kernel runs as a KVM guest on this machine too.

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
import select
import socket
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
    ap.add_argument("--icount", action="store_true",
                    help="QEMU's deterministic instruction counting (-icount shift=0,sleep=off): "
                         "the guest's clock advances 1 ns per instruction, so its ns are instructions")
    ap.add_argument("--console-log", help="also write the console here")
    ap.add_argument("--json", action="store_true", help="print the parsed runs as JSON")
    ap.add_argument("--nested-kvm", metavar="NESTED", help="boot under tailor-vmm in this nested-KVM harness")
    ap.add_argument("--vmm", metavar="TAILOR_VMM", help="the tailor-vmm binary (with --nested-kvm)")
    ap.add_argument("--mce-when", metavar="REGEX",
                    help="once the console matches REGEX, inject a recoverable machine check into vCPU 0 "
                         "while it runs code in the user half of the address space (QEMU TCG only)")
    args = ap.parse_args()
    if args.nested_kvm and not args.vmm:
        sys.exit("kml_guest: --nested-kvm needs --vmm TAILOR_VMM")
    if args.nested_kvm and args.mce_when:
        sys.exit("kml_guest: --mce-when needs QEMU's monitor: not with --nested-kvm")

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
        start = time.monotonic()
        if args.nested_kvm:
            console, timed_out = boot_nested(args, initrd, tmp)
        else:
            console, timed_out = boot_qemu(args, initrd, tmp)
        elapsed = time.monotonic() - start

    return finish(args, console, timed_out, elapsed)


def boot_nested(args, initrd, tmp):
    """tailor-vmm on KVM inside the nested harness; returns (console, timed_out)."""
    vmm = ["tailor-vmm", "--json", "--kernel", "/l2/bzImage", "--initrd", "/l2/initrd", "--mem", args.memory,
           "--cpus", str(args.cpus), "--timeout", str(args.timeout), "--cmdline", args.append]
    # One L1 CPU per L2 vCPU: with two L2 vCPUs sharing one L1 CPU, a vCPU
    # spinning on a lock held by the descheduled other one starves it.
    plan = {"l1": {"machine": "pc", "cpus": args.cpus, "timeout_s": args.timeout + 300, "icount": args.icount},
            "files": [{"guest": "/bin/tailor-vmm", "host": args.vmm, "strip": True},
                      {"guest": "/l2/bzImage", "host": args.kernel},
                      {"guest": "/l2/initrd", "host": initrd}],
            "cases": [{"name": "kml", "argv": vmm, "timeout_s": args.timeout + 60}]}
    plan_path, result_path = os.path.join(tmp, "plan.json"), os.path.join(tmp, "result.json")
    with open(plan_path, "w") as f:
        json.dump(plan, f)
    proc = subprocess.run([args.nested_kvm, "run", plan_path, "-o", result_path], stdin=subprocess.DEVNULL,
                          capture_output=True, text=True, timeout=args.timeout + 600)
    print(proc.stderr.strip())
    if not os.path.exists(result_path):
        return f"nested harness failed (exit {proc.returncode}): {proc.stderr[-2000:]}", False
    res = json.load(open(result_path))
    case = next((c for c in res.get("cases", []) if c["name"] == "kml"), None)
    if case is None:
        return (f"the nested case did not report back; L1 {res.get('l1_outcome')} ({res.get('l1_detail', '')}); "
                f"L1 console: {res.get('l1_console_tail', '')[-2000:]}"), False
    try:
        report = json.loads(case["stdout"])
    except ValueError:
        return f"tailor-vmm printed no JSON (exit {case['exit_code']}): {case['stdout'][-1000:]}{case['stderr'][-1000:]}", False
    print(f"tailor-vmm under nested KVM: outcome {report.get('outcome')}, exit {case['exit_code']}, "
          f"{case['seconds']:.1f} s")
    return report.get("console", ""), report.get("outcome") == "timeout"


def boot_qemu(args, initrd, tmp):
    """QEMU TCG; returns (console, timed_out)."""
    # One socket per vCPU: SeaBIOS's MP table (this kernel has no ACPI)
    # lists packages, so cores of one socket would stay invisible.
    cmd = ["qemu-system-x86_64", "-accel", "tcg", "-M", "pc", "-cpu", args.cpu,
           "-smp", f"{args.cpus},sockets={args.cpus}", "-m", args.memory, "-nographic", "-no-reboot",
           "-nodefaults", "-serial", "stdio",
           "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04",
           "-kernel", args.kernel, "-initrd", initrd, "-append", args.append]
    if args.icount:
        cmd += ["-icount", "shift=0,sleep=off"]
    if args.mce_when:
        monitor = os.path.join(tmp, "monitor.sock")
        cmd += ["-monitor", f"unix:{monitor},server=on,wait=off"]
        return boot_qemu_with_mce(args, cmd, monitor)
    try:
        proc = subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, timeout=args.timeout)
        return proc.stdout.decode(errors="replace"), False
    except subprocess.TimeoutExpired as e:
        return (e.stdout or b"").decode(errors="replace"), True


# The machine check inject_mce() raises: bank 1, an uncorrected data load
# error that software can recover from by killing whoever consumed it
# (MCi_STATUS VAL|UC|EN|MISCV|ADDRV|S|AR, MCACOD 0x134), no restart IP
# (MCG_STATUS EIPV|MCIP): Linux must send SIGBUS to the task it interrupted,
# and panic when it interrupted the kernel.
MCE_COMMAND = "mce 0 1 0xbd80000000000134 0x6 0x1000 0x8c"


def monitor_command(sock, command):
    """Sends one HMP command; returns what the monitor printed until its next prompt."""
    sock.sendall(command.encode() + b"\n")
    out = b""
    deadline = time.monotonic() + 10
    while not out.rstrip().endswith(b"(qemu)") and time.monotonic() < deadline:
        if select.select([sock], [], [], 0.5)[0]:
            chunk = sock.recv(65536)
            if not chunk:
                break
            out += chunk
    return out.decode(errors="replace")


def inject_mce(monitor):
    """Injects MCE_COMMAND at a moment vCPU 0 runs user-half code (a trusted
    process at CPL 0, or any process at CPL 3): stop the machine, read RIP,
    inject and continue when it is there (the #MC is then taken before the
    next instruction), otherwise continue and look again. Returns a note."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.connect(monitor)
        monitor_command(sock, "")  # the banner and first prompt
        for attempt in range(200):
            monitor_command(sock, "stop")
            regs = monitor_command(sock, "info registers")
            m = re.search(r"RIP=([0-9a-f]{16})", regs)
            if m and int(m.group(1), 16) < 1 << 47:
                # The monitor echoes the command with terminal editing codes;
                # what it prints after it is a complaint ("not supported", ...).
                reply = re.sub(r"\x1b\[[0-9;]*[A-Za-z]|\(qemu\)", "", monitor_command(sock, MCE_COMMAND))
                complaint = reply.strip().splitlines()[1:] if "\n" in reply.strip() else []
                monitor_command(sock, "cont")
                note = f"machine check injected at RIP {m.group(1)} (try {attempt + 1})"
                return note + (f"; QEMU says: {' '.join(complaint)[:200]}" if complaint else "")
            monitor_command(sock, "cont")
            time.sleep(0.05)
    return "no machine check injected: vCPU 0 was never found in user-half code"


def boot_qemu_with_mce(args, cmd, monitor):
    """QEMU with its monitor on a socket: reads the console as it comes and
    injects the machine check once it matches --mce-when."""
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    console, injected = b"", False
    deadline = time.monotonic() + args.timeout
    try:
        while time.monotonic() < deadline:
            if select.select([proc.stdout], [], [], 0.5)[0]:
                chunk = os.read(proc.stdout.fileno(), 65536)
                if not chunk:
                    break
                console += chunk
            if not injected and re.search(args.mce_when, console.decode(errors="replace"), re.M):
                injected = True
                print(inject_mce(monitor))
        else:
            proc.kill()
            return console.decode(errors="replace"), True
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait()
    return console.decode(errors="replace"), False


def finish(args, console, timed_out, elapsed):
    """Judges the console of a finished boot; exits with the verdict."""
    if args.console_log:
        with open(args.console_log, "w") as f:
            f.write(console)
    console = console.replace("\r", "")
    runs = parse_runs(console)
    problems = []
    if timed_out:
        problems.append(f"the guest did not finish in {args.timeout} s")
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
    where = "tailor-vmm, nested KVM" if args.nested_kvm else f"QEMU TCG, -cpu {args.cpu}"
    print(f"PASS ({elapsed:.1f} s, {args.cpus} vCPU, {where})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
