// Bounds-checked little-endian reads over an in-memory file image: a malformed
// or truncated ELF becomes a tailor::Error naming the file and the offset,
// never an out-of-bounds read.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <type_traits>

#include "common/error.h"

namespace tailor::elf {

class ByteView {
 public:
  ByteView() = default;
  // `what` names the data in error messages (usually the file path).
  ByteView(std::string_view bytes, std::string what) : bytes_(bytes), what_(std::move(what)) {}

  size_t size() const { return bytes_.size(); }
  const std::string& what() const { return what_; }
  std::string_view bytes() const { return bytes_; }

  // A trivially copyable value at `offset` (x86-64 ELF is little-endian like the host).
  // `part` names what is read in error messages ("the program headers").
  template <typename T>
  T read(uint64_t offset, const char* part = nullptr) const {
    static_assert(std::is_trivially_copyable_v<T>);
    check(offset, sizeof(T), part);
    T value;
    std::memcpy(&value, bytes_.data() + offset, sizeof(T));
    return value;
  }

  // The bytes [offset, offset + size), checked.
  ByteView sub(uint64_t offset, uint64_t size, const char* part = nullptr) const {
    check(offset, size, part);
    return ByteView(bytes_.substr(offset, size), what_);
  }

  // The NUL-terminated string starting at `offset` (must be terminated inside the view).
  std::string_view cstring(uint64_t offset) const {
    check(offset, 0);
    auto rest = bytes_.substr(offset);
    auto end = rest.find('\0');
    if (end == std::string_view::npos)
      throw Error(what_ + ": unterminated string at offset " + std::to_string(offset));
    return rest.substr(0, end);
  }

  void check(uint64_t offset, uint64_t size, const char* part = nullptr) const {
    if (offset > bytes_.size() || size > bytes_.size() - offset)
      throw Error(what_ + ": truncated or malformed" + (part ? std::string(": cannot read ") + part : std::string()) +
                  " (needs bytes " + std::to_string(offset) + ".." + std::to_string(offset + size) + " of " +
                  std::to_string(bytes_.size()) + ")");
  }

 private:
  std::string_view bytes_;
  std::string what_;
};

}  // namespace tailor::elf
