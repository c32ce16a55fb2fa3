// The values of a manifest's [net] table, parsed and checked on their own:
// port forwards ("127.0.0.1:6380:6379/tcp"), IPv4 addresses and prefixes,
// TAP interface names. Each problem is an Error without a location; the
// manifest reader adds the file:line:column.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace tailor::image {

struct PortForwardSpec {
  std::string protocol = "tcp";            // "tcp" or "udp"
  std::string host_address = "127.0.0.1";  // loopback unless the manifest says otherwise
  std::uint16_t host_port = 0;
  std::uint16_t guest_port = 0;
  // "127.0.0.1:6380 -> guest :6379" (udp: "... /udp")
  std::string describe() const;
};

// "GUEST_PORT" is not accepted: a forward names both sides.
// "HOST_PORT:GUEST_PORT[/tcp|/udp]" or "HOST_ADDRESS:HOST_PORT:GUEST_PORT[/...]".
PortForwardSpec parse_port_mapping(std::string_view text);

bool is_ipv4_address(std::string_view text);
// "10.0.2.15/24": an address and a prefix length 1..30 (room for a gateway).
bool is_ipv4_cidr(std::string_view text);
// A Linux interface name: 1-15 of [A-Za-z0-9_.-], not "." or "..".
bool is_interface_name(std::string_view text);

}  // namespace tailor::image
