// Command-line options and result printing shared by `tailor boot` and the
// standalone tailor-vmm, so both accept the same flags and report alike.
#pragma once

#include <string>
#include <vector>

#include "runner/runner.h"

namespace CLI {
class App;  // CLI11: the callers parse with it; the runner library does not expose it
}

namespace tailor::runner {

struct BootOptions {
  std::string kernel, initrd, cmdline;
  std::uint32_t memory_mib = 256;
  std::uint32_t cpus = 1;
  double timeout_s = 0;
  std::string backend = "auto";
  std::string qemu_machine = "microvm";
  std::vector<std::string> disks;  // FILE or FILE:ro
  std::vector<std::string> nets;   // TAP[,mac=..] or user[,hostfwd=..][,mac=..]
  bool stop_channel = false;  // BootSpec::stop_channel
  double stop_grace_s = 15;   // BootSpec::stop_grace
  bool json = false;
  bool timings = false;
  bool skip_kvm_check = false;
  bool seccomp = false;  // BootSpec::seccomp: tailor-vmm's default, off with --no-seccomp
  bool deterministic = false;  // BootSpec::deterministic, and the virtual timings on stderr
  bool profile = false;        // deterministic + initcall_debug: the boot profile on stderr
  std::string system_map;      // names the profile's initcalls (kernels without KALLSYMS)

  // with_backend: `tailor boot` offers --backend and --qemu-machine;
  // tailor-vmm is the KVM monitor only.
  void add_to(CLI::App& app, bool with_backend);
  // Throws Error(kUsage) on malformed --disk/--net values.
  BootSpec spec() const;
};

// Runs the boot and prints what the options ask for: the console on stdout as
// it comes (with --json: captured, and only the JSON object on stdout),
// --timings and a one-line reason when the guest did not exit normally on
// stderr. Returns the process exit code. `program` prefixes messages.
int run_boot_command(const BootOptions& options, const std::string& program,
                     std::optional<std::chrono::steady_clock::time_point> started = std::nullopt);

// Prints an error that ended the program before a result existed, as JSON on
// stdout when --json, else "program: error: message" on stderr.
void print_boot_error(const std::string& program, const std::string& message, int exit_code, bool json);

}  // namespace tailor::runner
