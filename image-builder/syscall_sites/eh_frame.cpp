// .eh_frame reading (see eh_frame.h). Only the parts that locate FDEs and
// their pc ranges are parsed: CIE augmentation, pointer encodings, lengths.
// The call frame instructions themselves are never interpreted.
#include "image-builder/syscall_sites/eh_frame.h"

#include <elf.h>

#include <algorithm>
#include <map>
#include <optional>
#include <string>

namespace tailor::syscall_sites {
namespace {

// DWARF exception-header pointer encodings (DW_EH_PE_*): a value format in
// the low nibble, how it is applied in the high one.
constexpr uint8_t kPeOmit = 0xff;
constexpr uint8_t kPeFormatMask = 0x0f;
constexpr uint8_t kPeApplyMask = 0x70;
constexpr uint8_t kPeIndirect = 0x80;
constexpr uint8_t kPeAbsolute = 0x00;
constexpr uint8_t kPePcRelative = 0x10;

// Reads forward through one entry; every read is checked against the entry's
// end, so a lying length or a runaway LEB128 becomes an error, not an overread.
class Cursor {
 public:
  Cursor(const elf::ByteView& view, uint64_t pos, uint64_t end) : view_(view), pos_(pos), end_(end) {}

  uint64_t pos() const { return pos_; }
  void seek(uint64_t pos) {
    if (pos > end_) fail("an offset past its entry");
    pos_ = pos;
  }

  template <typename T>
  T read() {
    if (sizeof(T) > end_ - pos_) fail("a value past its entry");
    T v = view_.read<T>(pos_, ".eh_frame");
    pos_ += sizeof(T);
    return v;
  }

  uint64_t uleb() {
    uint64_t value = 0;
    for (unsigned shift = 0;; shift += 7) {
      if (shift >= 64) fail("an overlong LEB128 number");
      auto byte = read<uint8_t>();
      value |= uint64_t(byte & 0x7f) << shift;
      if (!(byte & 0x80)) return value;
    }
  }

  int64_t sleb() {
    uint64_t value = 0;
    unsigned shift = 0;
    uint8_t byte = 0;
    do {
      if (shift >= 64) fail("an overlong LEB128 number");
      byte = read<uint8_t>();
      value |= uint64_t(byte & 0x7f) << shift;
      shift += 7;
    } while (byte & 0x80);
    if (shift < 64 && (byte & 0x40)) value |= ~uint64_t(0) << shift;
    return static_cast<int64_t>(value);
  }

  std::string_view cstring() {
    auto s = view_.sub(pos_, end_ - pos_, ".eh_frame").cstring(0);
    pos_ += s.size() + 1;
    return s;
  }

  // A value in `encoding`'s format, without applying it; nullopt for formats
  // this reader does not know (the caller then skips what it was reading).
  std::optional<uint64_t> raw(uint8_t encoding) {
    switch (encoding & kPeFormatMask) {
      case 0x00: return read<uint64_t>();              // absptr
      case 0x01: return uleb();                        // uleb128
      case 0x02: return read<uint16_t>();              // udata2
      case 0x03: return read<uint32_t>();              // udata4
      case 0x04: return read<uint64_t>();              // udata8
      case 0x09: return uint64_t(sleb());              // sleb128
      case 0x0a: return uint64_t(int64_t(read<int16_t>()));
      case 0x0b: return uint64_t(int64_t(read<int32_t>()));
      case 0x0c: return read<uint64_t>();              // sdata8
      default: return std::nullopt;
    }
  }

  [[noreturn]] void fail(const char* what) const {
    throw Error(view_.what() + ": malformed .eh_frame: " + what + " at offset " + std::to_string(pos_));
  }

