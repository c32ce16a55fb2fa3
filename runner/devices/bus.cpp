// Range lookup and overlap checks for the port and MMIO buses.
#include "runner/devices/bus.h"

#include <fmt/core.h>

#include "common/error.h"
#include "runner/runner.h"

namespace tailor::runner::devices {

void Bus::add(std::uint64_t base, std::uint64_t size, Device& device) {
  if (size == 0 || base + size < base)
    throw Error(fmt::format("{} bus: invalid range for {}", name_, device.name()), exit_codes::kMonitorFailed);
  auto next = ranges_.lower_bound(base);
  if (next != ranges_.end() && next->first < base + size)
    throw Error(fmt::format("{} bus: {} at [{:#x}, {:#x}) overlaps {} at {:#x}", name_, device.name(), base,
                            base + size, next->second.device->name(), next->first),
                exit_codes::kMonitorFailed);
  if (next != ranges_.begin()) {
    auto prev = std::prev(next);
    if (prev->first + prev->second.size > base)
      throw Error(fmt::format("{} bus: {} at [{:#x}, {:#x}) overlaps {} at {:#x}", name_, device.name(), base,
                              base + size, prev->second.device->name(), prev->first),
                  exit_codes::kMonitorFailed);
  }
  ranges_.emplace(base, Range{size, &device, std::make_unique<std::mutex>()});
}

const Bus::Range* Bus::find(std::uint64_t addr, std::uint64_t len, std::uint64_t& base) const {
  auto it = ranges_.upper_bound(addr);
  if (it == ranges_.begin()) return nullptr;
  --it;
  if (addr - it->first >= it->second.size || len > it->second.size - (addr - it->first)) return nullptr;
  base = it->first;
  return &it->second;
}

bool Bus::read(std::uint64_t addr, std::span<std::uint8_t> data) {
  std::uint64_t base;
  const Range* r = find(addr, data.size(), base);
  if (!r) return false;
  std::lock_guard lock(*r->lock);
  r->device->read(addr - base, data);
  return true;
}

bool Bus::write(std::uint64_t addr, std::span<const std::uint8_t> data) {
  std::uint64_t base;
  const Range* r = find(addr, data.size(), base);
  if (!r) return false;
  std::lock_guard lock(*r->lock);
  r->device->write(addr - base, data);
  return true;
}

}  // namespace tailor::runner::devices
