// The KML syscall site rewriter on hand-written functions (one per kind of
// site, testdata/sites.S) and on Debian's own libc and redis.
#include "image-builder/syscall_sites/syscall_sites.h"

#include <elf.h>
#include <gtest/gtest.h>
#include <sys/mman.h>

#include <cstring>
#include <filesystem>
#include <set>

#include "common/elf/elf_file.h"
#include "common/elf/library_closure.h"
#include "common/fs.h"
#include "common/subprocess.h"
#include "common/x86/x86_decoder.h"
#include "common/test_support.h"

namespace tailor::syscall_sites {
namespace {

std::string fixture() { return read_file(TAILOR_SITES_FIXTURE); }

// The fixture's function (or data) symbol `name`.
elf::Symbol symbol(const std::string& bytes, const std::string& name) {
  auto file = elf::ElfFile::parse(bytes, "sites.so");
  auto found = file.find_exports(name);
  if (found.empty()) throw Error("the fixture has no symbol " + name);
  return *found.front();
}

// The one site inside function `name`.
SyscallSite site_in(const SiteReport& report, const std::string& bytes, const std::string& name) {
  const auto sym = symbol(bytes, name);
  std::vector<SyscallSite> found;
  for (const auto& site : report.sites)
    if (site.address >= sym.value && site.address < sym.value + sym.size) found.push_back(site);
  if (found.size() != 1) throw Error(name + " holds " + std::to_string(found.size()) + " sites, not one");
  return found.front();
}

TEST(SyscallSites, EachKindOfSiteGetsItsVerdict) {
  const auto bytes = fixture();
  const auto report = find_syscall_sites(bytes, "sites.so");
  auto verdict = [&](const char* name) { return site_in(report, bytes, name).verdict; };
  EXPECT_EQ(verdict("safe_getpid"), SiteVerdict::Rewrite);
  EXPECT_EQ(site_in(report, bytes, "safe_getpid").number, 39);
  EXPECT_EQ(verdict("red_zone_rsp"), SiteVerdict::RedZone);
  EXPECT_EQ(verdict("red_zone_rbp"), SiteVerdict::RedZone);
  EXPECT_EQ(verdict("red_zone_pointer"), SiteVerdict::RedZone);
  EXPECT_EQ(verdict("framed"), SiteVerdict::Rewrite);
  EXPECT_EQ(verdict("fast_and_slow"), SiteVerdict::Rewrite);
  EXPECT_EQ(verdict("immediate_pair"), SiteVerdict::NotAnInstruction);
  EXPECT_EQ(verdict("sigreturn_site"), SiteVerdict::UnsafeNumber);
  EXPECT_EQ(verdict("clone_site"), SiteVerdict::UnsafeNumber);
  EXPECT_EQ(verdict("signal_trampoline"), SiteVerdict::UnsafeNumber);
  EXPECT_EQ(verdict("copied_number"), SiteVerdict::Rewrite);
  EXPECT_EQ(site_in(report, bytes, "copied_number").number, 60);
  EXPECT_EQ(verdict("unknown_number"), SiteVerdict::UnknownNumber);
  EXPECT_EQ(verdict("joined_paths"), SiteVerdict::UnknownNumber);
  EXPECT_EQ(verdict("bad_bytes"), SiteVerdict::Misdecode);
  EXPECT_EQ(verdict("off_grid"), SiteVerdict::Misdecode);
  EXPECT_EQ(verdict("cold_part"), SiteVerdict::SharedFrame);
  EXPECT_EQ(verdict("entered_site"), SiteVerdict::RedZone);
  EXPECT_EQ(verdict("relocated_site"), SiteVerdict::Rewrite);
  EXPECT_EQ(verdict("symbol_only_safe"), SiteVerdict::Rewrite);
  EXPECT_EQ(verdict("symbol_only_joined"), SiteVerdict::UnknownNumber);
  // The orphan after text_slot: no FDE, no symbol.
  EXPECT_EQ(report.count(SiteVerdict::NoFunction), 1u);
  EXPECT_EQ(report.sites.size(), 21u) << report.summary();
  EXPECT_EQ(report.summary(),
            "rewrite 6, no-function 1, misdecode 2, not-an-instruction 1, red-zone 4, shared-frame 1, "
            "unknown-number 3, unsafe-number 3");
}

TEST(SyscallSites, RewriteChangesExactlyTheSafeSitesToCallRax) {
  const auto bytes = fixture();
  const auto result = rewrite_syscall_sites(bytes, "sites.so");
  ASSERT_EQ(result.bytes.size(), bytes.size());
  std::set<uint64_t> rewritten;
  for (const auto& site : result.report.sites)
    if (site.verdict == SiteVerdict::Rewrite) rewritten.insert(site.file_offset);
  ASSERT_EQ(rewritten.size(), 6u);
  for (size_t i = 0; i < bytes.size(); ++i) {
    if (rewritten.contains(i)) {
      EXPECT_EQ(bytes.substr(i, 2), "\x0f\x05");
      EXPECT_EQ(result.bytes.substr(i, 2), "\xff\xd0");  // call *%rax
      ++i;
    } else {
      ASSERT_EQ(result.bytes[i], bytes[i]) << "byte " << i << " changed";
    }
  }
  // What the decoder now sees at the safe site: a 2-byte indirect call.
  const auto site = site_in(result.report, bytes, "safe_getpid");
  x86::X86Decoder decoder;
  auto insn = decoder.decode(std::string_view(result.bytes).substr(site.file_offset, 2), site.address);
  ASSERT_TRUE(insn);
  EXPECT_EQ(insn->flow, x86::Flow::IndirectCall);
  EXPECT_EQ(insn->size, 2);
}

TEST(SyscallSites, BytesOutsideExecutableSegmentsAreNeverSites) {
  const auto bytes = fixture();
  const auto result = rewrite_syscall_sites(bytes, "sites.so");
  const auto data = symbol(bytes, "data_pair");
  for (const auto& site : result.report.sites) EXPECT_NE(site.address, data.value);
  auto file = elf::ElfFile::parse(bytes, "sites.so");
  auto where = file.bytes_at(data.value, 2);
  ASSERT_TRUE(where);
  EXPECT_EQ(where->bytes(), std::string_view("\x0f\x05", 2));
  const auto offset = size_t(where->bytes().data() - file.bytes_at(0, 1)->bytes().data());
  EXPECT_EQ(result.bytes.substr(offset, 2), std::string("\x0f\x05", 2));
}

TEST(SyscallSites, SameInputSameBytesAndReportAndNothingLeftToRewrite) {
  const auto bytes = fixture();
  const auto first = rewrite_syscall_sites(bytes, "sites.so");
  const auto second = rewrite_syscall_sites(bytes, "sites.so");
  EXPECT_EQ(first.bytes, second.bytes);
  EXPECT_EQ(first.report, second.report);
  // A rewritten file has no safe site left: rewriting it again changes nothing.
  const auto again = rewrite_syscall_sites(first.bytes, "sites.so");
  EXPECT_EQ(again.report.rewritten(), 0u);
  EXPECT_EQ(again.bytes, first.bytes);
}

TEST(SyscallSites, ARelocationOverTheSiteKeepsItsSyscall) {
  // Point the fixture's text relocation (at text_slot) at relocated_site's syscall.
  auto bytes = fixture();
  const auto slot = symbol(bytes, "text_slot").value;
  const auto site = site_in(find_syscall_sites(bytes, "sites.so"), bytes, "relocated_site");
  const auto original = elf::ElfFile::parse(bytes, "sites.so");
  const auto* rela = original.section(".rela.dyn");
  ASSERT_TRUE(rela);
  bool patched = false;
  for (uint64_t off = rela->offset; off + sizeof(Elf64_Rela) <= rela->offset + rela->size; off += sizeof(Elf64_Rela)) {
    Elf64_Rela r;
    std::memcpy(&r, bytes.data() + off, sizeof r);
    if (r.r_offset != slot) continue;
    r.r_offset = site.address + 1;  // overlapping its second byte is enough
    std::memcpy(bytes.data() + off, &r, sizeof r);
    patched = true;
  }
  ASSERT_TRUE(patched);
  const auto result = rewrite_syscall_sites(bytes, "sites.so");
  EXPECT_EQ(site_in(result.report, bytes, "relocated_site").verdict, SiteVerdict::Relocation);
  EXPECT_EQ(result.bytes.substr(site.file_offset, 2), "\x0f\x05");
}

TEST(SyscallSites, BrokenFilesAreErrors) {
  using testing_support::error_message;
  EXPECT_NE(error_message([] { find_syscall_sites("not an elf", "junk"); }).find("junk: not an ELF file"),
            std::string::npos);
  const auto bytes = fixture();
  for (size_t cut : {size_t(16), size_t(64), bytes.size() / 2}) {
    const auto message = error_message([&] { find_syscall_sites(std::string_view(bytes).substr(0, cut), "cut"); });
    EXPECT_NE(message.find("cut"), std::string::npos) << message;
  }
}

// Debian's libc and a real server: the counts are printed for the record.
// Every changed byte pair must be a rewritten site that decodes as `call *%rax`.
SiteReport expect_clean_rewrite(const std::filesystem::path& path) {
  const auto bytes = read_file(path);
  const auto result = rewrite_syscall_sites(bytes, path.string());
  std::printf("%s: %zu sites: %s\n", path.c_str(), result.report.sites.size(), result.report.summary().c_str());
  size_t changed = 0;
  for (size_t i = 0; i < bytes.size(); ++i)
    if (bytes[i] != result.bytes[i]) ++changed;
  EXPECT_EQ(changed, 2 * result.report.rewritten()) << path;
  x86::X86Decoder decoder;
  for (const auto& site : result.report.sites) {
    if (site.verdict != SiteVerdict::Rewrite) continue;
    auto insn = decoder.decode(std::string_view(result.bytes).substr(site.file_offset, 2), site.address);
    EXPECT_TRUE(insn && insn->flow == x86::Flow::IndirectCall && insn->size == 2) << path << " " << site.address;
  }
  return result.report;
}

TEST(SyscallSites, DebianLibc) {
  const std::filesystem::path libc = "/usr/lib/x86_64-linux-gnu/libc.so.6";
  if (!std::filesystem::exists(libc)) GTEST_SKIP() << libc << " is not installed";
  EXPECT_GT(expect_clean_rewrite(libc).rewritten(), 0u);
}

TEST(SyscallSites, DebianRedisServerAndItsLibraries) {
  // redis-server itself holds no `syscall`: its system calls are in the
  // libraries a trusted redis would load, which are rewritten with it.
  const std::string redis = "/usr/bin/redis-server";
  if (!std::filesystem::exists(redis)) GTEST_SKIP() << redis << " is not installed";
  size_t rewritten = 0;
  for (const auto& object : elf::library_closure(redis, elf::host_path_map()))
    rewritten += expect_clean_rewrite(object.host_path).rewritten();
  EXPECT_GT(rewritten, 0u);
}

// Whether this process may map page 0 (CAP_SYS_RAWIO, or vm.mmap_min_addr = 0).
bool can_map_page_zero() {
  void* page = mmap(nullptr, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
  if (page == MAP_FAILED) return false;
  munmap(page, 4096);
  return page == nullptr;
}

TEST(SyscallSites, RewrittenLibcRunsAProgramOnAnEmulatedTrampolinePage) {
  // What a trusted glibc program does on a KML kernel, with the kernel's
  // trampoline page played by page0_audit.so (testdata/syscall_sites): the
  // program's libc is the rewritten one, and its system calls go through
  // page 0. The emulation has no kml_clone_new_stack, which glibc 2.36's
  // pthread_create does not need (its clone3 site is left alone here).
  const std::filesystem::path libc = "/usr/lib/x86_64-linux-gnu/libc.so.6";
  if (!std::filesystem::exists(libc)) GTEST_SKIP() << libc << " is not installed";
  if (!can_map_page_zero()) GTEST_SKIP() << "this process may not map page 0 (needs CAP_SYS_RAWIO)";
  const auto dir = testing_support::scratch_dir("syscall-sites");
  write_file_atomic(dir / "libc.so.6", rewrite_syscall_sites(read_file(libc), libc.string()).bytes);
  ProcessOptions options;
  options.capture = true;
  options.env = {{"LD_AUDIT", TAILOR_PAGE0_AUDIT}, {"LD_LIBRARY_PATH", dir.string()}};
  options.timeout = std::chrono::seconds(60);
  const auto result = run_process({TAILOR_SITES_EXERCISE}, options);
  std::filesystem::remove_all(dir);
  EXPECT_TRUE(result.ok()) << result.describe() << "\n" << result.output;
  EXPECT_NE(result.output.find("exercise: ok"), std::string::npos) << result.output;
  const auto at = result.output.find("page0: calls ");
  ASSERT_NE(at, std::string::npos) << result.output;
  EXPECT_GT(std::stoul(result.output.substr(at + 13)), 10u) << result.output;
  EXPECT_NE(result.output.find(" forbidden 0\n"), std::string::npos) << result.output;  // no rt_sigreturn, no vfork
}

}  // namespace
}  // namespace tailor::syscall_sites
