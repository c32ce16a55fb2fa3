// What this host can run: /dev/kvm checks (from cheapest to the calibrated
// loop) and the QEMU binary.
#include "runner/capabilities.h"

#include <fcntl.h>
#include <linux/kvm.h>
#include <sys/ioctl.h>

#include <fmt/core.h>
#include <nlohmann/json.hpp>
#include <regex>

#include "common/error.h"
#include "common/fs.h"
#include "common/subprocess.h"
#include "common/unique_fd.h"
#include "runner/calibrate.h"

namespace tailor::runner {

bool cpuinfo_has_virtualization_flag(std::string_view cpuinfo) {
  size_t pos = 0;
  while ((pos = cpuinfo.find("flags", pos)) != std::string_view::npos) {
    size_t colon = cpuinfo.find(':', pos);
    size_t eol = cpuinfo.find('\n', pos);
    if (colon == std::string_view::npos) break;
    std::string_view flags = cpuinfo.substr(colon + 1, eol == std::string_view::npos ? eol : eol - colon - 1);
    std::string padded = " " + std::string(flags) + " ";
    if (padded.find(" svm ") != std::string::npos || padded.find(" vmx ") != std::string::npos) return true;
    pos = eol == std::string_view::npos ? cpuinfo.size() : eol;
  }
  return false;
}

KvmProbe probe_kvm(bool thorough) {
  KvmProbe p;
  try {
    p.cpu_flag = cpuinfo_has_virtualization_flag(read_file("/proc/cpuinfo"));
  } catch (const Error&) {
    p.cpu_flag = false;
  }
  UniqueFd kvm(::open("/dev/kvm", O_RDWR | O_CLOEXEC));
  p.device_present = kvm || errno != ENOENT;
  if (!p.device_present) {
    p.reason = "no /dev/kvm (KVM module not loaded, or no hardware virtualization)";
    return p;
  }
  if (!kvm) {
    p.reason = errno_message("/dev/kvm exists but cannot be opened", errno) +
               (errno == EACCES ? " (add yourself to group 'kvm')" : "");
    return p;
  }
  p.openable = true;
  p.api_version = ::ioctl(kvm.get(), KVM_GET_API_VERSION, 0);
  if (p.api_version != KVM_API_VERSION) {
    p.reason = fmt::format("/dev/kvm reports API version {}, expected {}", p.api_version, KVM_API_VERSION);
    return p;
  }
  if (!p.cpu_flag && !thorough) {
    p.reason = "/dev/kvm is present but the CPU has no svm/vmx flag: it is not hardware virtualization (a "
               "paravirtual or software KVM); Linux guests would not boot usably";
    return p;
  }
  if (!thorough) {
    // boot(): the flag is the cheap check; the loop costs a VM creation
    // (milliseconds) that would count against every boot's start-up time.
    p.usable = true;
    p.reason = fmt::format("/dev/kvm API {}, svm/vmx present (calibrated loop not run)", p.api_version);
    return p;
  }
  try {
    p.cpl0_ns_per_iteration = vmm::time_cpl0_loop(kvm.get());
  } catch (const Error& e) {
    p.reason = std::string("/dev/kvm cannot run a tiny test guest: ") + e.what();
    return p;
  }
  if (!p.cpu_flag) {
    p.reason = fmt::format(
        "/dev/kvm is present but the CPU has no svm/vmx flag: it is not hardware virtualization (a paravirtual "
        "or software KVM, {:.0f} ns per CPL 0 loop iteration); Linux guests would not boot usably",
        *p.cpl0_ns_per_iteration);
    return p;
  }
  if (*p.cpl0_ns_per_iteration > kMaxUsableCpl0NsPerIteration) {
    p.reason = fmt::format(
        "/dev/kvm runs CPL 0 code in software ({:.0f} ns per loop iteration, limit {:.0f}): Linux guests would "
        "not boot usably",
        *p.cpl0_ns_per_iteration, kMaxUsableCpl0NsPerIteration);
    return p;
  }
  p.usable = true;
  p.reason = fmt::format("/dev/kvm API {}, svm/vmx present, CPL 0 loop {:.1f} ns per iteration", p.api_version,
                         *p.cpl0_ns_per_iteration);
  return p;
}

QemuProbe probe_qemu(bool want_version) {
  QemuProbe q;
  q.binary = find_program("qemu-system-x86_64");
  if (!q.binary) {
    q.reason = "qemu-system-x86_64 not found in PATH (Debian package qemu-system-x86)";
    return q;
  }
  q.usable = true;
  q.reason = q.binary->string();
  if (want_version) {
    ProcessOptions o;
    o.capture = true;
    o.timeout = std::chrono::seconds(10);
    ProcessResult r = run_process({q.binary->string(), "--version"}, o);
    std::smatch m;
    static const std::regex version_re(R"(version ([0-9][0-9.]*))");
    if (r.ok() && std::regex_search(r.output, m, version_re)) {
      q.version = m[1];
    } else {
      q.usable = false;
      q.reason = q.binary->string() + " --version failed: " + r.describe();
    }
  }
  return q;
}

std::string capabilities_json(const Capabilities& c) {
  nlohmann::ordered_json j;
  j["kvm"] = {
      {"device_present", c.kvm.device_present},
      {"openable", c.kvm.openable},
      {"api_version", c.kvm.api_version},
      {"cpu_flag", c.kvm.cpu_flag},
      {"cpl0_ns_per_iteration", c.kvm.cpl0_ns_per_iteration ? nlohmann::ordered_json(*c.kvm.cpl0_ns_per_iteration)
                                                            : nlohmann::ordered_json(nullptr)},
      {"usable", c.kvm.usable},
      {"reason", c.kvm.reason}};
  j["qemu"] = {{"binary", c.qemu.binary ? c.qemu.binary->string() : std::string()},
               {"version", c.qemu.version},
               {"usable", c.qemu.usable},
               {"reason", c.qemu.reason}};
  j["auto_backend"] = c.auto_backend == Backend::Auto ? "none" : std::string(backend_name(c.auto_backend));
  j["auto_reason"] = c.auto_reason;
  return j.dump();
}

Capabilities probe_capabilities() {
  Capabilities c;
  c.kvm = probe_kvm(/*thorough=*/true);
  c.qemu = probe_qemu(/*want_version=*/true);
  if (c.kvm.usable) {
    c.auto_backend = Backend::Kvm;
    c.auto_reason = "KVM is usable: tailor-vmm";
  } else if (c.qemu.usable) {
    c.auto_backend = Backend::Qemu;
    c.auto_reason = "KVM is not usable (" + c.kvm.reason + "): QEMU with TCG";
  } else {
    c.auto_reason = "neither KVM (" + c.kvm.reason + ") nor QEMU (" + c.qemu.reason + ") is usable";
  }
  return c;
}

}  // namespace tailor::runner
