// The shared boot command: options -> BootSpec -> boot() -> output, exit code.
#include "runner/boot_cli.h"

#include <CLI/CLI.hpp>
#include <cstdio>
#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include "common/error.h"
#include "runner/boot_profile.h"
#include "runner/device_options.h"

namespace tailor::runner {

void BootOptions::add_to(CLI::App& app, bool with_backend) {
  app.add_option("-k,--kernel", kernel, "Kernel to boot: a bzImage, or an uncompressed vmlinux ELF (required)");
  app.add_option("-i,--initrd", initrd, "Initramfs to pass to the kernel");
  app.add_option("-c,--cmdline", cmdline,
                 fmt::format("Kernel command line (default: \"{}\")", kDefaultCmdline));
  app.add_option("-m,--mem", memory_mib, "Guest memory in MiB")->capture_default_str();
  app.add_option("--cpus", cpus, "Number of vCPUs")->capture_default_str();
  app.add_option("-t,--timeout", timeout_s, "Stop the guest after this many seconds (0: never)")
      ->capture_default_str();
  app.add_option("--disk", disks, "Attach FILE as a virtio block device (FILE:ro for read-only); repeatable");
  app.add_option("--net", nets,
                 "Attach a virtio net device: a TAP interface (TAP[,mac=XX:..]) or user-mode NAT with host->guest "
                 "port forwards (user[,hostfwd=tcp:127.0.0.1:8080-:80]...[,mac=..]); repeatable");
  app.add_flag("--stop-channel", stop_channel,
               "Give the guest COM2 (ttyS1): the first SIGINT/SIGTERM/SIGHUP writes \"stop\" there instead of "
               "stopping it; a second one, or --stop-grace, stops it");
  app.add_option("--stop-grace", stop_grace_s, "With --stop-channel: seconds the guest has to end after the request")
      ->capture_default_str();
  app.add_flag("--json", json, "Print one JSON object with the result (console included) instead of the console");
  app.add_flag("--timings", timings, "Print timing points (first instruction, app exec, exit) on stderr");
  if (with_backend) {
    app.add_option("-b,--backend", backend, "auto (KVM when usable, else QEMU), kvm, or qemu")
        ->check(CLI::IsMember({"auto", "kvm", "qemu"}))
        ->capture_default_str();
    app.add_option("--qemu-machine", qemu_machine, "QEMU backend machine: microvm or pc")
        ->check(CLI::IsMember({"microvm", "pc"}))
        ->capture_default_str();
    add_deterministic_flags(app, deterministic, profile);
    app.add_option("--system-map", system_map,
                   "With --profile: the kernel's System.map, to name initcalls that a kernel without KALLSYMS prints "
                   "as addresses (tailor run finds its kernel's own)");
  }
  app.add_flag("--skip-kvm-check", skip_kvm_check,
               "Use /dev/kvm even when it cannot run Linux at useful speed (tiny test guests)");
}

BootSpec BootOptions::spec() const {
  BootSpec s;
  s.kernel = kernel;
  if (!initrd.empty()) s.initrd = initrd;
  s.cmdline = cmdline;
  s.memory_mib = memory_mib;
  s.cpus = cpus;
  if (timeout_s < 0) throw Error("--timeout must not be negative", exit_codes::kUsage);
  s.timeout = std::chrono::milliseconds(static_cast<long long>(timeout_s * 1000));
  s.backend = parse_backend(backend);
  s.qemu_machine = qemu_machine;
  s.skip_kvm_check = skip_kvm_check;
  s.seccomp = seccomp;
  for (const auto& d : disks) s.disks.push_back(parse_disk_option(d));
  for (const auto& n : nets) s.nets.push_back(parse_net_option(n));
  s.stop_channel = stop_channel;
  if (stop_grace_s < 0) throw Error("--stop-grace must not be negative", exit_codes::kUsage);
  s.stop_grace = std::chrono::milliseconds(static_cast<long long>(stop_grace_s * 1000));
  s.capture_console = json;
  if (json) s.console = [](std::string_view) {};
  if (deterministic || profile) make_deterministic(s, profile);
  return s;
}

int run_boot_command(const BootOptions& options, const std::string& program,
                     std::optional<std::chrono::steady_clock::time_point> started) {
  BootSpec spec = options.spec();
  spec.started = started;
  spec.notice = [&](const std::string& message) {
    std::fflush(stdout);
    std::fprintf(stderr, "%s: notice: %s\n", program.c_str(), message.c_str());
  };
  BootResult result = boot(spec);
  std::fflush(stdout);
  if (options.json) {
    std::printf("%s\n", result_json(result).c_str());
    std::fflush(stdout);
  }
  if (options.timings) std::fprintf(stderr, "%s", format_timings(result).c_str());
  if (options.deterministic || options.profile) print_virtual_timeline(result, options.profile, options.system_map);
  if (result.outcome != Outcome::AppExited && !options.json) {
    std::fprintf(stderr, "%s: %s: %s (exit code %d)\n", program.c_str(),
                 std::string(outcome_name(result.outcome)).c_str(), result.detail.c_str(), result.exit_code);
    if (!result.dump.empty()) std::fprintf(stderr, "%s", result.dump.c_str());
  }
  return result.exit_code;
}

void print_boot_error(const std::string& program, const std::string& message, int exit_code, bool json) {
  std::fflush(stdout);
  if (json) {
    nlohmann::ordered_json j;
    j["outcome"] = "error";
    j["exit_code"] = exit_code;
    j["detail"] = message;
    std::printf("%s\n", j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace).c_str());
    std::fflush(stdout);
  }
  std::fprintf(stderr, "%s: error: %s\n", program.c_str(), message.c_str());
}

}  // namespace tailor::runner
