// The calibrated CPL 0 loop: tells a hardware-backed /dev/kvm from one that
// interprets guest kernel code in software (see machine-notes: PVM). Part of
// the capability probe (`tailor doctor`, `tailor-vmm --probe`), not of a boot.
#pragma once

namespace tailor::runner::vmm {

// Runs a counted `dec ecx; jnz` loop in a tiny real-mode (CPL 0) guest,
// after a warm-up loop, and returns nanoseconds per iteration of the timed
// loop (one VM exit/entry included, negligible against 200000 iterations
// except on a software-interpreting /dev/kvm, which takes ~0.4 s here).
// Throws Error when the guest cannot be created or does not finish.
double time_cpl0_loop(int kvm_fd);

}  // namespace tailor::runner::vmm
