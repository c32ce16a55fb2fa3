#!/usr/bin/env python3
"""Network benchmark (issue 14): host -> guest requests through a forwarded
port, side by side for tailor-vmm + libslirp, QEMU's user networking and
tailor-vmm + TAP, in one run.

The guest is the runner's user-networking test service
(tests/runner/user_net_init.c: one HTTP/1.0 response per connection, on
guest port 80) on the small kernel + tests/runner/virtio.config. The client
(bench/net/http_load.c, static) makes REQUESTS sequential requests, a new
connection each, on loopback only (through the forward; for TAP, to the
guest's address over the TAP), and reports the latency median / p90 / max and
the rate. Every run is bounded (--requests, timeouts) and stopped through the
stop channel afterwards.

Where this host's /dev/kvm is usable, all three run here (TAP only with
--tap NAME, an existing interface with 10.0.2.1/24 on the host side). Where it
is not (this project's build machine), QEMU user networking runs here under
TCG, and the three are compared inside the nested KVM harness (KVM in an L1
Linux under QEMU TCG; the TAP made there by root): numbers that compare the
network paths under identical, emulated conditions but are NOT real-hardware
throughput, and under TCG on the host they mostly measure the emulator.

  bench/net_bench.py [--requests N] [--no-nested] [--tap NAME] [--build DIR]
"""
import argparse
import json
import os
import platform
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CMDLINE = "console=ttyS0 panic=-1 quiet"


def sh(argv, **kw):
    return subprocess.run(argv, capture_output=True, text=True, errors="replace", **kw)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def host_run(tailor, load, backend, kernel, initrd, requests, net, target):
    """One boot here: wait for the service, run the client, stop the guest."""
    argv = [tailor, "boot", "--backend", backend, "-k", kernel, "-i", initrd, "--mem", "128", "--timeout", "900",
            "--cmdline", CMDLINE, "--net", net, "--stop-channel"]
    p = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, errors="replace")
    ready = threading.Event()

    def watch():
        for line in p.stdout:
            if "USER-NET-READY" in line:
                ready.set()
    threading.Thread(target=watch, daemon=True).start()
    try:
        if not ready.wait(300):
            return {"error": "the service did not come up: " + p.stderr.read()[-500:] if p.poll() is not None else "timeout"}
        r = sh([load] + target + [str(requests)], timeout=900)
        result = json.loads(r.stdout.strip().splitlines()[-1]) if r.stdout.strip() else {"error": r.stderr[-500:]}
        p.send_signal(signal.SIGTERM)
        p.wait(timeout=120)
        return result
    finally:
        if p.poll() is None:
            p.kill()


def ldd_closure(binary):
    libs = []
    for line in sh(["ldd", binary]).stdout.splitlines():
        parts = line.split()
        path = parts[2] if "=>" in parts and len(parts) > 2 else parts[0]
        if path.startswith("/") and os.path.exists(path):
            libs.append(path)
    return libs


def nested_runs(build, load, kernel, initrd, requests, work):
    """One L1 boot: each monitor in turn, the client inside L1."""
    qemu = shutil.which("qemu-system-x86_64")
    tailor = os.path.join(build, "tailor")
    files = [{"guest": "/bin/tailor", "host": tailor, "strip": True},
             {"guest": "/bin/tailor-vmm", "host": os.path.join(build, "tailor-vmm"), "strip": True},
             {"guest": "/bin/http_load", "host": load},
             {"guest": "/l2/bzImage", "host": kernel}, {"guest": "/l2/initrd", "host": initrd},
             {"guest": "/bin/qemu-system-x86_64", "host": qemu}]
    libs = set(ldd_closure(tailor)) | set(ldd_closure(qemu))
    files += [{"guest": lib, "host": lib} for lib in sorted(libs)]
    for name in ("qboot.rom", "bios-microvm.bin", "linuxboot_dma.bin", "linuxboot.bin", "kvmvapic.bin"):
        files.append({"guest": f"/share/qemu/{name}", "host": os.path.realpath(f"/usr/share/qemu/{name}")})
    module = "/usr/lib/x86_64-linux-gnu/qemu/accel-tcg-x86_64.so"
    if os.path.exists(module):
        files.append({"guest": module, "host": module})
    boot = f"-k /l2/bzImage -i /l2/initrd --mem 128 --timeout 900 --cmdline '{CMDLINE}' --stop-channel"

    def case(monitor, net, target):
        # Start the monitor, wait for the service, run the client, stop the
        # guest. A console file of its own: the background job may open it
        # after the first grep, which must not see an earlier case's READY.
        console = "/tmp/console-" + target.replace(" ", "-")
        return (f"ip link set lo up; rm -f {console}; " + monitor + " " + boot + f" --net {net} >{console} 2>&1 & "
                f"pid=$!; i=0; while ! grep -q USER-NET-READY {console} 2>/dev/null; do i=$((i+1)); "
                f"[ $i -gt 1500 ] && break; sleep 0.2; done; http_load {target} {requests}; kill -TERM $pid; "
                f"wait $pid; echo monitor-exit=$?; tail -3 {console} >&2")
    monitors = [
        ("tailor-vmm + libslirp", case("tailor boot --backend kvm", "user,hostfwd=tcp:127.0.0.1:8080-:80",
                                       "127.0.0.1 8080")),
        ("QEMU user networking", case("tailor boot --backend qemu", "user,hostfwd=tcp:127.0.0.1:8081-:80",
                                      "127.0.0.1 8081")),
        ("tailor-vmm + TAP", "tunctl -t tap0 >/dev/null && ip addr add 10.0.2.1/24 dev tap0 && ip link set tap0 up && "
         "{ " + case("tailor-vmm", "tap0", "10.0.2.15 80") + "; }"),
    ]
    cases = [{"name": f"m{i}", "argv": ["sh", "-c", script], "timeout_s": 900} for i, (_, script) in enumerate(monitors)]
    plan = {"l1": {"machine": "pc", "mem_mib": 2048, "timeout_s": 2700}, "files": files, "cases": cases}
    plan_path, result_path = os.path.join(work, "plan.json"), os.path.join(work, "result.json")
    json.dump(plan, open(plan_path, "w"), indent=1)
    p = sh([os.path.join(build, "tests", "nested-kvm"), "run", plan_path, "-o", result_path], timeout=2900)
    if not os.path.exists(result_path):
        return {name: {"error": "nested run failed: " + p.stderr[-800:]} for name, _ in monitors}
    got = {c["name"]: c for c in json.load(open(result_path)).get("cases", [])}
    rows = {}
    for i, (name, _) in enumerate(monitors):
        c = got.get(f"m{i}", {})
        lines = [l for l in c.get("stdout", "").splitlines() if l.startswith("{")]
        rows[name] = json.loads(lines[-1]) if lines else {"error": (c.get("stdout", "") + c.get("stderr", ""))[-600:]}
        if rows[name].get("failed"):
            rows[name]["note"] = (c.get("stdout", "") + c.get("stderr", ""))[-600:]
    return rows


