// tailor-vmm: the standalone KVM monitor. Same options and exit codes as
// `tailor boot --backend kvm`; see runner/README.md.
#include <chrono>
#include <cstdio>
#include <exception>

#include "common/error.h"
#include "runner/boot_cli.h"

int main(int argc, char** argv) {
  // Monitor start: the zero of every reported timing.
  const auto started = std::chrono::steady_clock::now();
  using namespace tailor::runner;
  CLI::App app{
      "tailor-vmm: a minimal KVM monitor that boots a Linux kernel (+ initramfs) with a 16550 console,\n"
      "the tailor exit/event ports, i8042 reset and optional virtio-mmio disk/net.\n"
      "Exit code: the guest's status, or 249 usage, 250 guest stopped without status, 251 timeout,\n"
      "252 guest crashed, 253 bad kernel/initrd, 254 KVM unusable, 255 monitor failure."};
  BootOptions options;
  options.add_to(app, /*with_backend=*/false);
  options.backend = "kvm";
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? 0 : exit_codes::kUsage;
  }
  try {
    return run_boot_command(options, "tailor-vmm", started);
  } catch (const tailor::Error& e) {
    print_boot_error("tailor-vmm", e.what(), e.exit_code(), options.json);
    return e.exit_code();
  } catch (const std::exception& e) {
    print_boot_error("tailor-vmm", e.what(), exit_codes::kMonitorFailed, options.json);
    return exit_codes::kMonitorFailed;
  }
}
