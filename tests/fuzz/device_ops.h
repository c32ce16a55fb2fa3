// The little program a device fuzz target runs against its device model: a
// sequence of operations, each an op byte (taken modulo kOpCount, so every
// byte string is a program) followed by its operands, little-endian:
//   kRead      offset:u16 width:u8             a guest read of 1, 2, 4 or 8 bytes
//   kWrite     offset:u16 width:u8 value:u32   a guest write
//   kHostBytes length:u8 bytes                 UART: bytes from the host; virtio: guest RAM write at gpa:u16 first
//   kSetup     queue:u8                        virtio: the driver's whole queue handshake (fixed ring addresses)
// make_seeds.cpp writes seed programs in the same encoding.
#pragma once

#include <cstdint>
#include <span>

#include "runner/devices/device.h"
#include "tests/fuzz/fuzz_support.h"

namespace tailor::fuzz::device_ops {

enum Op : std::uint8_t { kRead = 0, kWrite = 1, kHostBytes = 2, kSetup = 3 };
constexpr std::uint8_t kOpCount = 4;

// Access widths, indexed by the width operand modulo 4.
constexpr std::uint8_t kWidths[4] = {1, 2, 4, 8};

// Where kSetup puts queue q's rings in guest RAM (64 KiB): desc, avail, used.
constexpr std::uint64_t kRingBase = 0x1000, kRingStride = 0x1000;
constexpr std::uint64_t desc_ring(unsigned q) { return kRingBase + q * kRingStride; }
constexpr std::uint64_t avail_ring(unsigned q) { return desc_ring(q) + 0x400; }
constexpr std::uint64_t used_ring(unsigned q) { return desc_ring(q) + 0x800; }
constexpr std::uint32_t kQueueSize = 8;
constexpr std::uint64_t kGuestRam = 64 * 1024;

// Runs a kRead or kWrite op (its operands come from `in`) on `device`, at an
// offset below `window` (the device's port or MMIO range).
inline void guest_access(runner::devices::Device& device, Op op, InputReader& in, std::uint64_t window) {
  const std::uint64_t offset = in.u16() % window;
  std::uint8_t buf[8];
  const std::span<std::uint8_t> data(buf, kWidths[in.u8() % 4]);
  if (op == kRead) {
    device.read(offset, data);
    return;
  }
  runner::devices::store_le(data, in.u32());
  device.write(offset, data);
}

}  // namespace tailor::fuzz::device_ops
