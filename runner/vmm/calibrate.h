// The calibrated CPL 0 loop: tells a hardware-backed /dev/kvm from one that
// interprets guest kernel code in software (see machine-notes: PVM).
#pragma once

namespace tailor::runner::vmm {

// Runs a counted `dec ecx; jnz` loop in a tiny real-mode (CPL 0) guest twice,
// with two counts, and returns nanoseconds per iteration from the difference
// (so VM entry/exit costs cancel out). Throws Error when the guest cannot be
// created or does not reach its final HLT.
double time_cpl0_loop(int kvm_fd);

}  // namespace tailor::runner::vmm
