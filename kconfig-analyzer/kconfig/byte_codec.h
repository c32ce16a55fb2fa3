// Compact binary encoding for the parsed-tree cache (tree_cache.h): a writer
// that appends fixed-width little-endian integers and length-prefixed byte
// strings, and a reader that checks every read against the bytes left, so a
// truncated, corrupted or foreign file ends in CorruptData and never in a read
// out of bounds or a huge allocation.
#pragma once

#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace tailor::kconfig {

// The bytes do not decode to what the reader expects. Only the cache code
// sees it: a damaged cache is ignored and rebuilt.
class CorruptData : public std::runtime_error {
 public:
  explicit CorruptData(const std::string& what) : std::runtime_error(what) {}
};

class ByteWriter {
 public:
  void u8(uint8_t v) { out_.push_back(static_cast<char>(v)); }
  void u32(uint32_t v) {
    char b[4];
    for (int i = 0; i < 4; ++i) b[i] = static_cast<char>(v >> (8 * i));
    out_.append(b, 4);
  }
  void u64(uint64_t v) {
    char b[8];
    for (int i = 0; i < 8; ++i) b[i] = static_cast<char>(v >> (8 * i));
    out_.append(b, 8);
  }
  void i32(int32_t v) { u32(static_cast<uint32_t>(v)); }
  void bytes(std::string_view s) {
    count(s.size());
    out_.append(s);
  }
  void u32s(const std::vector<uint32_t>& v) {
    count(v.size());
    for (uint32_t x : v) u32(x);
  }
  // A count of elements that follow; checked against the bytes left on reading.
  void count(size_t n) {
    if (n > UINT32_MAX) throw std::length_error("tree cache: more than 2^32 elements");
    u32(static_cast<uint32_t>(n));
  }

  const std::string& data() const { return out_; }
  std::string take() { return std::move(out_); }

 private:
  std::string out_;
};

class ByteReader {
 public:
  explicit ByteReader(std::string_view in) : in_(in) {}

  uint8_t u8() { return static_cast<uint8_t>(*take(1)); }
  uint32_t u32() {
    const char* p = take(4);
    uint32_t v = 0;
    for (int i = 0; i < 4; ++i) v |= static_cast<uint32_t>(static_cast<uint8_t>(p[i])) << (8 * i);
    return v;
  }
  uint64_t u64() {
    const char* p = take(8);
    uint64_t v = 0;
    for (int i = 0; i < 8; ++i) v |= static_cast<uint64_t>(static_cast<uint8_t>(p[i])) << (8 * i);
    return v;
  }
  int32_t i32() { return static_cast<int32_t>(u32()); }
  std::string_view bytes() {
    size_t n = u32();
    return std::string_view(take(n), n);
  }
  std::string string() { return std::string(bytes()); }
  std::vector<uint32_t> u32s() {
    size_t n = count(4);
    std::vector<uint32_t> v(n);
    for (uint32_t& x : v) x = u32();
    return v;
  }
  // A count of elements of at least `min_size` bytes each: larger than what
  // is left means the data is damaged (and must not size an allocation).
  size_t count(size_t min_size) {
    size_t n = u32();
    if (min_size > 0 && n > left() / min_size) throw CorruptData("element count beyond the end of the data");
    return n;
  }

  size_t left() const { return in_.size() - pos_; }
  bool at_end() const { return pos_ == in_.size(); }

 private:
  const char* take(size_t n) {
    if (n > left()) throw CorruptData("unexpected end of data");
    const char* p = in_.data() + pos_;
    pos_ += n;
    return p;
  }

  std::string_view in_;
  size_t pos_ = 0;
};

}  // namespace tailor::kconfig
