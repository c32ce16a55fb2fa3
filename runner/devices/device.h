// The two-method device interface: a device sees only offsets inside its own
// port or MMIO range; the bus decides who gets an access.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

namespace tailor::runner::devices {

class Device {
 public:
  virtual ~Device() = default;
  virtual std::string_view name() const = 0;
  // `data.size()` is the access width (1, 2, 4 or 8). Reads fill `data`.
  virtual void read(std::uint64_t offset, std::span<std::uint8_t> data) = 0;
  virtual void write(std::uint64_t offset, std::span<const std::uint8_t> data) = 0;
};

// Little-endian helpers for registers wider than a byte.
inline std::uint64_t load_le(std::span<const std::uint8_t> data) {
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < data.size() && i < 8; ++i) v |= std::uint64_t{data[i]} << (8 * i);
  return v;
}
inline void store_le(std::span<std::uint8_t> data, std::uint64_t v) {
  for (std::size_t i = 0; i < data.size(); ++i) data[i] = i < 8 ? static_cast<std::uint8_t>(v >> (8 * i)) : 0;
}

}  // namespace tailor::runner::devices
