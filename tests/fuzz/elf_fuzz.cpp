// libFuzzer target: the ELF reader and the loader's library search rules
// (common/elf/). The input is an ELF file image, parsed in memory
// at both depths; every accessor the analyzer and the closure use is then
// asked about the addresses and names the file itself declares.
#include <algorithm>
#include <cstdint>
#include <string>

#include "common/elf/elf_file.h"
#include "common/elf/library_search.h"
#include "tests/fuzz/fuzz_support.h"

namespace {

using namespace tailor::elf;

void search_libraries(const ElfFile& f) {
  const std::string object = "/opt/app/bin/prog";
  const std::string interp = f.interpreter().value_or("/lib64/ld-linux-x86-64.so.2");
  is_musl_interpreter(interp);
  const auto inherited = inherited_rpath(f, object, {"/opt/inherited"});
  const auto dirs = library_search_dirs(f, object, inherited, {"/opt/ld", "$ORIGIN/../lib"}, interp);
  for (const auto& needed : f.needed()) {
    loader_provides(interp, needed);
    loader_provides("/lib/ld-musl-x86_64.so.1", needed);
    library_candidates(needed, dirs);
  }
  if (f.soname()) library_candidates(*f.soname(), default_library_dirs(interp));
}

void read_everything(const ElfFile& f) {
  f.kind();
  f.is_static();
  f.section_at(f.entry());
  f.is_code_address(f.entry());
  f.init_fini_functions();
  for (const auto& s : f.sections()) {
    f.section(s.name);
    f.bytes_at(s.addr, std::min<std::uint64_t>(s.size, 64));
    f.pointer_at(s.addr);
    f.string_at(s.addr);
  }
  for (const auto& r : f.relocations()) {
    f.relocation_at(r.offset);
    f.pointer_at(r.offset);
  }
  for (const auto& s : f.dynamic_symbols()) f.find_exports(s.name);
  for (const auto& [address, symbol] : f.functions_by_address()) {
    f.bytes_at(address, std::min<std::uint64_t>(symbol->size, 16));
    f.string_at(address);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  tailor::fuzz::expect_clean_errors([&] { identify(bytes, "fuzz.elf").describe(); });
  tailor::fuzz::expect_clean_errors([&] { search_libraries(ElfFile::parse(bytes, "fuzz.elf", ParseDepth::Linking)); });
  tailor::fuzz::expect_clean_errors([&] {
    const ElfFile f = ElfFile::parse(bytes, "fuzz.elf", ParseDepth::Everything);
    search_libraries(f);
    read_everything(f);
  });
  return 0;
}
