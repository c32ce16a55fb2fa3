// Offline rewriting of `syscall` sites for Kernel Mode Linux (issue 16).
//
// A trusted program runs at CPL 0 on a KML kernel, where `syscall` works but
// returns through the slow IRET path. Every `syscall` (0f 05) that can be
// proven safe is replaced by the same-length `call *%rax` (ff d0): RAX holds
// the system call number, so the call lands at virtual address = number, in
// the sled the KML kernel maps at address 0 for trusted processes (two
// jumps to an entry that makes it a SYSCALL at the site, kml-patches 0006,
// kml-patches/README.md). The call
// pushes its return address below RSP, so a site is only safe where that
// cannot destroy live data and where returning through the pushed address is
// correct. Anything not proven safe keeps its `syscall` and is counted with
// the reason. Same input, same output bytes and same report.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace tailor::syscall_sites {

// Larger files are refused: the biggest shared library in a Debian system is
// a few hundred MiB (and the rewriter keeps a few copies in memory).
constexpr uint64_t kMaxSyscallSiteFileSize = uint64_t(512) << 20;

// System call numbers [0, this) are the ones rewritten: the kernel's sled
// must cover at least this many (0006's covers 1052; Linux has about 460
// x86-64 system calls; the x32 ones, with bit 30 set, never land there).
constexpr int64_t kTrampolineSyscallLimit = 1024;

// What became of one `0f 05` byte pair in the executable bytes of the file.
// The first reason that applies is the one reported, in this order.
enum class SiteVerdict : uint8_t {
  Rewrite,           // proven safe: becomes `call *%rax`
  NoFunction,        // no .eh_frame FDE or function symbol covers it
  Misdecode,         // its function does not decode cleanly from start to end (or branches land off its grid)
  NotAnInstruction,  // the bytes are inside another instruction (not on the instruction grid)
  Relocation,        // a dynamic relocation may patch these bytes at load time
  RedZone,           // its function may keep data below RSP, where the call's return address goes
  SharedFrame,       // code elsewhere jumps into its function, and that code cannot be cleared
  UnknownNumber,     // the system call number in RAX is not a constant known at the site
  UnsafeNumber,      // the number must not go through the call entry (rt_sigreturn, vfork, clone, clone3;
                     // any site in a signal-frame FDE) or misses the sled
};
inline constexpr SiteVerdict kAllSiteVerdicts[] = {
    SiteVerdict::Rewrite,      SiteVerdict::NoFunction,    SiteVerdict::Misdecode,
    SiteVerdict::NotAnInstruction, SiteVerdict::Relocation, SiteVerdict::RedZone,
    SiteVerdict::SharedFrame,  SiteVerdict::UnknownNumber, SiteVerdict::UnsafeNumber};

// "rewrite", "no-function", "misdecode", ...: stable names for reports.
std::string_view verdict_name(SiteVerdict verdict);

struct SyscallSite {
  uint64_t address = 0;      // virtual address of the 0f byte
  uint64_t file_offset = 0;  // where it is in the file
  SiteVerdict verdict = SiteVerdict::NoFunction;
  int64_t number = -1;       // the system call number when known, else -1

  bool operator==(const SyscallSite&) const = default;
};

struct SiteReport {
  std::vector<SyscallSite> sites;  // every 0f 05 pair in executable, file-backed bytes, by file offset

  size_t count(SiteVerdict verdict) const;
  size_t rewritten() const { return count(SiteVerdict::Rewrite); }
  // "rewrite 12, red-zone 3, unknown-number 1" (verdicts with no site left out).
  std::string summary() const;
  bool operator==(const SiteReport&) const = default;
};

// Finds and judges every syscall site of an x86-64 ELF file image; `name`
// names it in errors. Throws tailor::Error for files that are too large, not
// x86-64 ELF, or malformed.
SiteReport find_syscall_sites(std::string_view elf_bytes, const std::string& name);

struct RewriteResult {
  std::string bytes;  // the input with every Rewrite site turned into ff d0, nothing else changed
  SiteReport report;
};
RewriteResult rewrite_syscall_sites(std::string_view elf_bytes, const std::string& name);

}  // namespace tailor::syscall_sites
