// tailor-vmm: the standalone KVM monitor. Same options and exit codes as
// `tailor boot --backend kvm`; see runner/README.md.
#include <chrono>
#include <cstdio>
#include <exception>

#include <nlohmann/json.hpp>

#include "common/error.h"
#include "runner/boot_cli.h"

namespace {

// --probe: the KVM half of `tailor doctor`, for hosts (or test initramfs
// images) that have tailor-vmm but not the tailor CLI.
int probe() {
  const tailor::runner::KvmProbe k = tailor::runner::probe_capabilities().kvm;
  nlohmann::ordered_json j = {{"device_present", k.device_present}, {"openable", k.openable},
                              {"api_version", k.api_version},       {"cpu_flag", k.cpu_flag},
                              {"usable", k.usable},                 {"reason", k.reason}};
  j["cpl0_ns_per_iteration"] =
      k.cpl0_ns_per_iteration ? nlohmann::ordered_json(*k.cpl0_ns_per_iteration) : nlohmann::ordered_json(nullptr);
  std::printf("%s\n", j.dump().c_str());
  return k.usable ? 0 : tailor::runner::exit_codes::kNoBackend;
}

}  // namespace

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
  bool want_probe = false;
  app.add_flag("--probe", want_probe,
               "Only check /dev/kvm (device, CPU flag, calibrated CPL 0 loop); print JSON, exit 0 when usable");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? 0 : exit_codes::kUsage;
  }
  try {
    if (want_probe) return probe();
    return run_boot_command(options, "tailor-vmm", started);
  } catch (const tailor::Error& e) {
    print_boot_error("tailor-vmm", e.what(), e.exit_code(), options.json);
    return e.exit_code();
  } catch (const std::exception& e) {
    print_boot_error("tailor-vmm", e.what(), exit_codes::kMonitorFailed, options.json);
    return exit_codes::kMonitorFailed;
  }
}
