// libFuzzer target: the KML syscall site rewriter (image-builder/syscall_sites/syscall_sites.h,
// eh_frame.h, site_function.h). The input is an ELF file image. Besides
// "only tailor::Error", it checks the rewriter's promise: the output has the
// input's size and differs exactly at the sites it reports as rewritten,
// each turned from `syscall` into `call *%rax`.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "image-builder/syscall_sites/syscall_sites.h"
#include "tests/fuzz/fuzz_support.h"

namespace {

[[noreturn]] void broken(const char* what) {
  std::fprintf(stderr, "fuzz: syscall_sites: %s\n", what);
  std::abort();
}

void check(const std::string& in, const tailor::syscall_sites::RewriteResult& out) {
  if (out.bytes.size() != in.size()) broken("the output has another size");
  std::string expected = in;
  for (const auto& site : out.report.sites) {
    if (site.file_offset + 2 > in.size() || in.compare(site.file_offset, 2, "\x0f\x05") != 0)
      broken("a reported site is not a 0f 05 pair in the input");
    if (site.verdict == tailor::syscall_sites::SiteVerdict::Rewrite) {
      expected[site.file_offset] = '\xff';
      expected[site.file_offset + 1] = '\xd0';
    }
  }
  if (expected != out.bytes) broken("bytes other than the rewritten sites changed");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  tailor::fuzz::expect_clean_errors([&] { check(bytes, tailor::syscall_sites::rewrite_syscall_sites(bytes, "fuzz.elf")); });
  return 0;
}
