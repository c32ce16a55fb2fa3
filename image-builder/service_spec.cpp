// Parsing of [net] values.
#include "image-builder/service_spec.h"

#include <algorithm>
#include <charconv>
#include <vector>

#include "common/error.h"

namespace tailor::image {
namespace {

std::vector<std::string_view> split(std::string_view text, char sep) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  for (;;) {
    size_t at = text.find(sep, start);
    parts.push_back(text.substr(start, at == std::string_view::npos ? std::string_view::npos : at - start));
    if (at == std::string_view::npos) return parts;
    start = at + 1;
  }
}

bool parse_number(std::string_view s, unsigned long max, unsigned long& out) {
  if (s.empty() || s.size() > 5 || !std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size() && out <= max;
}

std::uint16_t port(std::string_view s, std::string_view text, const char* side) {
  unsigned long n = 0;
  if (!parse_number(s, 65535, n) || n == 0)
    throw Error("port forward '" + std::string(text.substr(0, 80)) + "': " + side + " port '" +
                std::string(s.substr(0, 20)) + "' is not a port number (1-65535)");
  return static_cast<std::uint16_t>(n);
}

}  // namespace

std::string PortForwardSpec::describe() const {
  return host_address + ":" + std::to_string(host_port) + " -> guest :" + std::to_string(guest_port) +
         (protocol == "udp" ? "/udp" : "");
}

PortForwardSpec parse_port_mapping(std::string_view text) {
  const std::string quoted = "port forward '" + std::string(text.substr(0, 80)) + "'";
  PortForwardSpec f;
  std::string_view body = text;
  if (size_t slash = text.rfind('/'); slash != std::string_view::npos) {
    const std::string_view proto = text.substr(slash + 1);
    if (proto != "tcp" && proto != "udp")
      throw Error(quoted + ": protocol '" + std::string(proto.substr(0, 20)) + "' is not tcp or udp");
    f.protocol = std::string(proto);
    body = text.substr(0, slash);
  }
  const auto parts = split(body, ':');
  if (parts.size() == 3) {
    if (!is_ipv4_address(parts[0]))
      throw Error(quoted + ": host address '" + std::string(parts[0].substr(0, 40)) +
                  "' is not an IPv4 address (e.g. 127.0.0.1, or 0.0.0.0 for every interface)");
    f.host_address = std::string(parts[0]);
  } else if (parts.size() != 2) {
    throw Error(quoted + ": write HOST_PORT:GUEST_PORT or HOST_ADDRESS:HOST_PORT:GUEST_PORT, with /tcp or /udp "
                         "(e.g. \"8080:80\", \"127.0.0.1:6380:6379/tcp\")");
  }
  f.host_port = port(parts[parts.size() - 2], text, "host");
  f.guest_port = port(parts.back(), text, "guest");
  return f;
}

bool is_ipv4_address(std::string_view text) {
  const auto parts = split(text, '.');
  if (parts.size() != 4) return false;
  for (auto p : parts) {
    unsigned long n = 0;
    if (!parse_number(p, 255, n) || (p.size() > 1 && p[0] == '0')) return false;
  }
  return true;
}

bool is_ipv4_cidr(std::string_view text) {
  size_t slash = text.find('/');
  if (slash == std::string_view::npos || !is_ipv4_address(text.substr(0, slash))) return false;
  unsigned long len = 0;
  return parse_number(text.substr(slash + 1), 30, len) && len >= 1;
}

bool is_interface_name(std::string_view text) {
  if (text.empty() || text.size() > 15 || text == "." || text == "..") return false;
  return std::all_of(text.begin(), text.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-';
  });
}

}  // namespace tailor::image
