// boot(): checks the spec and the images once for every backend, picks the
// backend, and runs it. Also the names, the timing text and the JSON result.
#include "runner/runner.h"

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include "common/error.h"
#include "runner/boot/kernel_image.h"
#include "runner/capabilities.h"
#include "runner/mapped_file.h"
#include "runner/net_addresses.h"
#include "runner/qemu_backend.h"
#include "runner/run_report.h"
#include "runner/vmm/monitor.h"

namespace tailor::runner {
namespace {

constexpr std::uint32_t kMinMemoryMib = 16;
constexpr std::uint32_t kMaxMemoryMib = 1u << 20;  // 1 TiB
constexpr std::uint32_t kMaxCpus = 64;

void check_spec(const BootSpec& spec) {
  if (spec.kernel.empty()) throw Error("no kernel given (--kernel)", exit_codes::kUsage);
  if (spec.memory_mib < kMinMemoryMib || spec.memory_mib > kMaxMemoryMib)
    throw Error(fmt::format("memory size {} MiB is out of range ({}..{} MiB)", spec.memory_mib, kMinMemoryMib,
                            kMaxMemoryMib),
                exit_codes::kUsage);
  if (spec.cpus < 1 || spec.cpus > kMaxCpus)
    throw Error(fmt::format("vCPU count {} is out of range (1..{})", spec.cpus, kMaxCpus), exit_codes::kUsage);
  if (spec.timeout.count() < 0) throw Error("negative timeout", exit_codes::kUsage);
  for (const auto& net : spec.nets) {
    if (net.user == !net.tap.empty())
      throw Error(net.user ? "a net device is either a TAP (" + net.tap + ") or user-mode networking, not both"
                           : std::string("a net device needs a TAP interface name or user-mode networking"),
                  exit_codes::kUsage);
    if (!net.user && !net.forwards.empty())
      throw Error("port forwards need user-mode networking (TAP " + net.tap + " has none)", exit_codes::kUsage);
    if (net.user) user_net_addresses(net);  // throws on a bad address
  }
  if (spec.stop_grace.count() < 0) throw Error("negative stop grace time", exit_codes::kUsage);
  if (spec.deterministic && (spec.backend == Backend::Kvm || spec.qemu_accel == "kvm"))
    throw Error("a deterministic boot runs on QEMU's TCG with instruction counting, not on KVM (drop --backend kvm)",
                exit_codes::kUsage);
}

// Does the kernel, while it starts, plus the initrd fit in guest RAM?
void check_fits(const BootSpec& spec, const x86::KernelImage& image, std::uint64_t initrd_size) {
  const std::uint64_t ram = std::uint64_t{spec.memory_mib} << 20;
  const std::uint64_t need = image.footprint_end + ((initrd_size + 0xfff) & ~std::uint64_t{0xfff});
  if (need > ram)
    throw Error(fmt::format("{} MiB of guest memory is too small: the kernel needs up to {:.1f} MiB while it starts "
                            "(load address + init_size){}; use --mem {} or more",
                            spec.memory_mib, image.footprint_end / 1048576.0,
                            initrd_size ? fmt::format(" and the initrd {:.1f} MiB", initrd_size / 1048576.0) : "",
                            (need + (32u << 20) + 0xfffff) >> 20),
                exit_codes::kBadImage);
}

}  // namespace

std::string_view backend_name(Backend backend) {
  switch (backend) {
    case Backend::Auto: return "auto";
    case Backend::Kvm: return "kvm";
    case Backend::Qemu: return "qemu";
  }
  return "?";
}

Backend parse_backend(std::string_view name) {
  if (name == "auto") return Backend::Auto;
  if (name == "kvm") return Backend::Kvm;
  if (name == "qemu") return Backend::Qemu;
  throw Error(fmt::format("unknown backend '{}' (expected auto, kvm or qemu)", name), exit_codes::kUsage);
}

std::string_view outcome_name(Outcome outcome) {
  switch (outcome) {
    case Outcome::AppExited: return "app-exited";
    case Outcome::GuestStopped: return "guest-stopped";
    case Outcome::Timeout: return "timeout";
    case Outcome::GuestCrashed: return "guest-crashed";
    case Outcome::MonitorFailed: return "monitor-failed";
  }
  return "?";
}

BootResult boot(const BootSpec& spec) {
  const Clock::time_point start = spec.started.value_or(Clock::now());
  check_spec(spec);
  // Before anything starts: a forward whose host port is taken would
  // otherwise fail inside the monitor, or (QEMU) only once the guest runs.
  check_forward_ports(spec.nets);
  RunReport report(spec, start);

  MappedFile kernel(spec.kernel, "kernel");
  const x86::KernelImage image = x86::parse_kernel_image(kernel.bytes(), spec.kernel.string());
  std::optional<MappedFile> initrd;
  if (spec.initrd) initrd.emplace(*spec.initrd, "initrd");
  check_fits(spec, image, initrd ? initrd->size() : 0);
  const std::string cmdline = spec.cmdline.empty() ? std::string(kDefaultCmdline) : spec.cmdline;
  if (cmdline.size() > image.cmdline_size)
    throw Error(fmt::format("the kernel command line is {} bytes; {} accepts at most {}", cmdline.size(),
                            spec.kernel.string(), image.cmdline_size),
                exit_codes::kUsage);

  Backend backend = spec.deterministic ? Backend::Qemu : spec.backend;
  std::optional<KvmProbe> kvm;
  if (backend != Backend::Qemu && !spec.skip_kvm_check) {
    kvm = probe_kvm(/*thorough=*/false);
    if (!kvm->usable) {
      if (backend == Backend::Kvm)
        throw Error(
            "KVM backend unusable: " + kvm->reason + " (the QEMU backend runs without it: tailor boot --backend qemu)",
            exit_codes::kNoBackend);
    }
  }
  if (backend == Backend::Auto) backend = (!kvm || kvm->usable) ? Backend::Kvm : Backend::Qemu;

  if (backend == Backend::Kvm) return vmm::run_kvm(spec, image, kernel, initrd ? &*initrd : nullptr, cmdline, report);

  QemuProbe qemu = probe_qemu(/*want_version=*/false);
  if (!qemu.usable) {
    std::string why = "QEMU backend unusable: " + qemu.reason;
    if (kvm && !kvm->usable) why = "no usable backend: KVM: " + kvm->reason + "; " + why;
    throw Error(why, exit_codes::kNoBackend);
  }
  std::string accel = spec.deterministic ? "tcg" : spec.qemu_accel;
  if (accel.empty()) {
    if (!kvm) kvm = probe_kvm(/*thorough=*/false);  // --backend qemu: still use KVM when it works
    accel = kvm->usable ? "kvm" : "tcg";
  }
  if (spec.backend == Backend::Auto && kvm && !kvm->usable) report.notice(kvm->reason + "; using QEMU (" + accel + ")");
  return run_qemu(spec, *qemu.binary, qemu.version, accel, cmdline, report);
}

std::string format_timings(const BootResult& r) {
  auto ms = [](const std::optional<std::chrono::microseconds>& t) {
    return t ? fmt::format("{:10.3f} ms", t->count() / 1000.0) : std::string("   unknown");
  };
  std::string out = fmt::format("timings ({}), from monitor start:\n", r.backend_detail);
  out += fmt::format("  first guest instruction {}\n", ms(r.timings.first_instruction));
  out += fmt::format("  app exec (boot mark)    {}\n", ms(r.timings.app_exec));
  out += fmt::format("  guest exit              {}\n", ms(r.timings.guest_exit));
  out += fmt::format("  total                   {}\n", ms(r.timings.total));
  if (r.monitor_overhead_kib) out += fmt::format("  monitor RSS beyond guest RAM {} KiB\n", *r.monitor_overhead_kib);
  return out;
}

std::string result_json(const BootResult& r) {
  nlohmann::ordered_json j;
  j["backend"] = backend_name(r.backend);
  j["backend_detail"] = r.backend_detail;
  j["outcome"] = outcome_name(r.outcome);
  j["app_status"] = r.app_status ? nlohmann::ordered_json(*r.app_status) : nlohmann::ordered_json(nullptr);
  j["exit_code"] = r.exit_code;
  j["detail"] = r.detail;
  auto us = [](const std::optional<std::chrono::microseconds>& t) {
    return t ? nlohmann::ordered_json(t->count()) : nlohmann::ordered_json(nullptr);
  };
  j["timings_us"] = {{"first_instruction", us(r.timings.first_instruction)},
                     {"app_exec", us(r.timings.app_exec)},
                     {"guest_exit", us(r.timings.guest_exit)},
                     {"total", r.timings.total.count()}};
  j["monitor_overhead_kib"] =
      r.monitor_overhead_kib ? nlohmann::ordered_json(*r.monitor_overhead_kib) : nlohmann::ordered_json(nullptr);
  if (r.backend == Backend::Kvm) j["seccomp"] = r.seccomp;
  j["notices"] = r.notices;
  if (!r.dump.empty()) j["dump"] = r.dump;
  if (!r.console.empty()) j["console"] = r.console;
  // Console bytes need not be UTF-8: replace what is not, rather than fail.
  return j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

}  // namespace tailor::runner
