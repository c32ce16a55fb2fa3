// Golden tests: every case in testdata/ is run through each conf mode and
// compared byte for byte with what the kernel's own conf wrote for it
// (testdata/<case>/expected/<mode>.<dialect>.config, made by
// tests/kconfig/make_golden.py from Linux 6.1's and 6.12's conf).
#include <gtest/gtest.h>

#include <filesystem>

#include "common/fs.h"
#include "kconfig-analyzer/kconfig/kconfig.h"
#include "kconfig-analyzer/kconfig/shell.h"
#include "kconfig-analyzer/kconfig/test_support.h"

namespace tailor::kconfig {
namespace {

namespace stdfs = std::filesystem;

struct GoldenCase {
  stdfs::path dir;
  stdfs::path expected;
  Mode mode;
  Dialect dialect;
  std::string name() const { return dir.filename().string() + "/" + expected.filename().string(); }
};

std::vector<GoldenCase> all_cases() {
  std::vector<GoldenCase> out;
  for (const auto& dir : stdfs::directory_iterator(testing::testdata_dir())) {
    if (!stdfs::exists(dir.path() / "expected")) continue;
    for (const auto& f : stdfs::directory_iterator(dir.path() / "expected")) {
      std::string n = f.path().filename().string();  // <mode>.<dialect>.config
      size_t dot = n.find('.');
      auto mode = mode_from_name(n.substr(0, dot));
      if (!mode) continue;
      Dialect d = n.find(".modern.") != std::string::npos ? Dialect::Modern : Dialect::Classic;
      out.push_back({dir.path(), f.path(), *mode, d});
    }
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.name() < b.name(); });
  return out;
}

TEST(Golden, EveryCaseMatchesConfByteForByte) {
  auto cases = all_cases();
  ASSERT_GT(cases.size(), 50u) << "no golden cases under " << testing::testdata_dir();
  ProcessShell shell(std::map<std::string, std::string>{{"PATH", "/usr/bin:/bin"}});
  for (const GoldenCase& c : cases) {
    SCOPED_TRACE(c.name());
    DiskFiles files(c.dir);
    std::map<std::string, std::string> env = {{"GREETING", "hello"}, {"srctree", c.dir.string()}};
    auto tree = Tree::parse(files, "Kconfig", c.dialect, env, &shell);
    std::optional<ConfigText> input;
    bool reads_config = c.mode == Mode::OldDefConfig || c.mode == Mode::SaveDefConfig || c.mode == Mode::DefConfig;
    if (reads_config) input = ConfigText{".config", read_file(c.dir / "input.config")};
    else if (stdfs::exists(c.dir / "allconfig.config"))
      input = ConfigText{"allconfig.config", read_file(c.dir / "allconfig.config")};
    std::string got = run_mode(tree->model_ptr(), c.mode, input).output;
    EXPECT_EQ(got, read_file(c.expected));
  }
}

}  // namespace
}  // namespace tailor::kconfig
