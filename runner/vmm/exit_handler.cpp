// Exit dispatch and classification.
#include "runner/vmm/exit_handler.h"

#include <cstring>
#include <map>
#include <fmt/core.h>

namespace tailor::runner::vmm {

namespace {
// The KVM_EXIT_* names an unhandled exit is reported with.
std::string exit_reason_name(std::uint32_t reason) {
  static const std::map<std::uint32_t, const char*> names = {
      {KVM_EXIT_UNKNOWN, "KVM_EXIT_UNKNOWN"}, {KVM_EXIT_EXCEPTION, "KVM_EXIT_EXCEPTION"},
      {KVM_EXIT_HYPERCALL, "KVM_EXIT_HYPERCALL"}, {KVM_EXIT_DEBUG, "KVM_EXIT_DEBUG"},
      {KVM_EXIT_IRQ_WINDOW_OPEN, "KVM_EXIT_IRQ_WINDOW_OPEN"}, {KVM_EXIT_NMI, "KVM_EXIT_NMI"}};
  auto it = names.find(reason);
  return it != names.end() ? it->second : fmt::format("exit reason {}", reason);
}
}  // namespace

ExitResult handle_exit(kvm_run& run, std::size_t run_size, devices::Bus& pio, devices::Bus& mmio) {
  using Kind = ExitResult::Kind;
  switch (run.exit_reason) {
    case KVM_EXIT_IO: {
      const auto& io = run.io;
      const std::size_t bytes = std::size_t{io.size} * io.count;
      if (io.size == 0 || io.data_offset > run_size || bytes > run_size - io.data_offset)
        return {Kind::Crashed, fmt::format("KVM_EXIT_IO with a data area outside the run page (port {:#x})", io.port)};
      auto* data = reinterpret_cast<std::uint8_t*>(&run) + io.data_offset;
      // String instructions (rep ins/outs) arrive as `count` accesses.
      for (std::uint32_t i = 0; i < io.count; ++i) {
        std::span<std::uint8_t> access(data + std::size_t{i} * io.size, io.size);
        if (io.direction == KVM_EXIT_IO_OUT) {
          pio.write(io.port, access);
        } else if (!pio.read(io.port, access)) {
          std::memset(access.data(), 0xff, access.size());
        }
      }
      return {};
    }
    case KVM_EXIT_MMIO: {
      auto& m = run.mmio;
      if (m.len == 0 || m.len > sizeof m.data)
        return {Kind::Crashed, fmt::format("KVM_EXIT_MMIO of {} bytes at {:#x}", m.len, m.phys_addr)};
      std::span<std::uint8_t> access(m.data, m.len);
      if (m.is_write) {
        mmio.write(m.phys_addr, access);
      } else if (!mmio.read(m.phys_addr, access)) {
        std::memset(access.data(), 0xff, access.size());
      }
      return {};
    }
    case KVM_EXIT_INTR: return {};
    case KVM_EXIT_HLT: return {Kind::Halted, "the vCPU halted"};
    case KVM_EXIT_SHUTDOWN:
      return {Kind::TripleFault, "triple fault (KVM_EXIT_SHUTDOWN): the guest hit an exception it could not handle"};
    case KVM_EXIT_FAIL_ENTRY:
      return {Kind::Crashed, fmt::format("KVM could not enter the guest (KVM_EXIT_FAIL_ENTRY, hardware reason {:#x})",
                                         run.fail_entry.hardware_entry_failure_reason)};
    case KVM_EXIT_INTERNAL_ERROR: {
      const char* what = "internal error";
      switch (run.internal.suberror) {
        case KVM_INTERNAL_ERROR_EMULATION: what = "instruction emulation failed"; break;
        case KVM_INTERNAL_ERROR_SIMUL_EX: what = "exception while delivering an exception"; break;
        case KVM_INTERNAL_ERROR_DELIVERY_EV: what = "event delivery failed"; break;
      }
      return {Kind::Crashed, fmt::format("KVM {} (KVM_EXIT_INTERNAL_ERROR, suberror {})", what, run.internal.suberror)};
    }
    case KVM_EXIT_SYSTEM_EVENT:
      switch (run.system_event.type) {
        case KVM_SYSTEM_EVENT_RESET: return {Kind::SystemReset, "the guest reset the machine"};
        case KVM_SYSTEM_EVENT_SHUTDOWN: return {Kind::PowerOff, "the guest powered off"};
        default: return {Kind::Crashed, fmt::format("guest system event {}", run.system_event.type)};
      }
    default:
      return {Kind::Unhandled, fmt::format("unhandled {}", exit_reason_name(run.exit_reason))};
  }
}

}  // namespace tailor::runner::vmm
