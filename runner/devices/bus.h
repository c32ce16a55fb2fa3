// An address-range map from port or MMIO addresses to devices. Ranges may not
// overlap; accesses are serialized per device (vCPU threads share devices).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <span>
#include <string>

#include "runner/devices/device.h"

namespace tailor::runner::devices {

class Bus {
 public:
  explicit Bus(std::string name) : name_(std::move(name)) {}

  // Maps [base, base+size) to `device` (not owned; must outlive the bus).
  // Throws Error naming both devices when the range overlaps another.
  void add(std::uint64_t base, std::uint64_t size, Device& device);

  // Dispatches an access; false when no device covers [addr, addr+len).
  bool read(std::uint64_t addr, std::span<std::uint8_t> data);
  bool write(std::uint64_t addr, std::span<const std::uint8_t> data);

 private:
  struct Range {
    std::uint64_t size;
    Device* device;
    std::unique_ptr<std::mutex> lock;
  };
  const Range* find(std::uint64_t addr, std::uint64_t len, std::uint64_t& base) const;

  std::string name_;
  std::map<std::uint64_t, Range> ranges_;  // by base
};

}  // namespace tailor::runner::devices
