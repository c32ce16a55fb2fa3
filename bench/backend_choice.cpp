#include "bench/backend_choice.h"

#include <fstream>
#include <string>

#include "common/error.h"

namespace tailor::bench {
namespace {

// The CPU flags line of /proc/cpuinfo says this host is itself a guest.
bool host_is_virtual() {
  std::ifstream in("/proc/cpuinfo");
  for (std::string line; std::getline(in, line);)
    if (line.rfind("flags", 0) == 0) return line.find(" hypervisor") != std::string::npos;
  return false;
}

}  // namespace

BackendChoice choose_backend(const std::string& requested) {
  const runner::Backend want = runner::parse_backend(requested);
  const runner::Capabilities caps = runner::probe_capabilities();
  BackendChoice c;
  nlohmann::json& d = c.description;
  d["requested"] = requested;
  const bool kvm = caps.kvm.usable;
  if (want == runner::Backend::Kvm && !kvm)
    throw Error("--backend kvm: KVM cannot run Linux guests here (" + caps.kvm.reason +
                "); use --backend auto or qemu (QEMU TCG: the study runs, its timings say nothing about hardware)");
  if (want != runner::Backend::Kvm && !caps.qemu.usable && !kvm)
    throw Error("no backend can boot the study's guests: KVM: " + caps.kvm.reason + "; QEMU: " + caps.qemu.reason);
  if (want == runner::Backend::Qemu && !caps.qemu.usable)
    throw Error("--backend qemu: QEMU is not usable here: " + caps.qemu.reason);
  c.backend = want == runner::Backend::Auto ? (kvm ? runner::Backend::Kvm : runner::Backend::Qemu) : want;
  if (c.backend == runner::Backend::Kvm) {
    d["name"] = "kvm";
    d["detail"] = "tailor-vmm on /dev/kvm";
  } else {
    d["name"] = kvm ? "qemu-kvm" : "qemu-tcg";
    d["detail"] = "qemu-system-x86_64 " + caps.qemu.version + (kvm ? " with KVM" : " with TCG (software emulation)");
  }
  if (!kvm && c.backend == runner::Backend::Qemu) {
    d["meaningful"] = false;
    d["why"] = "The guests ran under QEMU's TCG, which emulates every guest instruction in software (KVM here: " +
               caps.kvm.reason +
               "), so the costs it shows are those of the emulator, not of the kernels: "
               "system calls, context switches, interrupts and SMP locking all cost different multiples of their "
               "hardware cost.";
  } else {
    d["meaningful"] = true;
    if (host_is_virtual())
      d["why"] = "This host is itself a virtual machine (the CPU reports a hypervisor): the guests run under nested "
                 "virtualization, which adds to exits and interrupts; compare variants, not absolute numbers.";
  }
  return c;
}

}  // namespace tailor::bench