def print_table(title, rows):
    print(f"\n{title}")
    print(f"  {'path':<26} {'requests':>8} {'failed':>6} {'median':>10} {'p90':>10} {'max':>10} {'rate':>10}")
    for name, r in rows.items():
        if "error" in r:
            print(f"  {name:<26} error: {r['error'].strip()[:300]}")
            continue
        print(f"  {name:<26} {r['requests']:>8} {r['failed']:>6} {r['median_us'] / 1000:>8.2f}ms "
              f"{r['p90_us'] / 1000:>8.2f}ms {r['max_us'] / 1000:>8.2f}ms {r['rate_per_s']:>7.1f}/s")
        if r.get("note"):
            print("    " + r["note"].strip().replace("\n", "\n    "))


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--requests", type=int, default=200)
    p.add_argument("--no-nested", action="store_true", help="skip the nested KVM comparison")
    p.add_argument("--tap", help="an existing TAP interface (host side 10.0.2.1/24) for tailor-vmm + TAP here")
    p.add_argument("--build", default=os.path.join(ROOT, "build"))
    args = p.parse_args()
    if not 1 <= args.requests <= 10000:
        sys.exit("--requests: 1..10000")
    tailor = os.path.join(args.build, "tailor")
    work = tempfile.mkdtemp(prefix="tailor-net-bench-")
    try:
        kdir = os.path.join(work, "kernel")
        k = sh([tailor, "kernel", "build", "--base", "tinyconfig", "--config",
                os.path.join(ROOT, "image-builder/configs/small.config"), "--config",
                os.path.join(ROOT, "tests/runner/virtio.config"), "-o", kdir])
        if k.returncode != 0:
            sys.exit("kernel build failed:\n" + k.stderr[-2000:])
        kernel = os.path.join(kdir, "bzImage")
        initrd = os.path.join(args.build, "tests", "runner", "guests", "user-net-initramfs.cpio")
        load = os.path.join(work, "http_load")
        c = sh(["musl-gcc", "-static", "-O2", "-o", load, os.path.join(ROOT, "bench/net/http_load.c")])
        if c.returncode != 0:
            sys.exit("building the client failed:\n" + c.stderr)
        doctor = json.loads(sh([tailor, "doctor", "--json"]).stdout or "{}")
        kvm = bool(doctor.get("kvm", {}).get("usable"))

        print("tailor network benchmark: host -> guest HTTP requests through a forwarded port")
        print(f"  host: {platform.node()}, {os.cpu_count()} CPUs, Linux {platform.release()}; "
              f"KVM {'usable' if kvm else 'NOT usable'}")
        print(f"  guest: small kernel + virtio.config, user_net_init.c service; {args.requests} sequential "
              "requests per path, one connection each, loopback only")
        rows = {}
        if kvm:
            port = free_port()
            rows["tailor-vmm + libslirp"] = host_run(tailor, load, "kvm", kernel, initrd, args.requests,
                                                     f"user,hostfwd=tcp:127.0.0.1:{port}-:80", ["127.0.0.1", str(port)])
        port = free_port()
        rows["QEMU user networking"] = host_run(tailor, load, "qemu", kernel, initrd, args.requests,
                                                f"user,hostfwd=tcp:127.0.0.1:{port}-:80", ["127.0.0.1", str(port)])
        if kvm and args.tap:
            rows["tailor-vmm + TAP"] = host_run(tailor, load, "kvm", kernel, initrd, args.requests, args.tap,
                                                ["10.0.2.15", "80"])
        print_table("On this host" + ("" if kvm else " (QEMU under TCG: the numbers mostly measure the emulator; "
                                                     "tailor-vmm needs KVM)"), rows)
        if not kvm and not args.no_nested:
            rows = nested_runs(args.build, load, kernel, initrd, args.requests, work)
            print_table("Nested: inside an L1 Linux under QEMU TCG (-cpu EPYC), KVM in L1, client in L1. Same kernel,\n"
                        "  service and client for every path. These compare the paths under identical conditions but\n"
                        "  are NOT real-hardware numbers: L1 and L2 are emulated by TCG.", rows)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
