// Guest RAM: one anonymous host mapping, registered with KVM as one or two
// slots (below the 32-bit MMIO hole, and above 4 GiB for large guests). Every
// access from the monitor goes through the bounds-checked helpers here.
#pragma once

#include <cstdint>
#include <cstring>
#include <span>
#include <string_view>
#include <vector>

namespace tailor::runner::vmm {

struct RamRange {
  std::uint64_t gpa;   // guest-physical start
  std::uint64_t size;
  std::uint64_t host_offset;  // into the host mapping
};

class GuestMemory {
 public:
  // Reserves `bytes` of guest RAM (pages are allocated on first touch), laid
  // out around the MMIO hole at [hole_start, 4 GiB).
  GuestMemory(std::uint64_t bytes, std::uint64_t hole_start);
  GuestMemory(GuestMemory&& other) noexcept;
  GuestMemory(const GuestMemory&) = delete;
  GuestMemory& operator=(const GuestMemory&) = delete;
  ~GuestMemory();

  std::uint64_t size() const { return size_; }
  const std::vector<RamRange>& ranges() const { return ranges_; }
  std::uint8_t* host_base() const { return base_; }

  // [gpa, gpa+len) as host bytes; throws Error naming `what` when the range is
  // not wholly inside one RAM range.
  std::span<std::uint8_t> span(std::uint64_t gpa, std::uint64_t len, std::string_view what);
  bool contains(std::uint64_t gpa, std::uint64_t len) const;

  void write(std::uint64_t gpa, std::span<const std::uint8_t> bytes, std::string_view what);
  void write(std::uint64_t gpa, std::string_view bytes, std::string_view what) {
    write(gpa, std::span(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()), what);
  }

  // Host bytes currently resident (mincore), to tell guest RAM from monitor
  // overhead in peak RSS.
  std::uint64_t resident_bytes() const;

 private:
  std::uint8_t* base_ = nullptr;
  std::uint64_t size_ = 0;
  std::vector<RamRange> ranges_;
};

}  // namespace tailor::runner::vmm
