// Which kernel options each system call needs, derived from the kernel tree
// itself (never typed in): the arch syscall table names each call's entry
// point; SYSCALL_DEFINEn() finds its definitions; the Kbuild makefiles say
// when each file is built in (obj-$(CONFIG_X), composite objects, the chain
// of sub-directories up to the top); #if/#ifdef around the definition adds
// its own condition; kernel/sys_ni.c's COND_SYSCALL() marks calls the kernel
// itself treats as optional. Derived once per tree and cached.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/progress.h"
#include "kconfig-analyzer/analyzer/knowledge/condition.h"

namespace tailor::knowledge {

struct SyscallTableEntry {
  int nr = 0;
  std::string abi;    // "common" or "64" (x32 entries are skipped)
  std::string name;   // "epoll_create1"
  std::string entry;  // "sys_epoll_create1"; empty when the number is reserved
};

// Parses arch/x86/entry/syscalls/syscall_64.tbl; `where` names it in errors.
std::vector<SyscallTableEntry> parse_syscall_table(const std::string& text, const std::string& where);
// The names in COND_SYSCALL(name) lines of kernel/sys_ni.c.
std::vector<std::string> parse_cond_syscalls(const std::string& text);

struct SyscallDefinitionSite {
  std::string file;             // relative to the tree: "fs/eventpoll.c"
  int line = 0;
  Dnf build_condition;          // when the file is built in (Kbuild, up the directory chain)
  Dnf source_condition;         // the #if condition around the definition
  Dnf condition;                // both
  bool stub = false;            // only returns -ENOSYS: does not count as an implementation
};

struct SyscallFacts {
  int nr = 0;
  std::string name;
  std::string entry;
  bool conditional = false;     // COND_SYSCALL in kernel/sys_ni.c
  std::vector<SyscallDefinitionSite> definitions;
  Dnf requirement;              // any definition's condition; empty: not implemented
  bool implemented() const { return !requirement.empty(); }
  bool always_available() const;  // a definition without conditions
};

class SyscallKnowledge {
 public:
  // Derives the table from the tree at `tree` for x86_64. Throws Error naming
  // the missing file when the tree lacks the syscall table.
  static SyscallKnowledge derive(const std::filesystem::path& tree, Progress* progress = nullptr);
  // The cached table for `tree` under `cache`, derived and stored when missing
  // or when any file it was derived from has changed.
  static SyscallKnowledge load_or_derive(const std::filesystem::path& tree, const std::filesystem::path& cache,
                                         Progress* progress = nullptr);

  const std::vector<SyscallFacts>& syscalls() const { return syscalls_; }
  const SyscallFacts* by_number(int nr) const;
  const SyscallFacts* by_name(const std::string& name) const;
  std::string name_of(int nr) const;  // "epoll_wait", or "syscall_<nr>" if unknown

  std::string to_json() const;
  static SyscallKnowledge from_json(const std::string& text, const std::string& where);

  // Files read to derive the table (for cache validation): path -> "size:mtime".
  const std::map<std::string, std::string>& inputs() const { return inputs_; }

 private:
  std::vector<SyscallFacts> syscalls_;
  std::map<int, size_t> by_nr_;
  std::map<std::string, size_t> by_name_;
  std::map<std::string, std::string> inputs_;
  void index();
};

}  // namespace tailor::knowledge
