// Guest RAM allocation and checked access.
#include "runner/vmm/guest_memory.h"

#include <sys/mman.h>
#include <unistd.h>

#include <fmt/core.h>
#include <utility>

#include "common/error.h"
#include "runner/runner.h"

namespace tailor::runner::vmm {

GuestMemory::GuestMemory(std::uint64_t bytes, std::uint64_t hole_start) : size_(bytes) {
  void* p = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (p == MAP_FAILED)
    throw Error(errno_message(fmt::format("cannot reserve {} MiB of guest memory", bytes >> 20), errno),
                exit_codes::kMonitorFailed);
  base_ = static_cast<std::uint8_t*>(p);
  // Transparent huge pages cut EPT/NPT walks and page faults while booting.
  ::madvise(p, bytes, MADV_HUGEPAGE);
  const std::uint64_t low = std::min(bytes, hole_start);
  ranges_.push_back({0, low, 0});
  if (bytes > low) ranges_.push_back({std::uint64_t{1} << 32, bytes - low, low});
}

GuestMemory::GuestMemory(GuestMemory&& other) noexcept
    : base_(std::exchange(other.base_, nullptr)), size_(other.size_), ranges_(std::move(other.ranges_)) {}

GuestMemory::~GuestMemory() {
  if (base_) ::munmap(base_, size_);
}

bool GuestMemory::contains(std::uint64_t gpa, std::uint64_t len) const {
  for (const auto& r : ranges_)
    if (gpa >= r.gpa && len <= r.size && gpa - r.gpa <= r.size - len) return true;
  return false;
}

std::span<std::uint8_t> GuestMemory::span(std::uint64_t gpa, std::uint64_t len, std::string_view what) {
  for (const auto& r : ranges_)
    if (gpa >= r.gpa && len <= r.size && gpa - r.gpa <= r.size - len)
      return {base_ + r.host_offset + (gpa - r.gpa), static_cast<std::size_t>(len)};
  throw Error(fmt::format("{}: guest-physical range [{:#x}, {:#x}) is outside guest RAM ({} MiB)", what, gpa,
                          gpa + len, size_ >> 20),
              exit_codes::kBadImage);
}

void GuestMemory::write(std::uint64_t gpa, std::span<const std::uint8_t> bytes, std::string_view what) {
  auto dst = span(gpa, bytes.size(), what);
  std::memcpy(dst.data(), bytes.data(), bytes.size());
}

std::uint64_t GuestMemory::resident_bytes() const {
  const long page = ::sysconf(_SC_PAGESIZE);
  const std::size_t pages = (size_ + page - 1) / page;
  std::vector<unsigned char> vec(pages);
  if (::mincore(base_, size_, vec.data()) != 0) return 0;
  std::uint64_t n = 0;
  for (unsigned char v : vec) n += v & 1;
  return n * static_cast<std::uint64_t>(page);
}

}  // namespace tailor::runner::vmm
