// A whole file mapped read-only (kernel images, initrds): no copy until the
// bytes are placed in guest memory.
#pragma once

#include <cstdint>
#include <filesystem>
#include <span>
#include <string_view>

namespace tailor::runner {

class MappedFile {
 public:
  // Throws Error(kBadImage) "<role> <path>: <reason>" when the file is
  // missing, unreadable, a directory, or empty.
  MappedFile(const std::filesystem::path& path, std::string_view role);
  MappedFile(MappedFile&& other) noexcept;
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;
  ~MappedFile();

  std::span<const std::uint8_t> bytes() const { return {data_, size_}; }
  std::size_t size() const { return size_; }

 private:
  const std::uint8_t* data_ = nullptr;
  std::size_t size_ = 0;
};

}  // namespace tailor::runner
