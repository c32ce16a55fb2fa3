// RESP, both ways: commands are binary-safe, replies are parsed only when
// complete, and malformed or oversized replies are errors, not allocations.
// (Talking to a real redis-server is tested by tests/kernel/remote_cache.sh.)
#include "common/redis_client.h"

#include <gtest/gtest.h>

#include "common/error.h"

namespace tailor {
namespace {

TEST(RedisCommand, EncodesBinarySafeBulkStrings) {
  EXPECT_EQ(redis_command({"GET", "k"}), "*2\r\n$3\r\nGET\r\n$1\r\nk\r\n");
  std::string value("a\r\nb\0c", 6);
  EXPECT_EQ(redis_command({"SET", "k", value}), std::string("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$6\r\na\r\nb\0c\r\n", 32));
}

TEST(RedisReplyParser, EachTypeAndWhatItUsed) {
  size_t used = 0;
  auto r = parse_redis_reply("+OK\r\nrest", used, 100);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->type, RedisReply::Type::Status);
  EXPECT_EQ(r->text, "OK");
  EXPECT_EQ(used, 5u);
  r = parse_redis_reply(":42\r\n", used, 100);
  EXPECT_EQ(r->integer, 42);
  r = parse_redis_reply("-ERR wrong\r\n", used, 100);
  EXPECT_EQ(r->type, RedisReply::Type::Error);
  EXPECT_EQ(r->text, "ERR wrong");
  r = parse_redis_reply("$-1\r\n", used, 100);
  EXPECT_EQ(r->type, RedisReply::Type::Nil);
  r = parse_redis_reply(std::string("$5\r\na\r\n\0b\r\n", 12), used, 100);
  EXPECT_EQ(r->type, RedisReply::Type::Bulk);
  EXPECT_EQ(r->text, std::string("a\r\n\0b", 5));
  EXPECT_EQ(used, 11u);
}

TEST(RedisReplyParser, WaitsForTheWholeReply) {
  size_t used = 0;
  EXPECT_FALSE(parse_redis_reply("", used, 100));
  EXPECT_FALSE(parse_redis_reply("+OK", used, 100));
  EXPECT_FALSE(parse_redis_reply("$5\r\nabc", used, 100));
  EXPECT_FALSE(parse_redis_reply("$5\r\nabcde", used, 100));
}

TEST(RedisReplyParser, RefusesMalformedAndOversizedReplies) {
  size_t used = 0;
  for (std::string bad : {"?x\r\n", "\r\n", ":4x\r\n", "$\r\n", "$5\r\nabcdeXY", ":-\r\n", "*2\r\n"})
    EXPECT_THROW(parse_redis_reply(bad, used, 100), Error) << bad;
  try {
    parse_redis_reply("$1000000000000\r\n", used, 1 << 20);
    FAIL() << "an oversized bulk string was accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("over the limit"), std::string::npos) << e.what();
  }
  EXPECT_THROW(parse_redis_reply(std::string(70 * 1024, 'x'), used, 100), Error);
}

TEST(RedisClient, ConnectionRefusedIsAnErrorNamingTheServer) {
  // Port 1 on loopback: nothing listens there in a test environment.
  try {
    RedisClient c(parse_store_url("redis://127.0.0.1:1", "test"), std::chrono::seconds(2));
    FAIL() << "connected to port 1";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("127.0.0.1:1"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace tailor
