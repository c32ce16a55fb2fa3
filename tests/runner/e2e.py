#!/usr/bin/env python3
"""End-to-end tests of the runner (tailor-vmm and the QEMU backend).

  e2e.py host-guest  ...  the bare test guest on this host's /dev/kvm (77 = skipped)
  e2e.py qemu        ...  the small kernel under `tailor boot --backend qemu`
  e2e.py robustness  ...  bad inputs and bad endings (no KVM needed)
  e2e.py nested      ...  tailor-vmm under real KVM, nested in QEMU TCG
  e2e.py virtio      ...  tailor-vmm's virtio disk and net with Linux's drivers (nested;
                          only with TAILOR_E2E_VIRTIO=1: it builds a second kernel)
  e2e.py user-net    ...  user-mode networking and the stop channel under the QEMU backend:
                          a service in the guest fetched from the host through a forwarded
                          port, a second run refused on the taken port, SIGTERM -> "stop"
                          on COM2 -> the guest's own status (TAILOR_E2E_VIRTIO=1: same kernel)
  e2e.py user-net-nested  the same with tailor-vmm + libslirp under nested KVM (`tailor boot
                          --backend kvm`, dynamically linked, with its libraries in L1)
  e2e.py service-nested   redis-server's image as a service under tailor-vmm + libslirp in
                          nested KVM: SET, SIGTERM, a second boot on the same volume, GET

Each check prints PASS/FAIL lines; the exit status is 0 only if all passed.
"""
import argparse
import json
import os
import subprocess
import sys
import time

FAILURES = []


def check(condition, what, detail=""):
    print(("PASS: " if condition else "FAIL: ") + what + ("" if condition else f"\n      {detail}"))
    if not condition:
        FAILURES.append(what)


def run(argv, timeout=600):
    t0 = time.monotonic()
    p = subprocess.run(argv, capture_output=True, text=True, errors="replace", timeout=timeout)
    return p.returncode, p.stdout, p.stderr, time.monotonic() - t0


def parse_json(text):
    try:
        return json.loads(text.strip().splitlines()[-1]) if text.strip() else {}
    except (json.JSONDecodeError, IndexError):
        return {}


def check_boot(name, result, status, console_needles):
    """A boot that ran an app which reported `status`: outcome, code, console, timings."""
    rc, out, err, _ = result
    j = parse_json(out)
    check(rc == status, f"{name}: exit code {status}", f"got {rc}; stderr: {err[-2000:]}")
    check(j.get("outcome") == "app-exited" and j.get("app_status") == status,
          f"{name}: outcome app-exited with status {status}", f"json: {str(j)[:1500]}")
    console = j.get("console", "")
    for needle in console_needles:
        check(needle in console, f"{name}: console shows {needle!r}", f"console tail: {console[-1500:]}")
    t = j.get("timings_us", {})
    ok = all(isinstance(t.get(k), int) for k in ("first_instruction", "app_exec", "guest_exit")) and \
        t["first_instruction"] <= t["app_exec"] <= t["guest_exit"] <= t["total"]
    check(ok, f"{name}: timing points present and ordered", f"timings: {t}")
    return j


def check_ending(name, result, code, outcome, needle=None):
    rc, out, err, _ = result
    j = parse_json(out)
    check(rc == code, f"{name}: exit code {code}", f"got {rc}; stdout: {out[-800:]} stderr: {err[-1500:]}")
    if outcome:
        check(j.get("outcome") == outcome, f"{name}: outcome {outcome}", f"json: {str(j)[:800]}")
    if needle:
        text = out + err
        check(needle in text, f"{name}: message mentions {needle!r}", f"output: {text[-1500:]}")


def cmdline(extra):
    return "console=ttyS0 panic=-1 quiet " + extra


def host_guest(a):
    if not os.path.exists("/dev/kvm"):
        print("SKIP: no /dev/kvm on this host (the nested test covers tailor-vmm under real KVM)")
        return 77
    guest = os.path.join(a.guests, "test_guest.elf")
    r = run([a.vmm, "--kernel", guest, "--mem", "32", "--cmdline", "host kvm", "--skip-kvm-check", "--json",
             "--timeout", "60"], timeout=120)
    check_boot("test guest on host /dev/kvm", r, 42,
               ["TEST-GUEST: hello", "TEST-GUEST: cmdline [host kvm]", "ports ok"])
    check_seccomp("test guest on host /dev/kvm", r, True)
    return 0


