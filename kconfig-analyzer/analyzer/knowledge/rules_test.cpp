// RuleSet: the shipped rule file parses and says what it should; bad rule
// files give errors that name the place.
#include "kconfig-analyzer/analyzer/knowledge/rules.h"

#include <gtest/gtest.h>

#include "common/error.h"

namespace tailor::knowledge {
namespace {

std::vector<std::string> needs(const RuleSet& set, const std::string& trigger) {
  std::vector<std::string> out;
  for (const auto* r : set.matching(trigger)) out.insert(out.end(), r->need.begin(), r->need.end());
  return out;
}

std::string error_of(const std::string& text) {
  try {
    RuleSet::parse(text, "r.toml");
  } catch (const Error& e) {
    return e.what();
  }
  return "no error";
}

TEST(BuiltinRules, SocketFamilies) {
  const auto& r = RuleSet::builtin();
  EXPECT_EQ(needs(r, "socket:AF_UNIX"), std::vector<std::string>{"UNIX"});
  EXPECT_EQ(needs(r, "socket:AF_INET"), std::vector<std::string>{"INET"});
  EXPECT_EQ(needs(r, "socket:AF_INET6"), std::vector<std::string>{"IPV6"});
  EXPECT_EQ(needs(r, "socket:AF_PACKET"), std::vector<std::string>{"PACKET"});
}

TEST(BuiltinRules, BootNeedsConsoleInitramfsAndElf) {
  auto boot = needs(RuleSet::builtin(), "boot");
  for (const char* s : {"64BIT", "BINFMT_ELF", "BLK_DEV_INITRD", "TTY", "SERIAL_8250_CONSOLE", "X86_IOPL_IOPERM"})
    EXPECT_NE(std::find(boot.begin(), boot.end(), s), boot.end()) << s;
  EXPECT_EQ(needs(RuleSet::builtin(), "compression:zstd"), std::vector<std::string>{"RD_ZSTD"});
}

TEST(BuiltinRules, PathRulesMatchByPrefixMostSpecificFirst) {
  const auto& r = RuleSet::builtin();
  EXPECT_EQ(needs(r, "path:/proc/sys/kernel/ngroups_max"), (std::vector<std::string>{"PROC_FS", "PROC_SYSCTL", "PROC_FS"}));
  EXPECT_EQ(needs(r, "path:/proc/meminfo"), std::vector<std::string>{"PROC_FS"});
  EXPECT_TRUE(needs(r, "path:/etc/passwd").empty());
  EXPECT_EQ(needs(r, "path:/dev/shm/sem.x"), (std::vector<std::string>{"TMPFS", "SHMEM"}));
}

TEST(BuiltinRules, SoftPathsAreNameServiceLookupsAndSocketCalls) {
  const auto& r = RuleSet::builtin();
  EXPECT_TRUE(r.soft_functions().count("getpwnam"));
  EXPECT_FALSE(r.soft_functions().count("getaddrinfo")) << "an app that resolves names really uses the network";
  EXPECT_TRUE(r.soft_syscalls().count("socket"));
  EXPECT_FALSE(r.soft_syscalls().count("epoll_wait"));
}

TEST(BuiltinRules, BootCostsNameWhatRunsAtBootAndHowLong) {
  const auto& costs = RuleSet::builtin().boot_costs();
  auto cost_of = [&](const std::string& option) {
    for (const auto& c : costs)
      if (c.option == option) return c.cost;
    return std::string();
  };
  EXPECT_NE(cost_of("UNWINDER_ORC").find("unwind_init"), std::string::npos);
  EXPECT_NE(cost_of("IPV6").find("inet6_init"), std::string::npos);
  EXPECT_TRUE(cost_of("EPOLL").empty()) << "only options measured to cost boot time are listed";
  EXPECT_NE(RuleSet::builtin().fingerprint().find("boot_cost UNWINDER_ORC"), std::string::npos)
      << "a changed cost changes the analysis cache key (the report shows it)";
}

TEST(RuleFile, ErrorsNameFileLineAndWhat) {
  EXPECT_EQ(error_of("[[rule]]\nwhen = \"boot\"\nneed = [\"CONFIG_X\"]\nwhy = \"x\"\n"),
            "r.toml:3:9: 'CONFIG_X' is not an option name (write it without CONFIG_, e.g. \"EPOLL\")");
  EXPECT_EQ(error_of("[[rule]]\nwhen = \"sometimes\"\nneed = [\"X\"]\nwhy = \"x\"\n").rfind("r.toml:1:1: unknown trigger 'sometimes'", 0), 0u);
  EXPECT_EQ(error_of("[[rule]]\nwhen = \"socket\"\nneed = [\"X\"]\nwhy = \"x\"\n"),
            "r.toml:1:1: trigger 'socket' needs a value after 'socket:'");
  EXPECT_EQ(error_of("[[rule]]\nwhen = \"boot\"\nneed = [\"X\"]\nwhy = \"x\"\ncolour = 1\n"),
            "r.toml:5:10: unknown key 'colour' in a rule (when, need, why)");
  EXPECT_EQ(error_of("[[rule]]\nwhen = \"boot\"\nwhy = \"x\"\n"), "r.toml:1:1: rule without 'need'");
  EXPECT_EQ(error_of("[[rule]\n").rfind("r.toml:1:", 0), 0u);
  EXPECT_EQ(error_of("[other]\n"),
            "r.toml:1:1: unknown key 'other' ([[rule]] and [[boot_cost]] tables, soft_functions, soft_syscalls)");
  EXPECT_EQ(error_of("[[boot_cost]]\noption = \"X\"\n"), "r.toml:1:1: a boot cost needs 'option' and 'cost'");
  EXPECT_EQ(error_of("[[boot_cost]]\noption = \"CONFIG_X\"\ncost = \"1 ms\"\n"),
            "r.toml:1:1: 'CONFIG_X' is not an option name (write it without CONFIG_, e.g. \"EPOLL\")");
  EXPECT_EQ(error_of("[[boot_cost]]\noption = \"X\"\ncost = 1\n"), "r.toml:3:8: 'cost' must be a string");
  EXPECT_EQ(error_of("[[boot_cost]]\noption = \"X\"\ncost = \"1 ms\"\nwhen = \"boot\"\n"),
            "r.toml:4:8: unknown key 'when' in a boot cost (option, cost)");
  EXPECT_EQ(error_of("soft_functions = 3\n"), "r.toml:1:18: 'soft_functions' must be an array of names");
}

}  // namespace
}  // namespace tailor::knowledge
