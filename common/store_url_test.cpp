// Cache store URLs: what is accepted, and that everything that could reach a
// process or a request line as something else is refused with a reason.
#include "common/store_url.h"

#include <gtest/gtest.h>

#include "common/error.h"

namespace tailor {
namespace {

TEST(StoreUrl, RedisWithDefaultsPortAndDatabase) {
  auto u = parse_store_url("redis://127.0.0.1", "--remote-cache");
  EXPECT_EQ(u.scheme, StoreUrl::Scheme::Redis);
  EXPECT_EQ(u.host, "127.0.0.1");
  EXPECT_EQ(u.port, 6379);
  EXPECT_EQ(u.path, "");
  u = parse_store_url("redis://cache.example.org:16379/3", "--remote-cache");
  EXPECT_EQ(u.host, "cache.example.org");
  EXPECT_EQ(u.port, 16379);
  EXPECT_EQ(u.path, "/3");
}

TEST(StoreUrl, HttpWithPathAndIpv6) {
  auto u = parse_store_url("http://[::1]:8080/tailor/cache", "x");
  EXPECT_EQ(u.scheme, StoreUrl::Scheme::Http);
  EXPECT_EQ(u.host, "::1");
  EXPECT_EQ(u.port, 8080);
  EXPECT_EQ(u.path, "/tailor/cache");
  EXPECT_EQ(parse_store_url("https://store", "x").port, 443);
}

TEST(StoreUrl, RefusesWhatIsNotPlainlyAStore) {
  for (const char* url :
       {"", "ftp://host", "redis://", "redis://:6379", "redis://host:0", "redis://host:65536", "redis://host:",
        "redis://host:12a", "redis://user:pw@host", "redis://host/db", "redis://host/123", "http://host/a?b=c",
        "http://host/a#f", "http://host/a b", "http://ho st", "http://host;rm -rf /", "http://-host",
        "http://host/$(id)", "http://[::1", "http://[::1]x", "redis://host\n"}) {
    try {
      parse_store_url(url, "--remote-cache");
      ADD_FAILURE() << "accepted '" << url << "'";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find("--remote-cache '"), std::string::npos) << e.what();
    }
  }
}

}  // namespace
}  // namespace tailor
