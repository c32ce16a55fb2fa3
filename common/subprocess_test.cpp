#include "common/subprocess.h"

#include <gtest/gtest.h>

#include "common/error.h"

namespace tailor {
namespace {

TEST(RunProcess, ReportsExitStatusAndCapturesOutput) {
  ProcessOptions o;
  o.capture = true;
  ProcessResult r = run_process({"sh", "-c", "echo hello; echo oops >&2; exit 3"}, o);
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.output, "hello\noops\n");
  EXPECT_EQ(r.describe(), "exit status 3");
}

TEST(RunProcess, StreamsLinesAndPassesEnvironmentAndStdin) {
  ProcessOptions o;
  o.env = {{"TAILOR_TEST_VALUE", "42"}};
  o.stdin_data = "from-stdin\n";
  std::vector<std::string> lines;
  o.on_line = [&](std::string_view l) { lines.emplace_back(l); };
  ProcessResult r = run_process({"sh", "-c", "echo $TAILOR_TEST_VALUE; cat; printf tail"}, o);
  EXPECT_TRUE(r.ok());
  EXPECT_EQ(lines, (std::vector<std::string>{"42", "from-stdin", "tail"}));
}

TEST(RunProcess, CanRunInExactlyTheGivenEnvironmentWithStderrLeftToUs) {
  ::setenv("TAILOR_TEST_INHERITED", "yes", 1);
  ProcessOptions o;
  o.inherit_env = false;
  o.env = {{"ONLY", "this"}};
  o.merge_stderr = false;
  o.capture = true;
  ProcessResult r = run_process({"/bin/sh", "-c", "echo \"$ONLY ${TAILOR_TEST_INHERITED:-unset}\"; echo to-stderr >&2"}, o);
  ::unsetenv("TAILOR_TEST_INHERITED");
  EXPECT_TRUE(r.ok());
  EXPECT_EQ(r.output, "this unset\n");
}

TEST(RunProcess, TimeoutKillsTheWholeProcessGroup) {
  ProcessOptions o;
  o.timeout = std::chrono::milliseconds(200);
  ProcessResult r = run_process({"sh", "-c", "sleep 30 & sleep 30"}, o);
  EXPECT_TRUE(r.timed_out);
  EXPECT_FALSE(r.ok());
}

TEST(RunProcess, MissingProgramIsAnError) {
  EXPECT_THROW(run_process({"tailor-no-such-program-xyz"}), Error);
}

TEST(RunCapture, FailureCarriesTheOutput) {
  try {
    run_capture({"sh", "-c", "echo bad-thing; exit 1"});
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("bad-thing"), std::string::npos);
  }
}

}  // namespace
}  // namespace tailor