def qemu(a):
    initrd = os.path.join(a.guests, "e2e-initramfs.cpio")
    base = [a.tailor, "boot", "--backend", "qemu", "--kernel", a.kernel, "--initrd", initrd, "--mem", "128",
            "--json", "--timeout", "180"]
    for machine, cpus, status, online in (("microvm", 1, 7, "[0]"), ("microvm", 2, 9, "[0-1]"), ("pc", 1, 11, "[0]")):
        name = f"QEMU {machine} {cpus} vCPU"
        r = run(base + ["--qemu-machine", machine, "--cpus", str(cpus),
                        "--cmdline", cmdline(f"TAILOR_TEST_STATUS={status}")])
        j = check_boot(name, r, status, [f"TAILOR-E2E-MARKER: init running, cpus online {online}, status {status}"])
        check(j.get("backend") == "qemu", f"{name}: backend reported as qemu", str(j.get("backend")))
    return 0


def robustness(a):
    initrd = os.path.join(a.guests, "e2e-initramfs.cpio")
    os.makedirs(a.work, exist_ok=True)
    boot = [a.tailor, "boot", "--backend", "qemu", "--json"]

    # Inputs, checked before any guest starts (both backends).
    text = os.path.join(a.work, "not-a-kernel.txt")
    with open(text, "w") as f:
        f.write("this is text, not a kernel\n" * 4000)
    check_ending("not a kernel", run(boot + ["--kernel", text]), 253, "error", "not a kernel")
    truncated = os.path.join(a.work, "truncated-bzImage")
    with open(a.kernel, "rb") as f, open(truncated, "wb") as g:
        g.write(f.read(100000))
    check_ending("truncated bzImage", run(boot + ["--kernel", truncated]), 253, "error", "truncated")
    check_ending("missing kernel", run(boot + ["--kernel", "/nonexistent/bzImage"]), 253, "error", "cannot open")
    check_ending("missing initrd", run(boot + ["--kernel", a.kernel, "--initrd", "/nonexistent/initrd"]), 253,
                 "error", "cannot open initrd")
    check_ending("memory too small", run(boot + ["--kernel", a.kernel, "--mem", "20"]), 253, "error", "too small")
    check_ending("zero vCPUs", run(boot + ["--kernel", a.kernel, "--cpus", "0"]), 249, "error", "vCPU count")
    check_ending("tailor-vmm without a kernel", run([a.vmm, "--mem", "64"]), 249, None, "--kernel")

    # Endings of a running guest, under QEMU.
    base = boot + ["--kernel", a.kernel, "--initrd", initrd, "--mem", "128"]
    r = run(base + ["--cmdline", cmdline("TAILOR_TEST_MODE=hang"), "--timeout", "25"])
    check_ending("hanging guest", r, 251, "timeout")
    check("TAILOR-E2E-MARKER" in parse_json(r[1]).get("console", ""), "hanging guest: reached /init before the timeout",
          r[1][-1500:])
    check(r[3] < 60, "hanging guest: stopped soon after the timeout", f"took {r[3]:.1f} s")
    check_ending("guest reboots without a status", run(base + ["--cmdline", cmdline("TAILOR_TEST_MODE=reboot"),
                                                              "--timeout", "180"]), 250, "guest-stopped")
    check_ending("guest kernel panics", run(base + ["--cmdline", cmdline("TAILOR_TEST_MODE=panic"), "--timeout", "180"]),
                 250, "guest-stopped")

    # Backend choice: doctor's verdict, and an explicit KVM request on a host without usable KVM.
    rc, out, err, _ = run([a.tailor, "doctor", "--json"])
    d = json.loads(out) if out.strip().startswith("{") else {}
    check(d.get("qemu", {}).get("usable") is True, "doctor: QEMU usable", out + err)
    check(rc == 0 and d.get("auto_backend") in ("kvm", "qemu"), "doctor: names the backend tailor run will use", out)
    if d.get("kvm", {}).get("usable") is False:
        check_ending("--backend kvm without usable KVM",
                     run([a.tailor, "boot", "--json", "--kernel", a.kernel, "--backend", "kvm"]), 254, "error", "KVM")
        check_ending("tailor-vmm without usable KVM", run([a.vmm, "--kernel", a.kernel, "--json"]), 254, "error",
                     "KVM")
    return 0


# Starts tailor-vmm on the hanging test guest, waits until its filter is in
# place, prints NoNewPrivs/Seccomp of every thread, and stops it.
SECCOMP_STATUS_SCRIPT = """
tailor-vmm --kernel /l2/guest.elf --mem 32 --timeout 120 --cmdline '!hang' >/dev/null 2>&1 &
p=$!
i=0
while [ $i -lt 600 ] && ! grep -q '^Seccomp:[[:space:]]*2' /proc/$p/status 2>/dev/null; do
  i=$((i+1)); sleep 0.1
done
for t in /proc/$p/task/*; do echo "thread $(basename $t): $(grep -E '^(NoNewPrivs|Seccomp):' $t/status | tr -s '\t\n' '  ')"; done
kill $p; wait $p
"""


