#include "common/sha256.h"

#include <gtest/gtest.h>

namespace tailor {
namespace {

TEST(Sha256, MatchesKnownVectors) {
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(Sha256, FieldsAreLengthPrefixedSoBoundariesMatter) {
  std::string ab_c = Sha256().field("ab").field("c").hex();
  std::string a_bc = Sha256().field("a").field("bc").hex();
  EXPECT_NE(ab_c, a_bc);
}

}  // namespace
}  // namespace tailor
