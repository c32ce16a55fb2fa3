// Optional modules: one virtio-mmio window per --disk and --net (a TAP, or
// user-mode networking through libslirp), each with
// its own interrupt line, announced to the guest on its command line
// (virtio_mmio.device=, which needs CONFIG_VIRTIO_MMIO_CMDLINE_DEVICES).
#include "runner/vmm/modules.h"

#include <fmt/core.h>

#include "common/error.h"
#include "runner/boot/layout.h"
#include "runner/devices/virtio_blk.h"
#include "runner/devices/virtio_mmio.h"
#include "runner/devices/virtio_net.h"
#include "runner/vmm/user_net.h"

namespace tailor::runner::vmm {
namespace {

namespace layout = x86::layout;

// ISA lines free for devices: not the timer, keyboard, cascade, COM1, RTC.
constexpr std::uint32_t kFreeIrqs[] = {5, 6, 7, 9, 10, 11, 12, 14, 15};

}  // namespace

Modules::Modules() = default;
Modules::Modules(Modules&&) noexcept = default;
Modules& Modules::operator=(Modules&&) noexcept = default;
Modules::~Modules() = default;

Modules attach_modules(const BootSpec& spec, const ModuleContext& ctx) {
  Modules m;
  const std::size_t count = spec.disks.size() + spec.nets.size();
  if (count > std::size(kFreeIrqs))
    throw Error(fmt::format("{} virtio devices requested; tailor-vmm has interrupt lines for {}", count,
                            std::size(kFreeIrqs)),
                exit_codes::kUsage);
  std::size_t slot = 0;
  auto map = [&](std::unique_ptr<devices::VirtioDevice> device) {
    const std::uint32_t irq = kFreeIrqs[slot];
    const std::uint64_t base = layout::kVirtioMmioBase + slot * layout::kVirtioMmioSize;
    auto transport = std::make_unique<devices::VirtioMmio>(
        std::move(device), ctx.memory, [irq, line = ctx.irq_line](bool level) { line(irq, level); });
    ctx.mmio.add(base, layout::kVirtioMmioSize, *transport);
    m.cmdline += fmt::format(" virtio_mmio.device=4K@{:#x}:{}", base, irq);
    ++slot;
    m.devices.push_back(std::move(transport));
  };
  for (const auto& disk : spec.disks) map(std::make_unique<devices::VirtioBlk>(disk.file, disk.read_only));
  for (std::size_t i = 0; i < spec.nets.size(); ++i) {
    const NetDevice& net = spec.nets[i];
    if (!net.user) {
      map(std::make_unique<devices::VirtioNet>(devices::VirtioNet::open_tap(net.tap),
                                               devices::VirtioNet::mac_address(net.mac.value_or(""), net.tap)));
      continue;
    }
    // A confined monitor cannot read /etc/resolv.conf, which slirp's DNS
    // forwarding does on demand: no virtual DNS server then (see seccomp.cpp).
    m.user_nets.push_back(std::make_unique<UserNet>(net, /*dns=*/!spec.seccomp));
    map(std::make_unique<devices::VirtioNet>(m.user_nets.back()->take_guest_end(),
                                             devices::VirtioNet::mac_address(net.mac.value_or(""),
                                                                             fmt::format("user{}", i))));
  }
  return m;
}

}  // namespace tailor::runner::vmm
