// libFuzzer target: reading .config files (kconfig-analyzer/kconfig/config_io.h) the
// way conf does, then writing the .config and the minimal config back. The
// trees are the engine's golden test trees (kconfig-analyzer/kconfig/testdata: every
// symbol type, choices, ranges, modules, select/imply). An input may pick one
// with a first line "# tree: NAME" or "# tree: NAME modern"; otherwise it is
// read against the first.
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "kconfig-analyzer/kconfig/kconfig.h"
#include "tests/fuzz/fuzz_support.h"

namespace {

using namespace tailor::kconfig;

struct Trees {
  // Keyed by "NAME" and "NAME modern".
  std::map<std::string, std::shared_ptr<const Tree>> by_name;
};

Trees load_trees() {
  Trees t;
  const std::filesystem::path testdata = std::filesystem::path(TAILOR_SOURCE_DIR) / "kconfig-analyzer" / "kconfig" / "testdata";
  for (const auto& dir : std::filesystem::directory_iterator(testdata)) {
    if (!std::filesystem::exists(dir.path() / "Kconfig")) continue;
    const std::string name = dir.path().filename().string();
    for (Dialect d : {Dialect::Classic, Dialect::Modern}) {
      DiskFiles files(dir.path());
      try {
        // The environment of the golden tests (testdata/macros reads $(GREETING)).
        t.by_name[d == Dialect::Modern ? name + " modern" : name] =
            Tree::parse(files, "Kconfig", d, {{"GREETING", "hello"}, {"srctree", dir.path().string()}});
      } catch (const tailor::Error&) {
        // Some trees are written for one dialect only (choice_classic).
      }
    }
  }
  if (t.by_name.empty()) throw tailor::Error("no Kconfig trees under " + testdata.string());
  return t;
}

const Trees& trees() {
  static const Trees t = load_trees();
  return t;
}

std::shared_ptr<const Tree> tree_for(std::string_view text) {
  constexpr std::string_view kPick = "# tree: ";
  if (text.substr(0, kPick.size()) == kPick) {
    std::string_view name = text.substr(kPick.size());
    name = name.substr(0, name.find('\n'));
    if (auto it = trees().by_name.find(std::string(name)); it != trees().by_name.end()) return it->second;
  }
  return trees().by_name.begin()->second;
}

void fuzz_one(const std::string& text) {
  const auto tree = tree_for(text);
  tailor::fuzz::expect_clean_errors([&] {
    Config config(tree);
    config.read(text);
    config.dotconfig();
    config.savedefconfig();
  });
  tailor::fuzz::expect_clean_errors(
      [&] { run_mode(tree->model_ptr(), Mode::OldDefConfig, ConfigText{".config", text}); });
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  trees();  // parse once, before the first input
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  fuzz_one(std::string(reinterpret_cast<const char*>(data), size));
  return 0;
}
