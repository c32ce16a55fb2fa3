// Helpers for the Kconfig engine's tests: trees from strings, running a mode,
// catching an error's message.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>

#include "kconfig-analyzer/kconfig/diagnostics.h"
#include "kconfig-analyzer/kconfig/kconfig.h"

namespace tailor::kconfig::testing {

// A tree from in-memory files; "Kconfig" is the top file.
inline std::shared_ptr<const Tree> tree_of(std::map<std::string, std::string> files, Dialect d = Dialect::Classic,
                                           std::map<std::string, std::string> env = {}, ShellRunner* shell = nullptr) {
  MemoryFiles mf(std::move(files));
  return Tree::parse(mf, "Kconfig", d, std::move(env), shell);
}

inline std::shared_ptr<const Tree> tree_of(const std::string& kconfig, Dialect d = Dialect::Classic) {
  return tree_of(std::map<std::string, std::string>{{"Kconfig", kconfig}}, d);
}

// Runs `mode` and returns the output file's text.
inline std::string run(const std::shared_ptr<const Tree>& t, Mode mode, const std::optional<std::string>& input = {}) {
  std::optional<ConfigText> in;
  if (input) in = ConfigText{".config", *input};
  return run_mode(t->model_ptr(), mode, in).output;
}

// The body of a .config after conf's four-line header.
inline std::string body(const std::string& dotconfig) {
  size_t pos = 0;
  for (int i = 0; i < 4 && pos != std::string::npos; ++i) pos = dotconfig.find('\n', pos) + 1;
  return dotconfig.substr(pos);
}

// kconfig-analyzer/kconfig/testdata (the golden cases), found through the source
// directory CTest passes.
inline std::filesystem::path testdata_dir() {
  const char* src = std::getenv("TAILOR_SOURCE_DIR");
  return std::filesystem::path(src ? src : ".") / "kconfig-analyzer/kconfig/testdata";
}

inline std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const tailor::Error& e) {
    return e.what();
  }
  return "";
}

}  // namespace tailor::kconfig::testing