def check_seccomp(name, result, expected):
    j = parse_json(result[1])
    check(j.get("seccomp") is expected, f"{name}: run report says seccomp {expected}", f"json: {str(j)[:800]}")


def nested(a):
    os.makedirs(a.work, exist_ok=True)
    kernel_dir = os.path.dirname(a.kernel)
    initrd = os.path.join(a.guests, "e2e-initramfs.cpio")
    vmm = ["tailor-vmm", "--json"]
    kernel = vmm + ["--kernel", "/l2/bzImage", "--initrd", "/l2/initrd", "--mem", "128", "--timeout", "240"]
    guest = vmm + ["--kernel", "/l2/guest.elf", "--mem", "32", "--timeout", "60"]
    cases = [
        ("probe", ["tailor-vmm", "--probe"]),
        ("guest", guest + ["--cmdline", "nested kvm"]),
        ("guest-triple-fault", guest + ["--cmdline", "!triple-fault"]),
        ("guest-hang", vmm + ["--kernel", "/l2/guest.elf", "--mem", "32", "--timeout", "3", "--cmdline", "!hang"]),
        ("guest-reset", guest + ["--cmdline", "!reset"]),
        # loglevel=5 instead of quiet: the kernel's warnings reach the console.
        ("smp1", kernel + ["--cpus", "1", "--cmdline",
                           cmdline("TAILOR_TEST_STATUS=7").replace("quiet", "loglevel=5")]),
        ("smp2", kernel + ["--cpus", "2", "--cmdline", cmdline("TAILOR_TEST_STATUS=9")]),
        ("vmlinux-elf", vmm + ["--kernel", "/l2/vmlinux", "--initrd", "/l2/initrd", "--mem", "128", "--timeout", "240",
                               "--cmdline", cmdline("TAILOR_TEST_STATUS=5")]),
        ("guest-no-seccomp", guest + ["--no-seccomp", "--cmdline", "nested kvm"]),
        # The monitor's own view from outside: every thread of a running
        # tailor-vmm has no_new_privs and seccomp mode 2 (filter).
        ("seccomp-status", ["sh", "-c", SECCOMP_STATUS_SCRIPT]),
        ("not-a-kernel", vmm + ["--kernel", "/l2/initrd"]),
        ("memory-too-small", vmm + ["--kernel", "/l2/bzImage", "--mem", "20"]),
    ]
    plan = {
        "l1": {"machine": "pc", "timeout_s": 1300},
        "files": [
            {"guest": "/bin/tailor-vmm", "host": a.vmm, "strip": True},
            {"guest": "/l2/guest.elf", "host": os.path.join(a.guests, "test_guest.elf")},
            {"guest": "/l2/bzImage", "host": a.kernel},
            {"guest": "/l2/vmlinux", "host": os.path.join(kernel_dir, "vmlinux"), "strip": True},
            {"guest": "/l2/initrd", "host": initrd},
        ],
        "cases": [{"name": n, "argv": argv, "timeout_s": 300} for n, argv in cases],
    }
    plan_path = os.path.join(a.work, "nested-plan.json")
    result_path = os.path.join(a.work, "nested-result.json")
    with open(plan_path, "w") as f:
        json.dump(plan, f, indent=2)
    rc, out, err, secs = run([a.nested, "run", plan_path, "-o", result_path], timeout=1450)
    print(err)
    check(rc == 0, "L1 booted, loaded kvm-amd and ran every case", err[-3000:])
    if not os.path.exists(result_path):
        return 1
    res = json.load(open(result_path))
    check(res.get("l1_errors", "") == "", "L1: KVM modules loaded", res.get("l1_errors", ""))
    got = {c["name"]: (c["exit_code"], c["stdout"], c["stderr"], c["seconds"]) for c in res.get("cases", [])}
    missing = [n for n, _ in cases if n not in got]
    check(not missing, "every nested case reported back", f"missing: {missing}; L1 console tail: "
          f"{res.get('l1_console_tail', '')[-3000:]}")

    def case(name):
        return got.get(name, (-1, "", "", 0))

    probe = parse_json(case("probe")[1])
    probe = probe.get("kvm", {})
    check(case("probe")[0] == 0 and probe.get("usable") is True and (probe.get("cpl0_ns_per_iteration") or 1e9) < 200,
          "calibrated CPL 0 probe finds nested KVM usable", f"{case('probe')}")
    check_boot("test guest, nested KVM", case("guest"), 42,
               ["TEST-GUEST: hello", "TEST-GUEST: cmdline [nested kvm]", "ports ok"])
    check_ending("triple fault", case("guest-triple-fault"), 252, "guest-crashed", "triple fault")
    triple = parse_json(case("guest-triple-fault")[1])
    # KVM on AMD resets the vCPU at a shutdown intercept, so the faulting
    # state may be gone; the dump must then say so rather than show garbage.
    dump = triple.get("dump", "")
    check("ud2" in dump or "reset state" in dump,
          "triple fault: register dump disassembles the faulting ud2 (or says the hypervisor reset the vCPU)",
          dump[:2000])
    check_ending("hang", case("guest-hang"), 251, "timeout")
    check(case("guest-hang")[3] < 30, "hang: stopped soon after the 3 s timeout", f"{case('guest-hang')[3]:.1f} s")
    hang_dump = parse_json(case("guest-hang")[1]).get("dump", "")
    check("vCPU 0 state:" in hang_dump and "rip=" in hang_dump, "hang: the report shows where the vCPU was stopped",
          hang_dump[-800:] or case("guest-hang")[1][-800:])
    check_ending("i8042 reset", case("guest-reset"), 250, "guest-stopped", "i8042")
    check_boot("small kernel, 1 vCPU, nested KVM", case("smp1"), 7,
               ["TAILOR-E2E-MARKER: init running, cpus online [0], status 7"])
    # The guest's XSETBV does not exit to L1's KVM here (QEMU TCG's nested
    # SVM), so a vCPU started with KVM's reset XCR0 lost its SSE/AVX state at
    # every VM entry and Linux warned "XSAVE consistency problem" at boot.
    smp1_console = parse_json(case("smp1")[1]).get("console", "")
    check("[ cut here ]" not in smp1_console,
          "small kernel, nested KVM: no kernel warning at boot (XCR0 set up for the guest)",
          smp1_console[-3000:])
    check_boot("small kernel, 2 vCPUs, nested KVM", case("smp2"), 9,
               ["TAILOR-E2E-MARKER: init running, cpus online [0-1], status 9"])
    check_boot("small kernel as vmlinux ELF, nested KVM", case("vmlinux-elf"), 5,
               ["TAILOR-E2E-MARKER: init running, cpus online [0], status 5"])
    for n in ("guest", "guest-triple-fault", "guest-hang", "guest-reset", "smp1", "smp2", "vmlinux-elf"):
        check_seccomp(n, case(n), True)
    check_boot("test guest with --no-seccomp", case("guest-no-seccomp"), 42, ["TEST-GUEST: cmdline [nested kvm]"])
    check_seccomp("--no-seccomp", case("guest-no-seccomp"), False)
    threads = [line for line in case("seccomp-status")[1].splitlines() if line.startswith("thread ")]
    check(len(threads) >= 2 and all("NoNewPrivs: 1" in t and "Seccomp: 2" in t for t in threads),
          "a running tailor-vmm: every thread (main and vCPU) has no_new_privs and a seccomp filter",
          f"{case('seccomp-status')}")
    check_ending("not a kernel (nested)", case("not-a-kernel"), 253, "error", "not a kernel")
    check_ending("memory too small (nested)", case("memory-too-small"), 253, "error", "too small")
    for n in ("smp1", "smp2", "vmlinux-elf"):
        t = parse_json(case(n)[1]).get("timings_us", {})
        if t.get("app_exec"):
            print(f"info: {n}: first instruction {t['first_instruction'] / 1000:.1f} ms, app exec "
                  f"{t['app_exec'] / 1000:.1f} ms, total {t['total'] / 1000:.1f} ms (nested TCG: proves function only)")
    print(f"info: L1 run took {secs:.1f} s")
    return 0


