// Locating BusyBox's applet tables (see busybox.h).
#include "kconfig-analyzer/analyzer/syscalls/busybox.h"

#include <algorithm>

namespace tailor::syscalls {

std::optional<BusyboxTable> find_busybox_table(const elf::ElfFile& elf) {
  static const std::string kStart("[\0[[\0", 5);
  for (const auto& sec : elf.sections()) {
    if (!sec.allocated() || sec.executable() || sec.writable() || sec.type == 8 /*SHT_NOBITS*/) continue;
    auto bytes = elf.bytes_at(sec.addr, sec.size);
    if (!bytes) continue;
    auto data = bytes->bytes();
    for (size_t at = data.find(kStart); at != std::string_view::npos; at = data.find(kStart, at + 1)) {
      if (at > 0 && data[at - 1] != '\0') continue;
      BusyboxTable t;
      size_t p = at;
      while (p < data.size() && data[p] != '\0') {
        auto end = data.find('\0', p);
        if (end == std::string_view::npos) break;
        t.names.emplace_back(data.substr(p, end - p));
        p = end + 1;
      }
      if (t.names.size() < 8 || !std::is_sorted(t.names.begin(), t.names.end())) continue;
      // applet_main[]: names.size() consecutive code pointers.
      size_t n = t.names.size();
      for (const auto& ds : elf.sections()) {
        if (!ds.allocated() || ds.executable() || ds.size < n * 8) continue;
        for (uint64_t a = (ds.addr + 7) & ~uint64_t(7); a + n * 8 <= ds.addr + ds.size; a += 8) {
          size_t k = 0;
          for (; k < n; ++k) {
            auto v = elf.pointer_at(a + k * 8);
            if (!v || !elf.is_code_address(*v)) break;
          }
          if (k == n) {
            t.mains = a;
            return t;
          }
          a += k * 8;  // the run broke at k: no table can start before it
        }
      }
    }
  }
  return std::nullopt;
}

}  // namespace tailor::syscalls
