// libFuzzer target: the image builder's shared-library closure
// (image-builder/elf_closure.h) and the analyzer's
// (common/elf/library_closure.h). The input is the app's program
// at /app/prog in an image that also holds it as its own interpreter and as
// every library it names, so that the walks follow PT_INTERP, DT_NEEDED,
// RPATH and RUNPATH chains through files with the same hostile headers. The
// host is never consulted.
#include <cstdint>
#include <optional>
#include <string>

#include "common/sha256.h"
#include "image-builder/elf_closure.h"
#include "common/elf/elf_file.h"
#include "common/elf/library_closure.h"
#include "tests/fuzz/fuzz_support.h"

namespace {

using namespace tailor;

// Puts `node` at `path` unless the path itself is unusable (then the closure
// simply does not find it there, which is what it must cope with anyway).
void place(image::PayloadTree& payload, const std::string& path, const image::PayloadNode& node) {
  if (path.empty() || path.front() != '/' || path.find('\0') != std::string::npos) return;
  fuzz::expect_clean_errors([&] { payload.put(path, node); });
}

void close_over(const std::filesystem::path& file, const std::string& bytes) {
  image::PayloadNode prog;
  prog.mode = 0755;
  prog.content = {file, bytes.size(), sha256_hex(bytes)};
  prog.source = "fuzz input";
  image::PayloadTree payload;
  payload.put("/app/prog", prog);
  fuzz::expect_clean_errors([&] {
    const elf::ElfFile f = elf::ElfFile::parse(bytes, "/app/prog", elf::ParseDepth::Linking);
    if (f.interpreter()) place(payload, *f.interpreter(), prog);
    for (const auto& needed : f.needed())
      if (needed.find('/') == std::string::npos) {
        place(payload, "/lib/" + needed, prog);
        place(payload, "/usr/lib/x86_64-linux-gnu/" + needed, prog);
      }
  });
  image::ClosureOptions options;
  options.argv0 = "/app/prog";
  options.argv0_where = "fuzz.toml:1:1";
  options.ld_library_path = {"/app/lib", "/usr/local/lib"};
  options.use_host = false;
  fuzz::expect_clean_errors([&] { image::complete_closure(payload, options); });
  // The analyzer's loader-style closure over an image in which every path is this file.
  fuzz::expect_clean_errors([&] {
    elf::library_closure("/app/prog", [&](const std::string&) { return std::optional<std::filesystem::path>(file); });
  });
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const tailor::fuzz::Scratch scratch("elf-closure");
  scratch.run_on_file("prog", data, size,
                      [&](const auto& file) { close_over(file, std::string(reinterpret_cast<const char*>(data), size)); });
  return 0;
}
