// Parsing and checking a cache store URL (see store_url.h).
#include "common/store_url.h"

#include <cctype>

#include "common/error.h"

namespace tailor {

namespace {

bool host_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-'; }
bool path_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '/' || c == '.' || c == '-' || c == '_' || c == '~';
}

}  // namespace

StoreUrl parse_store_url(const std::string& url, const std::string& what) {
  auto bad = [&](const std::string& why) {
    return Error(what + " '" + url + "': " + why +
                 " (expected redis://HOST[:PORT][/DB] or http(s)://HOST[:PORT][/PATH])");
  };
  StoreUrl u;
  u.text = url;
  std::string rest;
  if (url.rfind("redis://", 0) == 0) {
    u.scheme = StoreUrl::Scheme::Redis, u.port = 6379, rest = url.substr(8);
  } else if (url.rfind("http://", 0) == 0) {
    u.scheme = StoreUrl::Scheme::Http, u.port = 80, rest = url.substr(7);
  } else if (url.rfind("https://", 0) == 0) {
    u.scheme = StoreUrl::Scheme::Https, u.port = 443, rest = url.substr(8);
  } else {
    throw bad("unsupported scheme");
  }
  const auto slash = rest.find('/');
  std::string authority = rest.substr(0, slash);
  u.path = slash == std::string::npos ? "" : rest.substr(slash);
  if (authority.find('@') != std::string::npos) throw bad("user names and passwords are not supported");
  if (authority.empty()) throw bad("no host");
  std::string port;
  if (authority.front() == '[') {
    const auto close = authority.find(']');
    if (close == std::string::npos) throw bad("unclosed '[' in the host");
    u.host = authority.substr(1, close - 1);
    for (char c : u.host)
      if (!std::isxdigit(static_cast<unsigned char>(c)) && c != ':' && c != '.') throw bad("bad IPv6 address");
    if (close + 1 < authority.size()) {
      if (authority[close + 1] != ':') throw bad("junk after the IPv6 address");
      port = authority.substr(close + 2);
    }
  } else {
    const auto colon = authority.find(':');
    u.host = authority.substr(0, colon);
    if (colon != std::string::npos) port = authority.substr(colon + 1);
    for (char c : u.host)
      if (!host_char(c)) throw bad(std::string("bad character '") + c + "' in the host");
    if (u.host.front() == '-' || u.host.front() == '.') throw bad("a host cannot start with '-' or '.'");
  }
  if (u.host.empty()) throw bad("no host");
  if (authority.find(':') != std::string::npos && authority.front() != '[' && port.empty()) throw bad("empty port");
  if (!port.empty()) {
    if (port.size() > 5) throw bad("port out of range");
    unsigned long p = 0;
    for (char c : port) {
      if (!std::isdigit(static_cast<unsigned char>(c))) throw bad("the port is not a number");
      p = p * 10 + unsigned(c - '0');
    }
    if (p == 0 || p > 65535) throw bad("port out of range");
    u.port = static_cast<std::uint16_t>(p);
  }
  for (char c : u.path)
    if (!path_char(c)) throw bad(std::string("bad character '") + c + "' in the path (no queries or fragments)");
  if (u.scheme == StoreUrl::Scheme::Redis && !u.path.empty()) {
    const std::string db = u.path.substr(1);
    if (db.empty() || db.size() > 2 || db.find_first_not_of("0123456789") != std::string::npos)
      throw bad("a redis path is a database number (/0../99)");
  }
  return u;
}

}  // namespace tailor
