// Finding SYSCALL_DEFINEn(name, ...) in a C source file together with the
// preprocessor condition in force there (#if/#ifdef/#ifndef/#elif/#else over
// CONFIG_ symbols: defined(), IS_ENABLED(), IS_BUILTIN(), bare CONFIG_X).
// Tests on other macros (__ARCH_WANT_..., comparisons) are unknown and add
// no requirement.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "kconfig-analyzer/analyzer/knowledge/condition.h"

namespace tailor::knowledge {

struct FoundDefinition {
  std::string name;     // the syscall's name as written in SYSCALL_DEFINEn(name, ...)
  int line = 0;         // 1-based
  Condition condition;  // the #if condition around it
  bool stub = false;    // the body is only `return -ENOSYS;` (the call exists but does nothing)
};

// `#include "other.c"`: kernel/sched/build_utility.c and friends build
// several sources as one object.
struct FoundInclude {
  std::string path;     // as written
  Condition condition;
};

struct SourceScan {
  std::vector<FoundDefinition> definitions;
  std::vector<FoundInclude> c_includes;
};

SourceScan scan_source(std::string_view source);

// The condition of a #if expression (nullopt when it cannot be known from
// CONFIG_ symbols alone). Exposed for tests.
std::optional<Condition> parse_if_expression(std::string_view expression);

}  // namespace tailor::knowledge