def virtio(a):
    if os.environ.get("TAILOR_E2E_VIRTIO") != "1":
        print("SKIP: set TAILOR_E2E_VIRTIO=1 to build the virtio test kernel and run this test")
        return 77
    os.makedirs(a.work, exist_ok=True)
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    kdir = os.path.join(a.work, "kernel-virtio")
    rc, out, err, secs = run([a.tailor, "kernel", "build", "--base", "tinyconfig", "--config",
                              os.path.join(root, "image-builder/configs/small.config"), "--config",
                              os.path.join(root, "tests/runner/virtio.config"), "--strict", "-o", kdir], timeout=1500)
    check(rc == 0, f"virtio test kernel built ({secs:.0f} s)", err[-2000:])
    if rc != 0:
        return 1
    disk = os.path.join(a.work, "disk.img")
    with open(disk, "wb") as f:
        f.write(b"TAILOR-DISK-CONTENT\n".ljust(1 << 20, b"\0"))
    vmm = ["tailor-vmm", "--json", "--kernel", "/l2/bzImage", "--initrd", "/l2/initrd", "--mem", "128",
           "--timeout", "240", "--cmdline", "console=ttyS0 panic=-1 quiet"]
    cases = [
        ("tap", ["sh", "-c", "tunctl -t tap0 >/dev/null && ip addr add 10.0.2.1/24 dev tap0 && ip link set tap0 up"]),
        ("virtio", vmm + ["--disk", "/l2/disk.img", "--net", "tap0"]),
        ("disk-after", ["dd", "if=/l2/disk.img", "bs=1", "skip=4096", "count=16"]),
        ("missing-disk", vmm + ["--disk", "/l2/nonexistent.img"]),
    ]
    plan = {"l1": {"machine": "pc", "timeout_s": 1300},
            "files": [{"guest": "/bin/tailor-vmm", "host": a.vmm, "strip": True},
                      {"guest": "/l2/bzImage", "host": os.path.join(kdir, "bzImage")},
                      {"guest": "/l2/initrd", "host": os.path.join(a.guests, "virtio-initramfs.cpio")},
                      {"guest": "/l2/disk.img", "host": disk}],
            "cases": [{"name": n, "argv": argv, "timeout_s": 300} for n, argv in cases]}
    plan_path, result_path = os.path.join(a.work, "virtio-plan.json"), os.path.join(a.work, "virtio-result.json")
    json.dump(plan, open(plan_path, "w"), indent=2)
    rc, out, err, secs = run([a.nested, "run", plan_path, "-o", result_path], timeout=1450)
    print(err)
    res = json.load(open(result_path)) if os.path.exists(result_path) else {}
    got = {c["name"]: (c["exit_code"], c["stdout"], c["stderr"], c["seconds"]) for c in res.get("cases", [])}
    check(got.get("tap", (1,))[0] == 0, "L1: TAP interface tap0 up", str(got.get("tap")))
    check_boot("virtio disk and net, nested KVM", got.get("virtio", (-1, "", "", 0)), 0,
               ["VIRTIO-BLK: read [TAILOR-DISK-CONTENT]", "VIRTIO-BLK: wrote at 4096",
                "VIRTIO-NET: port unreachable", "VIRTIO-TEST: block ok, net ok"])
    check_seccomp("virtio disk and net", got.get("virtio", (-1, "", "", 0)), True)
    check(got.get("disk-after", (1, ""))[1] == "WRITTEN-BY-GUEST", "the guest's write reached the host file",
          str(got.get("disk-after")))
    check_ending("missing disk file", got.get("missing-disk", (-1, "", "", 0)), 253, "error", "nonexistent.img")
    return 0


