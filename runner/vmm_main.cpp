// tailor-vmm: the standalone KVM monitor. Same options and exit codes as
// `tailor boot --backend kvm`; see runner/README.md.
#include <CLI/CLI.hpp>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <exception>

#include "common/error.h"
#include "runner/boot_cli.h"

namespace {

// --probe: `tailor doctor --json`, for hosts (or test initramfs images) that
// have tailor-vmm but not the tailor CLI. Exit 0 when KVM is usable.
int probe() {
  const tailor::runner::Capabilities c = tailor::runner::probe_capabilities();
  std::printf("%s\n", tailor::runner::capabilities_json(c).c_str());
  return c.kvm.usable ? 0 : tailor::runner::exit_codes::kNoBackend;
}

}  // namespace

int main(int argc, char** argv) {
  // Monitor start: the zero of every reported timing.
  const auto started = std::chrono::steady_clock::now();
  std::signal(SIGPIPE, SIG_IGN);  // a closed stdout must not kill the guest mid-run
  using namespace tailor::runner;
  CLI::App app{
      "tailor-vmm: a minimal KVM monitor that boots a Linux kernel (+ initramfs) with a 16550 console,\n"
      "the tailor exit/event ports, i8042 reset and optional virtio-mmio disk/net.\n"
      "Exit code: the guest's status, or 249 usage, 250 guest stopped without status, 251 timeout,\n"
      "252 guest crashed, 253 bad kernel/initrd, 254 KVM unusable, 255 monitor failure."};
  BootOptions options;
  options.add_to(app, /*with_backend=*/false);
  options.backend = "kvm";
  bool want_probe = false;
  app.add_flag("--probe", want_probe,
               "Only check /dev/kvm (device, CPU flag, calibrated CPL 0 loop); print JSON, exit 0 when usable");
  bool no_seccomp = false;
  app.add_flag("--no-seccomp", no_seccomp,
               "For debugging: run without the seccomp filter and no_new_privs that otherwise confine the monitor "
               "once the VM is built");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? 0 : exit_codes::kUsage;
  }
  try {
    if (want_probe) return probe();
    options.seccomp = !no_seccomp;
    return run_boot_command(options, "tailor-vmm", started);
  } catch (const tailor::Error& e) {
    print_boot_error("tailor-vmm", e.what(), e.exit_code(), options.json);
    return e.exit_code();
  } catch (const std::exception& e) {
    print_boot_error("tailor-vmm", e.what(), exit_codes::kMonitorFailed, options.json);
    return exit_codes::kMonitorFailed;
  }
}
