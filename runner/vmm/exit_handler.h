// What to do after KVM_RUN returns: dispatch port and MMIO accesses to the
// buses, and classify every other exit. A free function over kvm_run so that
// tests can feed it fabricated exits without KVM.
#pragma once

#include <linux/kvm.h>

#include <string>

#include "runner/devices/bus.h"

namespace tailor::runner::vmm {

struct ExitResult {
  enum class Kind {
    Continue,     // handled (or an interrupted run): run again
    Halted,       // the vCPU executed HLT and KVM returned it to us
    TripleFault,  // KVM_EXIT_SHUTDOWN: the guest reset itself the hard way
    SystemReset,  // KVM_EXIT_SYSTEM_EVENT reset
    PowerOff,     // KVM_EXIT_SYSTEM_EVENT shutdown
    Crashed,      // entry failure, internal/emulation error, guest crash event
    Unhandled,    // an exit reason the monitor does not implement
  };
  Kind kind = Kind::Continue;
  std::string detail;  // for everything but Continue
};

// `run` is the vCPU's mapped kvm_run area (I/O data lives at run + data_offset,
// inside `run_size` bytes). Accesses no device claims read as all-ones and
// writes are dropped, as on a PC bus with nothing there.
ExitResult handle_exit(kvm_run& run, std::size_t run_size, devices::Bus& pio, devices::Bus& mmio);

}  // namespace tailor::runner::vmm