def virtio_kernel(a):
    """The small kernel + tests/runner/virtio.config (cached after its first build)."""
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    kdir = os.path.join(a.work, "kernel-virtio")
    rc, out, err, secs = run([a.tailor, "kernel", "build", "--base", "tinyconfig", "--config",
                              os.path.join(root, "image-builder/configs/small.config"), "--config",
                              os.path.join(root, "tests/runner/virtio.config"), "--strict", "-o", kdir], timeout=1500)
    check(rc == 0, f"virtio test kernel built ({secs:.0f} s)", err[-2000:])
    return os.path.join(kdir, "bzImage") if rc == 0 else None


def free_port():
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def user_net(a):
    if os.environ.get("TAILOR_E2E_VIRTIO") != "1":
        print("SKIP: set TAILOR_E2E_VIRTIO=1 to build the virtio test kernel and run this test")
        return 77
    import signal
    import threading
    import urllib.request
    os.makedirs(a.work, exist_ok=True)
    kernel = virtio_kernel(a)
    if not kernel:
        return 1
    port = free_port()
    argv = [a.tailor, "boot", "--backend", "qemu", "-k", kernel, "-i", os.path.join(a.guests, "user-net-initramfs.cpio"),
            "--mem", "128", "--timeout", "240", "--cmdline", "console=ttyS0 panic=-1 quiet",
            "--net", f"user,hostfwd=tcp:127.0.0.1:{port}-:80", "--stop-channel", "--stop-grace", "30"]
    t0 = time.monotonic()
    p = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, errors="replace")
    console, ready = [], threading.Event()

    def read_console():
        for line in p.stdout:
            console.append(line)
            if "USER-NET-READY" in line:
                ready.set()
    reader = threading.Thread(target=read_console, daemon=True)
    reader.start()
    try:
        check(ready.wait(180), "guest: service listening on port 80", "".join(console)[-1500:])
        if not ready.is_set():
            return 1
        booted = time.monotonic() - t0
        bodies, fetch_t0 = [], time.monotonic()
        for _ in range(20):
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=30) as r:
                bodies.append(r.read().decode())
        fetch_s = time.monotonic() - fetch_t0
        check(bodies == [f"tailor-user-net {i}\n" for i in range(1, 21)],
              "host: 20 requests through the forwarded port, each answered in order", str(bodies[:3]))
        print(f"info: booted to the service in {booted:.1f} s; 20 requests in {fetch_s:.2f} s (QEMU TCG)")
        second = run(argv[:-3] + ["--json"], timeout=60)
        check_ending("a second run on the same host port", second, 249, None,
                     f"host port {port} is already in use")
        p.send_signal(signal.SIGTERM)
        rc = p.wait(timeout=120)
    finally:
        if p.poll() is None:
            p.kill()
    reader.join(10)
    err = p.stderr.read()
    check(rc == 42, "SIGTERM: the guest got 'stop' on COM2 and exited with its own status (42)",
          f"exit {rc}; stderr: {err[-1500:]}; console: {''.join(console)[-1500:]}")
    check("STOP-REQUESTED after 20 requests" in "".join(console), "guest: saw the stop request after the 20 requests",
          "".join(console)[-1500:])
    check("stopping the guest (Ctrl-C again to stop at once)" in err, "host: a notice says the guest is asked to stop",
          err[-1500:])
    return 0


