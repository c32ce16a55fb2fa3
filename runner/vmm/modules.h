// Optional device modules (virtio-mmio block and net, the latter over a TAP or
// libslirp's user-mode networking): attached only when the
// BootSpec lists disks or nets, otherwise absent — no code path, no MMIO
// window, no command-line entry.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "runner/devices/bus.h"
#include "runner/runner.h"
#include "runner/vmm/guest_memory.h"

namespace tailor::runner::vmm {

// What a module may use: guest RAM (through its checked helpers), the MMIO
// bus to map its registers, and interrupt lines.
struct ModuleContext {
  GuestMemory& memory;
  devices::Bus& mmio;
  std::function<void(std::uint32_t irq, bool level)> irq_line;
};

class UserNet;

struct Modules {
  Modules();
  Modules(Modules&&) noexcept;
  Modules& operator=(Modules&&) noexcept;
  ~Modules();
  std::vector<std::unique_ptr<devices::Device>> devices;  // owned here, mapped on ctx.mmio
  // User-mode networks behind net devices; destroyed first, which ends their
  // threads and closes the frame sockets the devices read.
  std::vector<std::unique_ptr<UserNet>> user_nets;
  std::string cmdline;  // " virtio_mmio.device=4K@0xd0000000:5 ..." to append to the kernel's
};

// Creates and maps every device the spec asks for. Throws Error(kUsage or
// kBadImage) when one cannot be set up (missing file, no such TAP, too many).
Modules attach_modules(const BootSpec& spec, const ModuleContext& context);

}  // namespace tailor::runner::vmm
