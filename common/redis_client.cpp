// The redis client (see redis_client.h).
#include "common/redis_client.h"

#include <netdb.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "common/error.h"

namespace tailor {

std::string redis_command(const std::vector<std::string_view>& args) {
  std::string out = "*" + std::to_string(args.size()) + "\r\n";
  for (auto a : args) {
    out += "$" + std::to_string(a.size()) + "\r\n";
    out.append(a.data(), a.size());
    out += "\r\n";
  }
  return out;
}

namespace {

// A decimal integer of a RESP header line; throws for anything else.
std::int64_t header_number(std::string_view s) {
  if (s.empty() || s.size() > 19) throw Error("redis: malformed reply (bad number '" + std::string(s) + "')");
  bool negative = s.front() == '-';
  if (negative) s.remove_prefix(1);
  if (s.empty()) throw Error("redis: malformed reply (bad number)");
  std::int64_t n = 0;
  for (char c : s) {
    if (c < '0' || c > '9') throw Error("redis: malformed reply (bad number '" + std::string(s) + "')");
    n = n * 10 + (c - '0');
  }
  return negative ? -n : n;
}

}  // namespace

std::optional<RedisReply> parse_redis_reply(std::string_view b, size_t& used, size_t max_value) {
  const auto eol = b.find("\r\n");
  if (eol == std::string_view::npos) {
    if (b.size() > 64 * 1024) throw Error("redis: malformed reply (a header line over 64 KiB)");
    return std::nullopt;
  }
  if (eol == 0) throw Error("redis: malformed reply (empty line)");
  const std::string_view line = b.substr(1, eol - 1);
  RedisReply r;
  switch (b.front()) {
    case '+': r.type = RedisReply::Type::Status, r.text = line; break;
    case '-': r.type = RedisReply::Type::Error, r.text = line; break;
    case ':': r.type = RedisReply::Type::Integer, r.integer = header_number(line); break;
    case '*': {
      auto n = header_number(line);
      if (n < 0) {
        r.type = RedisReply::Type::Nil;
      } else if (n > 0) {
        // This client sends no command that answers with a non-empty array.
        throw Error("redis: unexpected array reply");
      } else {
        r.type = RedisReply::Type::Array;
      }
      break;
    }
    case '$': {
      auto n = header_number(line);
      if (n < 0) {
        r.type = RedisReply::Type::Nil;
        break;
      }
      if (static_cast<std::uint64_t>(n) > max_value)
        throw Error("redis: a value of " + std::to_string(n) + " bytes is over the limit of " +
                    std::to_string(max_value));
      const size_t start = eol + 2, end = start + size_t(n);
      if (b.size() < end + 2) return std::nullopt;
      if (b.substr(end, 2) != "\r\n") throw Error("redis: malformed reply (bulk string not ended by CRLF)");
      r.type = RedisReply::Type::Bulk;
      r.text = b.substr(start, size_t(n));
      used = end + 2;
      return r;
    }
    default: throw Error("redis: malformed reply (unknown type byte)");
  }
  used = eol + 2;
  return r;
}

RedisClient::RedisClient(const StoreUrl& url, std::chrono::milliseconds timeout, size_t max_value)
    : where_(url.host + ":" + std::to_string(url.port)), max_value_(max_value) {
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  const std::string port = std::to_string(url.port);
  if (int rc = ::getaddrinfo(url.host.c_str(), port.c_str(), &hints, &found); rc != 0)
    throw Error("redis " + where_ + ": cannot resolve the host: " + ::gai_strerror(rc));
  std::string last_error = "no address";
  for (addrinfo* a = found; a && fd_ < 0; a = a->ai_next) {
    int fd = ::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
    if (fd < 0) continue;
    timeval tv{static_cast<time_t>(timeout.count() / 1000), static_cast<suseconds_t>((timeout.count() % 1000) * 1000)};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    if (::connect(fd, a->ai_addr, a->ai_addrlen) == 0) {
      fd_ = fd;
    } else {
      last_error = std::strerror(errno);
      ::close(fd);
    }
  }
  ::freeaddrinfo(found);
  if (fd_ < 0) throw Error("redis " + where_ + ": cannot connect: " + last_error);
  if (url.path.size() > 1) call({"SELECT", std::string_view(url.path).substr(1)});
}

RedisClient::~RedisClient() {
  if (fd_ >= 0) ::close(fd_);
}

RedisReply RedisClient::call(const std::vector<std::string_view>& args) {
  const std::string out = redis_command(args);
  for (size_t sent = 0; sent < out.size();) {
    ssize_t n = ::send(fd_, out.data() + sent, out.size() - sent, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) throw Error("redis " + where_ + ": send failed: " + std::strerror(errno));
    sent += size_t(n);
  }
  for (;;) {
    size_t used = 0;
    if (auto r = parse_redis_reply(buffer_, used, max_value_)) {
      buffer_.erase(0, used);
      if (r->type == RedisReply::Type::Error) throw Error("redis " + where_ + ": " + r->text);
      return *r;
    }
    char chunk[64 * 1024];
    ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw Error("redis " + where_ + ": no reply: " + std::strerror(errno));
    if (n == 0) throw Error("redis " + where_ + ": the server closed the connection");
    buffer_.append(chunk, size_t(n));
  }
}

std::optional<std::string> RedisClient::get(std::string_view key) {
  RedisReply r = call({"GET", key});
  if (r.type == RedisReply::Type::Nil) return std::nullopt;
  if (r.type != RedisReply::Type::Bulk) throw Error("redis " + where_ + ": GET answered with no value");
  return std::move(r.text);
}

void RedisClient::set(std::string_view key, std::string_view value) {
  RedisReply r = call({"SET", key, value});
  if (r.type != RedisReply::Type::Status) throw Error("redis " + where_ + ": SET was not acknowledged");
}

bool RedisClient::exists(std::string_view key) { return call({"EXISTS", key}).integer > 0; }

}  // namespace tailor
