// Host capability probes behind probe_capabilities(): /dev/kvm (present,
// sane, hardware-backed, fast at CPL 0) and QEMU.
#pragma once

#include <string_view>

#include "runner/runner.h"

namespace tailor::runner {

// thorough: also run the calibrated CPL 0 loop (always, even without the CPU
// flag, to report its time): `tailor doctor`, `tailor-vmm --probe`. Without
// it (boot()), a missing svm/vmx flag is what marks /dev/kvm unusable.
KvmProbe probe_kvm(bool thorough);
// want_version: run `qemu-system-x86_64 --version` (tens of ms).
QemuProbe probe_qemu(bool want_version);

// True when /proc/cpuinfo's flags list svm or vmx. Pure, for tests.
bool cpuinfo_has_virtualization_flag(std::string_view cpuinfo);

// The verdict on a calibrated CPL 0 loop: hardware runs an iteration in about
// a nanosecond (TCG-nested KVM in tens), a software-interpreting /dev/kvm in
// microseconds. Above this, Linux guests are not practical.
inline constexpr double kMaxUsableCpl0NsPerIteration = 200.0;

}  // namespace tailor::runner
