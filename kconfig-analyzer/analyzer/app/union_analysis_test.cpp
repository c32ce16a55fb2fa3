// The union's bookkeeping: whose requirement each one is, which apps' own
// kernels have each option of the union, and what the union costs each app.
// (The minimizer that makes the union configuration has its own tests; the
// real apps' union is tested end to end in tests/analyzer/union.sh.)
#include "kconfig-analyzer/analyzer/app/union_analysis.h"

#include <gtest/gtest.h>

#include "common/error.h"

namespace tailor::app {
namespace {

using Kind = minimizer::OptionReason::Kind;

minimizer::Requirement requirement(const std::string& symbol, std::vector<std::string> reason) {
  return {{{{symbol, true}}}, std::move(reason)};
}

minimizer::OptionReason option(const std::string& symbol, Kind kind, std::vector<std::string> chain,
                               const std::string& value = "y") {
  minimizer::OptionReason o;
  o.symbol = symbol;
  o.value = value;
  o.kind = kind;
  o.chain = std::move(chain);
  return o;
}

AnalyzeResult app(const std::string& name, std::vector<minimizer::Requirement> reqs,
                  std::vector<minimizer::OptionReason> options) {
  AnalyzeResult r;
  r.app = name;
  r.analysis.requirements = std::move(reqs);
  r.config.options = std::move(options);
  return r;
}

TEST(UnionRequirements, EveryChainEndsWithItsAppOnce) {
  std::vector<AnalyzeResult> apps = {
      app("hello", {requirement("DEVTMPFS", {"[app] mounts devtmpfs", "hello"}), requirement("TTY", {"boot (console)"})},
          {}),
      app("redis", {requirement("EPOLL", {"epoll_wait", "redis-server"})}, {})};
  auto reqs = union_requirements(apps);
  ASSERT_EQ(reqs.size(), 3u);
  EXPECT_EQ(minimizer::chain_text(reqs[0].reason), "[app] mounts devtmpfs <- hello");  // already named
  EXPECT_EQ(minimizer::chain_text(reqs[1].reason), "boot (console) <- hello");
  EXPECT_EQ(minimizer::chain_text(reqs[2].reason), "epoll_wait <- redis-server <- redis");
  EXPECT_EQ(reqs[2].condition, apps[1].analysis.requirements[0].condition);
}

TEST(AttributeUnion, EachOptionNamesTheAppsWhoseOwnKernelHasIt) {
  UnionResult r;
  r.apps = {app("hello", {}, {option("TTY", Kind::Required, {"TTY", "boot (console)"})}),
            app("redis", {},
                {option("TTY", Kind::Required, {"TTY", "boot (console)"}),
                 option("EPOLL", Kind::Required, {"EPOLL", "epoll_wait", "redis-server"})})};
  r.config.options = {option("TTY", Kind::Required, {"TTY", "boot (console)", "hello"}),
                      option("EPOLL", Kind::Required, {"EPOLL", "epoll_wait", "redis-server", "redis"}),
                      option("RT_MUTEXES", Kind::Kconfig, {"RT_MUTEXES", "selected by FUTEX"})};
  attribute_union(r);
  ASSERT_EQ(r.options.size(), 3u);  // sorted by symbol
  EXPECT_EQ(r.options[0].symbol, "EPOLL");
  ASSERT_EQ(r.options[0].apps.size(), 1u);
  EXPECT_EQ(r.options[0].apps[0].app, "redis");
  EXPECT_EQ(minimizer::chain_text(r.options[0].apps[0].chain), "EPOLL <- epoll_wait <- redis-server");
  EXPECT_EQ(r.options[1].symbol, "RT_MUTEXES");
  EXPECT_TRUE(r.options[1].apps.empty());  // only the union has it: its own chain says why
  EXPECT_EQ(minimizer::chain_text(r.options[1].chain), "RT_MUTEXES <- selected by FUTEX");
  EXPECT_EQ(r.options[2].symbol, "TTY");
  ASSERT_EQ(r.options[2].apps.size(), 2u);
  EXPECT_EQ(r.options[2].apps[0].app, "hello");
  EXPECT_EQ(r.options[2].apps[1].app, "redis");
}

TEST(AttributeUnion, CostIsWhatTheUnionAddsToAnAppsOwnKernel) {
  UnionResult r;
  r.apps = {app("hello", {}, {option("TTY", Kind::Required, {}), option("IPV6", Kind::Required, {})}),
            app("redis", {}, {option("TTY", Kind::Required, {}), option("EPOLL", Kind::Required, {})})};
  r.config.options = {option("TTY", Kind::Required, {}), option("EPOLL", Kind::Required, {}),
                      option("IPV6", Kind::Required, {}), option("NET_EXTRA", Kind::Kconfig, {}, "n")};
  attribute_union(r);
  ASSERT_EQ(r.costs.size(), 2u);
  EXPECT_EQ(r.costs[0].app, "hello");
  EXPECT_EQ(r.costs[0].own_on, 2);
  EXPECT_EQ(r.costs[0].union_on, 3);  // an "n" is not on
  EXPECT_EQ(r.costs[0].extra, std::vector<std::string>{"EPOLL"});
  EXPECT_TRUE(r.costs[0].missing.empty());
  EXPECT_EQ(r.costs[1].extra, std::vector<std::string>{"IPV6"});
}

TEST(AttributeUnion, AnOptionOfAnAppsKernelThatTheUnionLacksIsReported) {
  // The minimizer can meet a requirement through another alternative in the
  // union (e.g. one app's choice covers another's): the report must say so.
  UnionResult r;
  r.apps = {app("a", {}, {option("SLOB", Kind::Required, {})}), app("b", {}, {option("SLUB", Kind::Required, {})})};
  r.config.options = {option("SLUB", Kind::Required, {})};
  attribute_union(r);
  EXPECT_EQ(r.costs[0].missing, std::vector<std::string>{"SLOB"});
  EXPECT_EQ(r.costs[0].extra, std::vector<std::string>{"SLUB"});
  EXPECT_TRUE(r.costs[1].missing.empty());
}

TEST(AnalyzeUnion, RefusesFewerThanTwoAppsAndDuplicateNames) {
  Progress quiet(false);
  AppInput a;
  a.name = "hello";
  EXPECT_THROW(analyze_union({a}, {}, quiet), Error);
  try {
    analyze_union({a, a}, {}, quiet);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("'hello'"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace tailor::app
