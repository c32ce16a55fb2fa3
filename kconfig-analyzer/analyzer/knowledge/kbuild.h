// Reading the kernel's Kbuild makefiles symbolically: which objects and
// sub-directories a directory builds in, and under which CONFIG_ condition
// (obj-$(CONFIG_X), ifdef/ifeq blocks, composite objects foo-y/foo-objs,
// helper lists such as mmu-$(CONFIG_MMU)). Only built-in (y) objects count.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "kconfig-analyzer/analyzer/knowledge/condition.h"

namespace tailor::knowledge {

struct KbuildEntry {
  std::string name;     // "eventpoll.o", "notify/", "../foo.o"
  Condition condition;  // when it is built in
};

struct KbuildDir {
  std::vector<KbuildEntry> objects;  // composite objects expanded into their members
  std::vector<KbuildEntry> subdirs;  // "dir/" entries of obj-y/obj-$(...)
  // Other list variables by name ("core-y", "drivers-y", "libs-y"), expanded.
  std::map<std::string, std::vector<KbuildEntry>> lists;
};

// Parses one makefile's text. `vars` holds the variables kbuild knows
// (SRCARCH, BITS, ...); anything else that cannot be evaluated counts as
// true (it does not add a requirement).
KbuildDir parse_kbuild(std::string_view text, const std::map<std::string, std::string>& vars);

}  // namespace tailor::knowledge
