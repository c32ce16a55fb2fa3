// A small redis client over TCP (RESP2): GET, SET, EXISTS, SELECT, PING. Just
// what a cache store needs; values are binary-safe. Replies are read with
// bounds (a bulk string over `max_value` bytes is refused, not allocated),
// and every socket operation has a timeout, so a wrong or stuck server is an
// Error naming the server, never a hang or a crash.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/store_url.h"

namespace tailor {

// One RESP reply.
struct RedisReply {
  enum class Type { Status, Error, Integer, Bulk, Nil, Array };
  Type type = Type::Nil;
  std::string text;        // Status, Error, Bulk
  std::int64_t integer = 0;
  size_t elements = 0;     // Array: how many (their contents are not kept)
};

// The RESP encoding of a command ("*2\r\n$3\r\nGET\r\n$1\r\nk\r\n").
std::string redis_command(const std::vector<std::string_view>& args);

// Parses one reply at the start of `buffer`: nullopt when more bytes are
// needed; else the reply and, in `used`, how many bytes it took. Throws
// Error for a malformed reply or a bulk string over `max_value` bytes.
std::optional<RedisReply> parse_redis_reply(std::string_view buffer, size_t& used, size_t max_value);

class RedisClient {
 public:
  // Connects to url.host:url.port and SELECTs url.path's database if given.
  RedisClient(const StoreUrl& url, std::chrono::milliseconds timeout = std::chrono::seconds(30),
              size_t max_value = size_t(1) << 30);
  ~RedisClient();
  RedisClient(const RedisClient&) = delete;
  RedisClient& operator=(const RedisClient&) = delete;

  std::optional<std::string> get(std::string_view key);
  void set(std::string_view key, std::string_view value);
  bool exists(std::string_view key);

  // Sends one command and reads its reply; an error reply throws Error.
  RedisReply call(const std::vector<std::string_view>& args);

 private:
  std::string where_;
  int fd_ = -1;
  size_t max_value_;
  std::string buffer_;
};

}  // namespace tailor
