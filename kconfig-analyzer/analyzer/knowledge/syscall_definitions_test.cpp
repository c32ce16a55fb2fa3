// scan_source / parse_if_expression: finding SYSCALL_DEFINEs and the
// preprocessor conditions around them.
#include "kconfig-analyzer/analyzer/knowledge/syscall_definitions.h"

#include <gtest/gtest.h>

namespace tailor::knowledge {
namespace {

std::string cond(const char* expr) {
  auto c = parse_if_expression(expr);
  return c ? c->to_string() : "unknown";
}

TEST(IfExpression, ConfigForms) {
  EXPECT_EQ(cond("defined(CONFIG_EPOLL)"), "EPOLL");
  EXPECT_EQ(cond("defined CONFIG_EPOLL"), "EPOLL");
  EXPECT_EQ(cond("IS_ENABLED(CONFIG_NET) && !defined(CONFIG_FOO)"), "!FOO && NET");
  EXPECT_EQ(cond("IS_BUILTIN(CONFIG_A) || CONFIG_B"), "A || B");
  EXPECT_EQ(cond("IS_MODULE(CONFIG_A)"), "n");
  EXPECT_EQ(cond("0"), "n");
  EXPECT_EQ(cond("1"), "y");
}

TEST(IfExpression, OtherMacrosAndComparisonsAreUnknown) {
  EXPECT_EQ(cond("defined(__ARCH_WANT_SYS_CLONE)"), "unknown");
  EXPECT_EQ(cond("BITS_PER_LONG == 32"), "unknown");
  // An unknown conjunct adds nothing; an unknown disjunct makes it all unknown.
  EXPECT_EQ(cond("defined(CONFIG_A) && defined(__ARCH_WANT_X)"), "A");
  EXPECT_EQ(cond("defined(CONFIG_A) || defined(__ARCH_WANT_X)"), "unknown");
}

TEST(ScanSource, DefinitionsWithTheirConditions) {
  auto scan = scan_source(
      "SYSCALL_DEFINE1(always, int, x)\n{ return x; }\n"
      "#ifdef CONFIG_EPOLL\n"
      "SYSCALL_DEFINE1(epoll_create1, int, flags)\n{\n\treturn do_it(flags);\n}\n"
      "#elif defined(CONFIG_OTHER)\n"
      "SYSCALL_DEFINE0(other)\n{ return 0; }\n"
      "#else\n"
      "SYSCALL_DEFINE0(neither)\n{ return 0; }\n"
      "#endif\n"
      "COMPAT_SYSCALL_DEFINE1(always, int, x)\n{ return 0; }\n"
      "/* SYSCALL_DEFINE0(in_a_comment) */\n");
  ASSERT_EQ(scan.definitions.size(), 4u);
  EXPECT_EQ(scan.definitions[0].name, "always");
  EXPECT_EQ(scan.definitions[0].line, 1);
  EXPECT_TRUE(scan.definitions[0].condition.is_true());
  EXPECT_EQ(scan.definitions[1].name, "epoll_create1");
  EXPECT_EQ(scan.definitions[1].condition.to_string(), "EPOLL");
  EXPECT_EQ(scan.definitions[2].condition.to_string(), "!EPOLL && OTHER");
  EXPECT_EQ(scan.definitions[3].condition.to_string(), "!EPOLL && !OTHER");
}

TEST(ScanSource, EnosysStubsAreMarked) {
  auto scan = scan_source(
      "#ifdef CONFIG_X86_IOPL_IOPERM\n"
      "SYSCALL_DEFINE1(iopl, unsigned int, level)\n{\n\treturn ksys_iopl(level);\n}\n"
      "#else\n"
      "SYSCALL_DEFINE1(iopl, unsigned int, level)\n{\n\treturn -ENOSYS;\n}\n"
      "#endif\n");
  ASSERT_EQ(scan.definitions.size(), 2u);
  EXPECT_FALSE(scan.definitions[0].stub);
  EXPECT_TRUE(scan.definitions[1].stub);
}

TEST(ScanSource, MultiLineDirectivesAndNestedBlocks) {
  auto scan = scan_source(
      "#if defined(CONFIG_A) && \\\n    defined(CONFIG_B)\n"
      "# ifndef CONFIG_C\n"
      "SYSCALL_DEFINE0(deep)\n{ return 0; }\n"
      "# endif\n"
      "#endif\n");
  ASSERT_EQ(scan.definitions.size(), 1u);
  EXPECT_EQ(scan.definitions[0].line, 4);
  EXPECT_EQ(scan.definitions[0].condition.to_string(), "A && B && !C");
}

TEST(ScanSource, IncludedSourcesAreReported) {
  auto scan = scan_source("#include <linux/x.h>\n#ifdef CONFIG_MEMBARRIER\n# include \"membarrier.c\"\n#endif\n");
  ASSERT_EQ(scan.c_includes.size(), 1u);
  EXPECT_EQ(scan.c_includes[0].path, "membarrier.c");
  EXPECT_EQ(scan.c_includes[0].condition.to_string(), "MEMBARRIER");
}

}  // namespace
}  // namespace tailor::knowledge
