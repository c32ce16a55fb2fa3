// Development probe: prints the syscall -> config table derived from a tree.
#include <cstdio>

#include "common/error.h"
#include "kconfig-analyzer/analyzer/knowledge/syscall_knowledge.h"

int main(int argc, char** argv) {
  using namespace tailor;
  try {
    auto k = knowledge::SyscallKnowledge::derive(argc > 1 ? argv[1] : "/work/ref/linux-source-6.1");
    for (const auto& f : k.syscalls()) {
      std::printf("%3d %-24s %s%s", f.nr, f.name.c_str(), knowledge::to_string(f.requirement).c_str(),
                  f.conditional ? "  [sys_ni]" : "");
      for (const auto& d : f.definitions) std::printf("  %s:%d", d.file.c_str(), d.line);
      std::printf("\n");
    }
  } catch (const Error& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
}
