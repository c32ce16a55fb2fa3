// minimize(): requirements in, smallest configuration out, every option with
// its reason; unmet requirements explained. A small synthetic Kconfig pins the
// mechanics; the real 6.1 tree checks that the result is a configuration
// conf itself leaves unchanged.
#include "kconfig-analyzer/analyzer/minimizer/minimizer.h"

#include <gtest/gtest.h>

#include "common/cache_root.h"
#include "common/fs.h"
#include "common/subprocess.h"
#include "common/test_support.h"
#include "kconfig-analyzer/analyzer/knowledge/test_tree.h"
#include "kconfig-analyzer/kconfig/source_files.h"

namespace tailor::minimizer {
namespace {

using knowledge::Conjunction;
using knowledge::Dnf;

const char* kKconfig = R"(
mainmenu "test"

config EXPERT
	bool "Expert mode"

config NET
	bool "Networking"

config INET
	bool "TCP/IP"
	depends on NET

config UNIX
	bool "Unix domain sockets"
	depends on NET

config NET_EXTRA
	bool "Extra networking"
	depends on NET
	default y

config EPOLL
	bool "epoll" if EXPERT
	default y

config FUTEX
	bool "futex" if EXPERT
	default y
	select RT_MUTEXES

config RT_MUTEXES
	bool

config BROKEN
	bool

config IMPOSSIBLE
	bool "Needs a broken thing"
	depends on BROKEN

choice
	prompt "Model"
	default MODEL_A

config MODEL_A
	bool "A"

config MODEL_B
	bool "B"

endchoice

config NEEDS_B
	bool "Needs model B"
	depends on MODEL_B

config INITRD
	bool "Initial ramdisk"

config RD_GZ
	bool "gzip-compressed initial ramdisk"
	depends on INITRD
	default y
)";

std::shared_ptr<const kconfig::Tree> small_tree() {
  static auto tree = [] {
    kconfig::MemoryFiles files;
    files.add("Kconfig", kKconfig);
    return kconfig::Tree::parse(files, "Kconfig", kconfig::Dialect::Classic);
  }();
  return tree;
}

Requirement need(std::vector<std::string> symbols, std::vector<std::string> reason) {
  Conjunction c;
  for (auto& s : symbols) c.push_back({s, true});
  return {{c}, std::move(reason)};
}

const OptionReason* option(const MinimizeResult& r, const std::string& name) {
  for (const auto& o : r.options)
    if (o.symbol == name) return &o;
  return nullptr;
}

bool has_line(const std::string& config, const std::string& line) {
  return config.find(line + "\n") != std::string::npos;
}

TEST(Minimizer, RequiredOptionComesWithItsDependenciesAndNothingElse) {
  auto r = minimize(small_tree(), {need({"INET"}, {"socket(AF_INET)", "app"})});
  EXPECT_TRUE(r.unmet.empty());
  EXPECT_TRUE(has_line(r.dotconfig, "CONFIG_INET=y"));
  EXPECT_TRUE(has_line(r.dotconfig, "CONFIG_NET=y"));
  EXPECT_TRUE(has_line(r.dotconfig, "# CONFIG_UNIX is not set"));
  EXPECT_TRUE(has_line(r.dotconfig, "# CONFIG_NET_EXTRA is not set")) << "visible default-y options are answered n";
  EXPECT_TRUE(has_line(r.dotconfig, "# CONFIG_EPOLL is not set")) << "EXPERT makes optional groups visible";
  ASSERT_TRUE(option(r, "INET"));
  EXPECT_EQ(option(r, "INET")->kind, OptionReason::Kind::Required);
  EXPECT_EQ(chain_text(option(r, "INET")->chain), "INET <- socket(AF_INET) <- app");
  ASSERT_TRUE(option(r, "NET"));
  EXPECT_EQ(option(r, "NET")->kind, OptionReason::Kind::Dependency);
  EXPECT_EQ(chain_text(option(r, "NET")->chain), "NET <- dependency of INET <- socket(AF_INET) <- app");
}

TEST(Minimizer, SelectedOptionsSayWhoSelectsThem) {
  auto r = minimize(small_tree(), {need({"FUTEX"}, {"futex", "app"})});
  ASSERT_TRUE(option(r, "RT_MUTEXES"));
  EXPECT_EQ(option(r, "RT_MUTEXES")->kind, OptionReason::Kind::Kconfig);
  EXPECT_EQ(chain_text(option(r, "RT_MUTEXES")->chain), "RT_MUTEXES <- selected by FUTEX");
  ASSERT_TRUE(option(r, "EXPERT"));
}

TEST(Minimizer, ChoicesFollowTheRequirement) {
  auto r = minimize(small_tree(), {need({"NEEDS_B"}, {"test"})});
  EXPECT_TRUE(r.unmet.empty());
  EXPECT_TRUE(has_line(r.dotconfig, "CONFIG_MODEL_B=y"));
  EXPECT_TRUE(has_line(r.dotconfig, "# CONFIG_MODEL_A is not set"));
  EXPECT_TRUE(has_line(r.dotconfig, "CONFIG_NEEDS_B=y"));
}

TEST(Minimizer, UnmetRequirementIsReportedWithTheEnginesExplanation) {
  auto r = minimize(small_tree(), {need({"IMPOSSIBLE"}, {"ioctl(FOO)", "app"}), need({"UNIX"}, {"socket(AF_UNIX)", "app"})});
  ASSERT_EQ(r.unmet.size(), 1u);
  EXPECT_EQ(chain_text(r.unmet[0].requirement.reason), "ioctl(FOO) <- app");
  EXPECT_NE(r.unmet[0].summary.find("IMPOSSIBLE"), std::string::npos) << r.unmet[0].summary;
  EXPECT_NE(r.unmet[0].explanation.find("Symbol: IMPOSSIBLE"), std::string::npos) << r.unmet[0].explanation;
  EXPECT_NE(r.unmet[0].explanation.find("BROKEN"), std::string::npos);
  // The other requirement is still met.
  EXPECT_TRUE(has_line(r.dotconfig, "CONFIG_UNIX=y"));
}

TEST(Minimizer, AlternativesAndSymbolsOtherTreesDefine) {
  // "NOT_IN_THIS_TREE || INET": the first cannot be met here, the second can.
  Requirement r1{{{{"NOT_IN_THIS_TREE", true}}, {{"INET", true}}}, {"either", "app"}};
  auto r = minimize(small_tree(), {r1});
  EXPECT_TRUE(r.unmet.empty());
  EXPECT_TRUE(has_line(r.dotconfig, "CONFIG_INET=y"));
  // A requirement that something is off holds already.
  Requirement off{{{{"EPOLL", false}}}, {"never epoll"}};
  EXPECT_TRUE(minimize(small_tree(), {off}).unmet.empty());
  // An empty alternative list can never hold.
  EXPECT_EQ(minimize(small_tree(), {Requirement{Dnf{}, {"nothing"}}}).unmet.size(), 1u);
}

TEST(Minimizer, DefaultYOptionBehindAHiddenPromptIsAnsweredY) {
  // allnoconfig answered RD_GZ "n" while it was hidden; once INITRD is on,
  // that answer would win over the default. Either order must work.
  for (bool gz_first : {true, false}) {
    std::vector<Requirement> reqs = {need({"RD_GZ"}, {"compression"}), need({"INITRD"}, {"boot"})};
    if (!gz_first) std::swap(reqs[0], reqs[1]);
    auto r = minimize(small_tree(), reqs);
    EXPECT_TRUE(r.unmet.empty()) << (r.unmet.empty() ? "" : r.unmet[0].summary);
    EXPECT_TRUE(has_line(r.dotconfig, "CONFIG_RD_GZ=y"));
  }
}

TEST(Minimizer, ResultIsWhatAllnoconfigGivesForTheFragment) {
  auto r = minimize(small_tree(), {need({"INET"}, {"a"}), need({"FUTEX"}, {"b"}), need({"NEEDS_B"}, {"c"})});
  std::string fragment = "CONFIG_EXPERT=y\n";
  for (const auto& l : r.fragment) fragment += l + "\n";
  auto again = kconfig::Config::run(small_tree(), kconfig::Mode::AllNoConfig, kconfig::ConfigText{"f", fragment});
  EXPECT_EQ(again.dotconfig(), r.dotconfig);
  // Deterministic: same requirements, same bytes.
  auto r2 = minimize(small_tree(), {need({"INET"}, {"a"}), need({"FUTEX"}, {"b"}), need({"NEEDS_B"}, {"c"})});
  EXPECT_EQ(r2.dotconfig, r.dotconfig);
}

// The real tree: an event-loop network server's needs.
TEST(MinimizerLinux61, ServerConfigIsMinimalValidAndStableUnderConf) {
  auto src = knowledge::testing::linux_6_1_tree();
  kconfig::TreeOptions o;
  o.srctree = src;
  o.arch = "x86_64";
  o.shell_cache_dir = cache_root("") / "kconfig-shell";
  auto tree = kconfig::Tree::load(o);
  std::vector<Requirement> reqs = {
      need({"EPOLL"}, {"epoll_wait", "redis-server"}), need({"FUTEX"}, {"futex", "redis-server"}),
      need({"INET"}, {"socket(AF_INET)", "redis-server"}), need({"UNIX"}, {"socket(AF_UNIX)", "redis-server"}),
      need({"TTY", "SERIAL_8250", "SERIAL_8250_CONSOLE"}, {"boot"}), need({"BLK_DEV_INITRD"}, {"boot"}),
      need({"BINFMT_ELF"}, {"boot"}), need({"64BIT"}, {"boot"})};
  auto r = minimize(tree, reqs);
  for (const auto& u : r.unmet) ADD_FAILURE() << u.summary << "\n" << u.explanation;
  for (const char* line : {"CONFIG_EPOLL=y", "CONFIG_FUTEX=y", "CONFIG_NET=y", "CONFIG_INET=y", "CONFIG_UNIX=y",
                           "CONFIG_SERIAL_8250_CONSOLE=y", "CONFIG_EXPERT=y", "# CONFIG_AIO is not set",
                           "# CONFIG_SYSVIPC is not set", "# CONFIG_IPV6 is not set"})
    EXPECT_TRUE(has_line(r.dotconfig, line)) << line;
  ASSERT_TRUE(option(r, "NET"));
  EXPECT_EQ(chain_text(option(r, "NET")->chain), "NET <- dependency of INET <- socket(AF_INET) <- redis-server");
  // Every option that is on has a reason.
  for (const auto& opt : r.options) EXPECT_GE(opt.chain.size(), 2u) << opt.symbol;

  // conf (the kernel's own tool) must leave the configuration as it is.
  auto dir = testing_support::scratch_dir("minimizer-conf");
  write_file_atomic(dir / ".config", r.dotconfig);
  ProcessOptions po;
  po.capture = true;
  po.cwd = src;
  auto res = run_process({"make", "-s", "O=" + dir.string(), "ARCH=x86_64", "olddefconfig"}, po);
  ASSERT_TRUE(res.ok()) << res.output;
  EXPECT_EQ(read_file(dir / ".config"), r.dotconfig);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace tailor::minimizer