def ldd_closure(binary):
    libs = []
    for line in subprocess.run(["ldd", binary], capture_output=True, text=True).stdout.splitlines():
        parts = line.split()
        path = parts[2] if "=>" in parts and len(parts) > 2 else parts[0]
        if path.startswith("/") and os.path.exists(path):
            libs.append(path)
    return libs


def user_net_nested(a):
    """tailor-vmm's libslirp path under real (nested) KVM. The static tailor-vmm
    has no libslirp (Debian ships none to link statically): the same monitor
    runs in `tailor boot --backend kvm`, copied into L1 with its libraries."""
    if os.environ.get("TAILOR_E2E_VIRTIO") != "1":
        print("SKIP: set TAILOR_E2E_VIRTIO=1 to build the virtio test kernel and run this test")
        return 77
    os.makedirs(a.work, exist_ok=True)
    kernel = virtio_kernel(a)
    if not kernel:
        return 1
    boot = ("tailor boot --backend kvm -k /l2/bzImage -i /l2/initrd --mem 128 --timeout 600 "
            "--cmdline 'console=ttyS0 panic=-1 quiet' --stop-channel")
    service = ("ip link set lo up; rm -f /tmp/console; " + boot + " --net user,hostfwd=tcp:127.0.0.1:8080-:80 >/tmp/console 2>/tmp/err & "
               "pid=$!; i=0; while ! grep -q USER-NET-READY /tmp/console 2>/dev/null; do i=$((i+1)); [ $i -gt 1500 ] && break; "
               "sleep 0.2; done; http_load 127.0.0.1 8080 50; "
               # A second monitor on the taken port is refused before it starts.
               + boot + " --net user,hostfwd=tcp:127.0.0.1:8080-:80 >/dev/null 2>/tmp/second; echo second-exit=$?; "
               "cat /tmp/second; kill -TERM $pid; wait $pid; echo monitor-exit=$?; cat /tmp/console /tmp/err")
    cases = [("service", ["sh", "-c", service]),
             ("static-vmm", ["tailor-vmm", "--kernel", "/l2/bzImage", "--initrd", "/l2/initrd", "--mem", "128",
                             "--timeout", "60", "--net", "user"])]
    files = [{"guest": "/bin/tailor", "host": a.tailor, "strip": True},
             {"guest": "/bin/tailor-vmm", "host": a.vmm, "strip": True},
             {"guest": "/bin/http_load", "host": os.path.join(a.guests, "http_load")},
             {"guest": "/l2/bzImage", "host": kernel},
             {"guest": "/l2/initrd", "host": os.path.join(a.guests, "user-net-initramfs.cpio")}]
    files += [{"guest": lib, "host": lib} for lib in ldd_closure(a.tailor)]
    plan = {"l1": {"machine": "pc", "timeout_s": 900}, "files": files,
            "cases": [{"name": n, "argv": argv, "timeout_s": 600} for n, argv in cases]}
    plan_path, result_path = os.path.join(a.work, "user-net-plan.json"), os.path.join(a.work, "user-net-result.json")
    json.dump(plan, open(plan_path, "w"), indent=2)
    rc, out, err, secs = run([a.nested, "run", plan_path, "-o", result_path], timeout=1000)
    res = json.load(open(result_path)) if os.path.exists(result_path) else {}
    got = {c["name"]: c for c in res.get("cases", [])}
    text = got.get("service", {}).get("stdout", "") + got.get("service", {}).get("stderr", "")
    load = next((json.loads(l) for l in text.splitlines() if l.startswith('{"requests"')), {})
    check(load.get("requests") == 50 and load.get("failed") == 0,
          "nested KVM: 50 requests through tailor-vmm + libslirp's forwarded port", text[-2000:] or err[-2000:])
    check("second-exit=249" in text and "host port 8080 is already in use" in text,
          "nested KVM: a second monitor on the taken port is refused (249)", text[-2000:])
    check("monitor-exit=42" in text and "STOP-REQUESTED after 50 requests" in text,
          "nested KVM: SIGTERM -> 'stop' on COM2 -> tailor-vmm exits with the guest's status 42", text[-2000:])
    check("stopping the guest (Ctrl-C again to stop at once)" in text, "nested KVM: the stop notice", text[-2000:])
    sv = got.get("static-vmm", {})
    check(sv.get("exit_code") == 249 and "tailor boot --backend kvm" in sv.get("stderr", ""),
          "static tailor-vmm without libslirp refuses --net user (249), naming tailor boot --backend kvm", str(sv)[-800:])
    if load:
        print(f"info: nested KVM, 50 requests: median {load['median_us'] / 1000:.2f} ms, "
              f"{load['rate_per_s']:.0f}/s (TCG-emulated L1: proves function only); L1 run {secs:.0f} s")
    return 0


