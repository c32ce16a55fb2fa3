// The host's view of a guest plan: command-line batches and console parsing.
#include "bench/guest_plan.h"

#include <gtest/gtest.h>

namespace tailor::bench {
namespace {

std::vector<PlanStep> steps_of(std::initializer_list<std::pair<const char*, const char*>> items) {
  std::vector<PlanStep> out;
  for (auto [k, a] : items) out.push_back({k, a, std::string(k) + "/" + a});
  return out;
}

TEST(GuestPlan, ArgumentJoinsStepsInOrder) {
  EXPECT_EQ(plan_argument(steps_of({{"futex", "1"}, {"sem", "16"}, {"null", "trusted-call"}})),
            "futex:1,sem:16,null:trusted-call");
}

TEST(GuestPlan, BatchesKeepEachCommandLineShort) {
  std::vector<PlanStep> many;
  for (int i = 0; i < 300; ++i) many.push_back({"futex", std::to_string(i), "m"});
  auto batches = batch_steps(many, 200);
  ASSERT_GT(batches.size(), 1u);
  size_t total = 0;
  for (const auto& b : batches) {
    EXPECT_LE(plan_argument(b).size(), 200u);
    total += b.size();
  }
  EXPECT_EQ(total, 300u);
  EXPECT_EQ(batches.front().front().arg, "0");
  EXPECT_EQ(batches.back().back().arg, "299");
}

TEST(GuestPlan, ConsoleGivesOneOutputPerStepWhateverTheChunking) {
  const std::string console =
      "[    0.5] random kernel message\r\n"
      "tailor-bench step=0 begin futex:4\r\n"
      "tailor-bench workload=futex workers=4 ops=100 seconds=0.500 value=200.0\r\n"
      "tailor-bench step=0 end status=0\r\n"
      "tailor-bench step=1 begin make:2\n"
      "make: tcc: No such file or directory\n"
      "tailor-bench step=1 end status=1\n"
      "tailor-bench plan done failed=1\n";
  for (size_t chunk : {1u, 7u, 1000u}) {
    std::vector<StepOutput> seen;
    ConsoleSteps parser([&](const StepOutput& s) { seen.push_back(s); });
    for (size_t i = 0; i < console.size(); i += chunk) parser.feed(std::string_view(console).substr(i, chunk));
    ASSERT_EQ(seen.size(), 2u) << "chunk " << chunk;
    EXPECT_EQ(seen[0].step, "futex:4");
    EXPECT_EQ(seen[0].status, 0);
    EXPECT_NE(seen[0].text.find("value=200.0"), std::string::npos);
    EXPECT_EQ(seen[1].status, 1);
    EXPECT_TRUE(parser.plan_done());
  }
}

TEST(GuestPlan, UnfinishedStepIsReportedAsRunning) {
  ConsoleSteps parser([](const StepOutput&) {});
  parser.feed("tailor-bench step=3 begin sem:512\nKernel panic - not syncing\n");
  EXPECT_EQ(parser.running(), 3);
  EXPECT_FALSE(parser.plan_done());
  EXPECT_NE(parser.tail(4).find("Kernel panic"), std::string::npos);
}

TEST(GuestPlan, ValuesByKind) {
  std::string why;
  StepOutput out;
  out.text = "tailor-bench workload=sem workers=2 ops=10 seconds=1.000 value=10.0";
  EXPECT_EQ(step_value({"sem", "2", "m"}, out, &why), 10.0);
  EXPECT_FALSE(step_value({"futex", "2", "m"}, out, &why)) << "a sem line is no futex result";

  out.text = "nullsys: run 0: 812.50 ns/call\nNULLSYS mode=raw cpl=3 iterations=1000 runs=1 median_ns=812.50 min_ns=812.50";
  EXPECT_EQ(step_value({"null", "bin-raw", "m"}, out, &why), 812.5);
  EXPECT_FALSE(step_value({"null", "trusted-raw", "m"}, out, &why));
  EXPECT_NE(why.find("CPL 3 instead of CPL 0"), std::string::npos);

  out.text = "\"test\",\"rps\",\"avg_latency_ms\"\n\"SET\",\"81300.81\",\"0.331\"";
  EXPECT_EQ(step_value({"redis", "set", "m"}, out, &why), 81300.81);
  EXPECT_FALSE(step_value({"redis", "get", "m"}, out, &why));

  out.status = 2;
  out.text = "smpbench: workers must be 1..4096";
  EXPECT_FALSE(step_value({"futex", "9999", "m"}, out, &why));
  EXPECT_NE(why.find("status 2"), std::string::npos);
  EXPECT_NE(why.find("workers must be"), std::string::npos);
}

}  // namespace
}  // namespace tailor::bench
