// `tailor boot` (boot any kernel + initrd) and `tailor doctor` (what this host
// can run): wiring over runner/runner.h.
#include <CLI/CLI.hpp>
#include <fmt/core.h>

#include <cstdio>

#include "cli/commands.h"
#include "common/error.h"
#include "runner/boot_cli.h"
#include "runner/runner.h"

namespace tailor::cli {
namespace {

using namespace tailor::runner;

void add_boot(CLI::App& app) {
  auto options = std::make_shared<BootOptions>();
  auto* cmd = app.add_subcommand("boot", "Boot a kernel (+ initramfs) under tailor-vmm (KVM) or QEMU");
  options->add_to(*cmd, /*with_backend=*/true);
  cmd->footer(
      "The guest's console goes to stdout. The exit code is the guest app's exit status (written to\n"
      "the exit port, see runner/README.md), or: 249 usage, 250 guest stopped without a status,\n"
      "251 timeout, 252 guest crashed, 253 bad kernel/initrd, 254 no usable backend, 255 monitor failure.");
  cmd->callback([options] {
    int rc;
    try {
      rc = run_boot_command(*options, "tailor");
    } catch (const Error& e) {
      print_boot_error("tailor", e.what(), e.exit_code(), options->json);
      rc = e.exit_code();
    }
    if (rc != 0) throw CLI::RuntimeError(rc);
  });
}

void add_doctor(CLI::App& app) {
  auto json = std::make_shared<bool>(false);
  auto* cmd = app.add_subcommand("doctor", "Report which guests this machine can run, and with which backend");
  cmd->add_flag("--json", *json, "Print the findings as one JSON object");
  cmd->callback([json] {
    Capabilities c = probe_capabilities();
    if (*json) {
      std::printf("%s\n", capabilities_json(c).c_str());
    } else {
      auto yes = [](bool b) { return b ? "yes" : "no"; };
      std::printf("KVM\n");
      std::printf("  /dev/kvm present        %s\n", yes(c.kvm.device_present));
      std::printf("  /dev/kvm opens          %s\n", yes(c.kvm.openable));
      if (c.kvm.openable) std::printf("  KVM API version         %d\n", c.kvm.api_version);
      std::printf("  CPU svm/vmx flag        %s\n", yes(c.kvm.cpu_flag));
      if (c.kvm.cpl0_ns_per_iteration)
        std::printf("  CPL 0 loop              %.1f ns per iteration\n", *c.kvm.cpl0_ns_per_iteration);
      std::printf("  usable for Linux guests %s: %s\n", yes(c.kvm.usable), c.kvm.reason.c_str());
      std::printf("QEMU\n");
      std::printf("  qemu-system-x86_64      %s%s%s\n", c.qemu.binary ? c.qemu.binary->c_str() : "not found",
                  c.qemu.version.empty() ? "" : " ", c.qemu.version.c_str());
      std::printf("  usable                  %s%s%s\n", yes(c.qemu.usable), c.qemu.usable ? "" : ": ",
                  c.qemu.usable ? "" : c.qemu.reason.c_str());
      std::printf("tailor run / tailor boot --backend auto will use: %s\n  (%s)\n",
                  c.auto_backend == Backend::Kvm    ? "tailor-vmm (KVM)"
                  : c.auto_backend == Backend::Qemu ? "QEMU (TCG emulation: works, but slow)"
                                                    : "nothing: no backend is usable",
                  c.auto_reason.c_str());
    }
    if (c.auto_backend == Backend::Auto) throw CLI::RuntimeError(exit_codes::kNoBackend);
  });
}

}  // namespace

void add_runner_command(CLI::App& app, const GlobalOptions&) {
  add_boot(app);
  add_doctor(app);
}

}  // namespace tailor::cli
