#include "runner/net_addresses.h"

#include <arpa/inet.h>

#include <charconv>
#include <fmt/core.h>

#include "common/error.h"

namespace tailor::runner {
namespace {

in_addr parse(const std::string& text, const char* field) {
  in_addr a{};
  if (::inet_pton(AF_INET, text.c_str(), &a) != 1)
    throw Error(fmt::format("user network: {} '{}' is not an IPv4 address", field, text), exit_codes::kUsage);
  return a;
}

}  // namespace

std::string ipv4_text(in_addr address) {
  char text[INET_ADDRSTRLEN];
  return ::inet_ntop(AF_INET, &address, text, sizeof text);
}

std::string UserNetAddresses::network_cidr() const { return fmt::format("{}/{}", ipv4_text(network), prefix_length); }

UserNetAddresses user_net_addresses(const NetDevice& net) {
  UserNetAddresses a;
  const auto slash = net.guest_cidr.find('/');
  const std::string prefix = slash == std::string::npos ? "" : net.guest_cidr.substr(slash + 1);
  const auto [end, ec] = std::from_chars(prefix.data(), prefix.data() + prefix.size(), a.prefix_length);
  // /31 and /32 leave no room for the guest, the gateway and the DNS server.
  if (prefix.empty() || ec != std::errc() || end != prefix.data() + prefix.size() || a.prefix_length < 8 ||
      a.prefix_length > 30)
    throw Error(fmt::format("user network: guest address '{}' needs a prefix length of 8..30 (e.g. 10.0.2.15/24)",
                            net.guest_cidr),
                exit_codes::kUsage);
  a.guest = parse(net.guest_cidr.substr(0, slash), "guest address");
  a.gateway = parse(net.gateway, "gateway");
  a.dns = parse(net.dns, "DNS server");
  const std::uint32_t mask = ~std::uint32_t{0} << (32 - a.prefix_length);
  a.netmask.s_addr = htonl(mask);
  a.network.s_addr = htonl(ntohl(a.guest.s_addr) & mask);
  for (auto [address, field] : {std::pair{a.guest, "guest address"}, {a.gateway, "gateway"}, {a.dns, "DNS server"}}) {
    const std::uint32_t host = ntohl(address.s_addr) & ~mask;
    if ((ntohl(address.s_addr) & mask) != ntohl(a.network.s_addr) || host == 0 || host == ~mask)
      throw Error(fmt::format("user network: {} {} is not a host address of {}", field, ipv4_text(address),
                              a.network_cidr()),
                  exit_codes::kUsage);
  }
  if (a.guest.s_addr == a.gateway.s_addr || a.guest.s_addr == a.dns.s_addr || a.gateway.s_addr == a.dns.s_addr)
    throw Error(fmt::format("user network: the guest ({}), the gateway ({}) and the DNS server ({}) need three "
                            "different addresses",
                            ipv4_text(a.guest), ipv4_text(a.gateway), ipv4_text(a.dns)),
                exit_codes::kUsage);
  return a;
}

}  // namespace tailor::runner