# One service boot in L1, every step bounded (service_nested): tailor boot in
# the background, redis ready on the console, one request through the
# forwarded port, SIGTERM, the monitor's exit. A step that overruns ends the
# case at once with the L2 console, tailor boot's stderr (tailor-vmm's vCPU
# state after its timeout) and L1's kernel log. Steps are also announced on
# L1's console, which nested-kvm's report keeps when L1 itself gets stuck.
# $1 the tailor boot command, $2 seconds to redis ready, $3 seconds from
# SIGTERM to the monitor's exit; then a step number and a request per boot.
SERVICE_SCRIPT = r"""
boot=$1 ready_s=$2 stop_s=$3; shift 3
say() { echo "service-nested: $*"; echo "service-nested: $*" > /dev/console; }
now() { cut -d. -f1 /proc/uptime; }
fail() {
  say "FAILED: $*"
  echo '--- L2 console'; cat /tmp/l2-console; echo '--- tailor boot stderr'; cat /tmp/tailor-err
  echo '--- L1 kernel log'; dmesg | tail -n 40
  kill -KILL $pid 2>/dev/null; exit 1
}
ip link set lo up
while [ $# -ge 2 ]; do
  step=$1 request=$2; shift 2
  say "boot $step"
  rm -f /tmp/l2-console /tmp/tailor-err
  eval "$boot >/tmp/l2-console 2>/tmp/tailor-err &"; pid=$!; start=$(now)
  until grep -q 'Ready to accept connections' /tmp/l2-console 2>/dev/null; do
    kill -0 $pid 2>/dev/null || fail "boot $step: tailor boot ended before redis was ready"
    [ $(( $(now) - start )) -lt $ready_s ] || fail "boot $step: redis not ready within $ready_s s"
    sleep 0.2
  done
  say "boot $step: redis ready after $(( $(now) - start )) s"
  echo "answer-$step=$(printf "$request\r\n" | nc -w 10 127.0.0.1 6380 | tr -d '\r' | tr '\n' ' ')"
  kill -TERM $pid; start=$(now)
  while kill -0 $pid 2>/dev/null; do
    [ $(( $(now) - start )) -lt $stop_s ] || fail "boot $step: tailor boot still running $stop_s s after SIGTERM"
    sleep 0.2
  done
  wait $pid; rc=$?
  echo "monitor-exit-$step=$rc"
  [ $rc = 0 ] || fail "boot $step: tailor boot exited with $rc after SIGTERM"
  say "boot $step: stopped"
  cat /tmp/l2-console /tmp/tailor-err
done
"""


