#!/usr/bin/python3
"""Unit tests of the KML guest harness (kml_guest.py): what counts as kernel
trouble in a console log, how run output is framed, and that the initramfs it
writes is a valid, deterministic newc archive."""
import os
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import kml_guest  # noqa: E402


class KernelProblems(unittest.TestCase):
    def flagged(self, line):
        return bool(kml_guest.KERNEL_PROBLEMS.search(line))

    def test_real_trouble_is_flagged(self):
        for line in [
            "WARNING: CPU: 1 PID: 57 at arch/x86/kernel/kml.c:120 kml_exec+0x2a/0x90",
            "------------[ cut here ]------------",
            "general protection fault, probably for non-canonical address 0xdead000000000100: 0000 [#1] SMP",
            "traps: PANIC: double fault, error_code: 0x0",
            "BUG: kernel NULL pointer dereference, address: 0000000000000008",
            "Kernel panic - not syncing: Attempted to kill init! exitcode=0x0000000b",
            "invalid opcode: 0000 [#1] SMP",
            "RIP: 0010:kml_ist_enter+0x10/0x40",
        ]:
            self.assertTrue(self.flagged(line), line)

    def test_user_signals_and_boot_notes_are_not(self):
        for line in [
            "traps: kml-stress[49] general protection fault ip:8000000000001000 sp:7ffd238b64f8 error:0",
            "Speculative Return Stack Overflow: WARNING: See https://kernel.org/doc/html/latest/admin-guide/hw-vuln/srso.html for mitigation options.",
            "KML: left disabled for trusted processes: IBT",
            "KML: SMEP and SMAP on, off while a trusted process runs",
            "x86/fpu: Supporting XSAVE feature 0x001: 'x87 floating point registers'",
        ]:
            self.assertFalse(self.flagged(line), line)


class Runs(unittest.TestCase):
    def test_output_is_framed_per_run(self):
        console = "\n".join([
            "boot noise",
            "KML-RUN-BEGIN 0 /trusted/kml-cpl",
            "CPL 0 cs=0x10 sysinfo=yes",
            "KML-RUN-END 0 status=0",
            "KML-RUN-BEGIN 1 /bin/kml-cpl",
            "CPL 3 cs=0x33 sysinfo=no",
            "KML-RUN-END 1 status=1",
            "KML-RUN-DONE failures=1",
        ])
        runs = kml_guest.parse_runs(console)
        self.assertEqual(runs[0]["command"], "/trusted/kml-cpl")
        self.assertEqual(runs[0]["output"], ["CPL 0 cs=0x10 sysinfo=yes"])
        self.assertEqual(runs[0]["status"], "0")
        self.assertEqual(runs[1]["status"], "1")

    def test_unfinished_run_has_no_status(self):
        runs = kml_guest.parse_runs("KML-RUN-BEGIN 0 /trusted/kml-stress\nok stack_growth\n")
        self.assertIsNone(runs[0]["status"])


class Initramfs(unittest.TestCase):
    def test_archive_lists_with_gnu_cpio_and_is_deterministic(self):
        with tempfile.TemporaryDirectory() as tmp:
            init = os.path.join(tmp, "init")
            prog = os.path.join(tmp, "prog")
            for path, data in ((init, b"\x7fELF init"), (prog, b"\x7fELF prog")):
                with open(path, "wb") as f:
                    f.write(data)
            a = kml_guest.build_initramfs(init, [("/trusted/app", prog)], ["/trusted/app"])
            b = kml_guest.build_initramfs(init, [("/trusted/app", prog)], ["/trusted/app"])
            self.assertEqual(a, b)
            archive = os.path.join(tmp, "x.cpio.gz")
            with open(archive, "wb") as f:
                f.write(a)
            listing = subprocess.run(f"gzip -dc {archive} | cpio -t --quiet", shell=True, check=True,
                                     capture_output=True, text=True).stdout.split()
            for name in ("init", "trusted/app", "etc/kml-run", "dev/console", "bin", "proc", "tmp"):
                self.assertIn(name, listing)
            out = os.path.join(tmp, "out")
            os.mkdir(out)
            subprocess.run(f"gzip -dc {archive} | cpio -id --quiet --no-absolute-filenames 'trusted/app' 'etc/kml-run'",
                           shell=True, check=True, cwd=out)
            with open(os.path.join(out, "trusted/app"), "rb") as f:
                self.assertEqual(f.read(), b"\x7fELF prog")
            with open(os.path.join(out, "etc/kml-run")) as f:
                self.assertEqual(f.read(), "/trusted/app\n")


if __name__ == "__main__":
    unittest.main()
