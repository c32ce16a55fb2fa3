// libFuzzer target: the Kconfig lexer, preprocessor and parser
// (kconfig-analyzer/), then one evaluation of the tree they built. The input
// is a set of Kconfig files in memory: the top file "Kconfig", and after each
// line "#--- NAME" the file NAME (for `source`). Both dialects parse it.
#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "kconfig-analyzer/kconfig/kconfig.h"
#include "tests/fuzz/fuzz_support.h"

namespace {

using namespace tailor::kconfig;

constexpr std::string_view kFileMarker = "#--- ";

std::map<std::string, std::string> split_files(std::string_view input) {
  std::map<std::string, std::string> files;
  std::string* current = &files["Kconfig"];
  while (!input.empty()) {
    const std::size_t eol = input.find('\n');
    const std::string_view line = input.substr(0, eol == std::string_view::npos ? input.size() : eol + 1);
    input.remove_prefix(line.size());
    if (line.substr(0, kFileMarker.size()) == kFileMarker) {
      std::string_view name = line.substr(kFileMarker.size());
      if (!name.empty() && name.back() == '\n') name.remove_suffix(1);
      current = &files[std::string(name)];
    } else {
      current->append(line);
    }
  }
  return files;
}

void parse_and_evaluate(const std::map<std::string, std::string>& files, Dialect dialect) {
  MemoryFiles source(files);
  auto tree = Tree::parse(source, "Kconfig", dialect, {{"SRCARCH", "x86"}});
  Config config(tree);
  config.dotconfig();
  config.savedefconfig();
}

void fuzz_one(std::string_view input) {
  const auto files = split_files(input);
  for (auto dialect : {Dialect::Classic, Dialect::Modern})
    tailor::fuzz::expect_clean_errors([&] { parse_and_evaluate(files, dialect); });
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  fuzz_one(std::string_view(reinterpret_cast<const char*>(data), size));
  return 0;
}
