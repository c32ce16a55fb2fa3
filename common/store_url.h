// The URL of a shared cache store (`--remote-cache URL`, $TAILOR_REMOTE_CACHE):
// redis://HOST[:PORT][/DB] or http(s)://HOST[:PORT][/PATH]. The same URL is
// given to ccache (its remote_storage setting) and used for tailor's own
// kernel cache, so it is checked strictly here before anything reaches a
// process: no user info, no query or fragment, no whitespace or shell
// metacharacters, a host of letters, digits, '.', '-' (or a bracketed IPv6
// address), a port in 1..65535.
#pragma once

#include <cstdint>
#include <string>

namespace tailor {

struct StoreUrl {
  enum class Scheme { Redis, Http, Https };
  Scheme scheme = Scheme::Redis;
  std::string host;   // without brackets for IPv6
  std::uint16_t port = 0;
  std::string path;   // "" or "/..." (HTTP: the prefix of every object; redis: "/DB")
  std::string text;   // the URL as given (validated)
};

// Throws Error naming `what` (e.g. "--remote-cache") and what is wrong.
StoreUrl parse_store_url(const std::string& url, const std::string& what);

}  // namespace tailor