 private:
  const elf::ByteView& view_;
  uint64_t pos_;
  uint64_t end_;
};

// What an FDE needs from its CIE: how its pc_begin is encoded (nullopt when
// the CIE uses something this reader does not model), and whether it
// describes a signal frame.
struct Cie {
  std::optional<uint8_t> encoding;
  bool signal_frame = false;
};

std::optional<uint8_t> fde_encoding(Cursor& c, bool& signal_frame) {
  const auto version = c.read<uint8_t>();
  if (version != 1 && version != 3 && version != 4) return std::nullopt;
  const auto augmentation = c.cstring();
  if (version == 4) {
    c.read<uint8_t>();  // address size
    c.read<uint8_t>();  // segment selector size
  }
  c.uleb();  // code alignment
  c.sleb();  // data alignment
  if (version == 1) c.read<uint8_t>();
  else c.uleb();  // return address register
  uint8_t encoding = kPeAbsolute;
  if (augmentation.empty()) return encoding;
  if (augmentation.front() != 'z') return std::nullopt;  // no length: the layout past here is unknown
  const auto length = c.uleb();
  const auto data_end = c.pos() + length;
  for (char ch : augmentation.substr(1)) {
    if (ch == 'R') {
      encoding = c.read<uint8_t>();
    } else if (ch == 'L') {
      c.read<uint8_t>();
    } else if (ch == 'P') {
      const auto personality = c.read<uint8_t>();
      if (personality != kPeOmit && !c.raw(personality)) return std::nullopt;
    } else if (ch == 'S') {
      signal_frame = true;
    } else if (ch != 'B' && ch != 'G') {
      break;  // unknown, but 'z' tells where the data ends
    }
  }
  c.seek(data_end);
  return encoding;
}

}  // namespace

EhFrameRanges eh_frame_ranges(const elf::ElfFile& file, std::string_view bytes) {
  EhFrameRanges out;
  const auto* section = file.section(".eh_frame");
  if (!section || section->type == SHT_NOBITS) return out;
  const elf::ByteView view = elf::ByteView(bytes, file.name()).sub(section->offset, section->size, ".eh_frame");
  std::map<uint64_t, Cie> cies;  // by entry offset

  uint64_t offset = 0;
  while (view.size() - offset >= 4) {
    Cursor header(view, offset, view.size());
    uint64_t length = header.read<uint32_t>();
    if (length == 0) break;  // the terminator
    if (length == 0xffffffff) length = header.read<uint64_t>();
    const uint64_t start = header.pos();
    if (length > view.size() - start) header.fail("an entry longer than the section");
    const uint64_t end = start + length;
    Cursor c(view, start, end);
    const auto id = c.read<uint32_t>();
    if (id == 0) {
      Cie cie;
      cie.encoding = fde_encoding(c, cie.signal_frame);
      cies[offset] = cie;
    } else {
      // The id is the distance back from itself to the CIE.
      if (id > start) c.fail("a CIE pointer before the section");
      auto cie = cies.find(start - id);
      if (cie == cies.end()) c.fail("a CIE pointer to no CIE");
      const auto encoding = cie->second.encoding;
      if (encoding && !(*encoding & kPeIndirect)) {
        const auto apply = *encoding & kPeApplyMask;
        const uint64_t field_address = section->addr + c.pos();
        const auto begin = c.raw(*encoding);
        const auto range = c.raw(*encoding & kPeFormatMask);
        if (begin && range && (apply == kPeAbsolute || apply == kPePcRelative)) {
          const uint64_t pc = apply == kPePcRelative ? field_address + *begin : *begin;
          if (*range && pc + *range > pc) {
            out.all.push_back({pc, pc + *range});
            if (cie->second.signal_frame) out.signal_frames.push_back({pc, pc + *range});
          }
        }
      }
    }
    offset = end;
  }
  for (auto* list : {&out.all, &out.signal_frames}) {
    std::sort(list->begin(), list->end());
    list->erase(std::unique(list->begin(), list->end()), list->end());
  }
  return out;
}

}  // namespace tailor::syscall_sites
