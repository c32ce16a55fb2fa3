// BusyBox is one program holding hundreds of applets, dispatched by name
// through a table of main functions: statically, every applet is reachable.
// Knowing the table lets the analysis follow only the applets an app uses.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/elf/elf_file.h"

namespace tailor::syscalls {

struct BusyboxTable {
  std::vector<std::string> names;  // applet names, in table order (sorted, as BusyBox builds them)
  uint64_t mains = 0;              // address of applet_main[]: one code pointer per name
};

// Finds applet_names[] (the sorted, NUL-separated names starting "[", "[[")
// and applet_main[] (as many code pointers as names) in a BusyBox binary;
// nullopt for any other program.
std::optional<BusyboxTable> find_busybox_table(const elf::ElfFile& elf);

}  // namespace tailor::syscalls