def service_nested(a):
    """manifests/redis-server.toml as a service under tailor-vmm + libslirp in
    nested KVM (issue 14): the image `tailor build --fixed-config` makes, its
    volume on virtio-blk, SET through the forwarded port, SIGTERM (the stop
    channel: /init stops redis, unmounts the volume), a second boot on the same
    volume, GET. The client is busybox nc inside L1 (redis takes inline commands).
    Each step has its own bound (SERVICE_SCRIPT), and nested-kvm stops an L1
    that stops making progress (its heartbeat) after 60 s of silence: a hang
    fails in minutes, with the state of whatever hung."""
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    os.makedirs(a.work, exist_ok=True)
    out = os.path.join(a.work, "redis-server-image")
    rc, o, e, secs = run([a.tailor, "build", "--fixed-config", os.path.join(root, "manifests/redis-server.toml"),
                          "-o", out], timeout=3600)
    check(rc == 0, f"redis-server image built ({secs:.0f} s)", e[-2000:])
    if rc != 0:
        return 1
    cmdline = json.load(open(os.path.join(out, "image.lock.json")))["kernel"]["cmdline"]
    pvh = "CONFIG_PVH=y" in open(os.path.join(out, "kernel.config")).read()
    volume = os.path.join(a.work, "redis-volume.img")
    if os.path.exists(volume):
        os.remove(volume)
    subprocess.run(["mke2fs", "-q", "-F", "-t", "ext4", "-E", "root_owner=0:0", volume, "16M"], check=True)
    # Bounds: each boot reached redis in 3-15 s of L1 time here (more under
    # load); --timeout and --stop-grace bound tailor boot itself.
    boot = (f"tailor boot --backend kvm -k /l2/kernel -i /l2/initrd --mem 256 --timeout 300 --cmdline '{cmdline}' "
            "--stop-channel --stop-grace 30 --disk /l2/volume.img --net user,hostfwd=tcp:127.0.0.1:6380-:6379")
    argv = ["sh", "-c", SERVICE_SCRIPT, "service-nested", boot, "120", "60",
            "1", "SET tailor-key kept-across-boots", "2", "GET tailor-key"]
    files = [{"guest": "/bin/tailor", "host": a.tailor, "strip": True},
             {"guest": "/l2/kernel", "host": os.path.join(out, "vmlinux" if pvh else "bzImage")},
             {"guest": "/l2/initrd", "host": os.path.join(out, "initramfs.cpio")},
             {"guest": "/l2/volume.img", "host": volume}]
    files += [{"guest": lib, "host": lib} for lib in ldd_closure(a.tailor)]
    plan = {"l1": {"machine": "pc", "timeout_s": 600, "silence_s": 60}, "files": files,
            "cases": [{"name": "redis", "argv": argv, "timeout_s": 420}]}
    plan_path, result_path = os.path.join(a.work, "service-plan.json"), os.path.join(a.work, "service-result.json")
    json.dump(plan, open(plan_path, "w"), indent=2)
    if os.path.exists(result_path):
        os.remove(result_path)
    rc, o, e, secs = run([a.nested, "run", plan_path, "-o", result_path], timeout=1300)
    res = json.load(open(result_path)) if os.path.exists(result_path) else {}
    case = next(iter(res.get("cases", [])), {})
    text = case.get("stdout", "") + case.get("stderr", "")
    # L1 that did not finish: nested-kvm's account (a stuck L1's CPU state,
    # the console tail with the last step announced). A failed step: its
    # line, then the case's output once, with the dumps.
    check(res.get("l1_done") is True, "nested KVM: L1 ran the case to its end",
          e[-4000:] + res.get("l1_console_tail", "")[-1500:])
    why = next((l for l in text.splitlines() if l.startswith("service-nested: FAILED")), "see the case's output below")
    check("answer-1=+OK" in text, "nested KVM: SET through tailor-vmm + libslirp's forwarded port", why)
    check("monitor-exit-1=0" in text, "nested KVM: SIGTERM stops redis cleanly (tailor boot exits with its status 0)",
          why)
    check("answer-2=$17 kept-across-boots" in text, "nested KVM: after a restart, GET returns the value from the volume",
          why)
    check("monitor-exit-2=0" in text, "nested KVM: the second boot stops cleanly too", why)
    if FAILURES and text:
        print("--- the case's output in L1 (end)\n" + text[-8000:])
    if res.get("l1_attempts", 1) > 1:
        print(f"info: L1 got stuck and was booted again (l1_stuck in {result_path})")
    print(f"info: L1 run {secs:.0f} s; the case {case.get('seconds', 0):.1f} s of L1 time")
    return 0


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("mode", choices=["host-guest", "qemu", "robustness", "nested", "virtio", "user-net",
                                      "user-net-nested", "service-nested"])
    for opt in ("--tailor", "--vmm", "--nested", "--guests", "--kernel", "--work"):
        p.add_argument(opt, required=True)
    a = p.parse_args()
    rc = {"host-guest": host_guest, "qemu": qemu, "robustness": robustness, "nested": nested,
          "virtio": virtio, "user-net": user_net, "user-net-nested": user_net_nested,
          "service-nested": service_nested}[a.mode](a)
    if rc == 77:
        return 77
    if FAILURES:
        print(f"{len(FAILURES)} check(s) failed: " + "; ".join(FAILURES))
        return 1
    return rc


if __name__ == "__main__":
    sys.exit(main())
