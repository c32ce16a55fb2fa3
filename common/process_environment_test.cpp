#include "common/process_environment.h"

#include <gtest/gtest.h>

#include <cstdlib>

namespace tailor {
namespace {

TEST(ProcessEnvironment, SplitsEachEntryAtItsFirstEqualsSign) {
  ::setenv("TAILOR_ENV_TEST", "a=b=c", 1);
  std::vector<std::string> values;
  for (const auto& [k, v] : process_environment())
    if (k == "TAILOR_ENV_TEST") values.push_back(v);
  ::unsetenv("TAILOR_ENV_TEST");
  EXPECT_EQ(values, std::vector<std::string>{"a=b=c"});
}

TEST(ProcessEnvironment, EntriesAreKeyEqualsValueInOrder) {
  EXPECT_EQ(environment_entries({{"B", "2"}, {"A", ""}}), (std::vector<std::string>{"B=2", "A="}));
}

}  // namespace
}  // namespace tailor
