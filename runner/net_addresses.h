// The addresses of a user-mode network (NetDevice::guest_cidr, gateway, dns),
// checked once and shared by both backends: libslirp wants them as in_addr,
// QEMU's -netdev user as text.
#pragma once

#include <netinet/in.h>

#include <string>

#include "runner/runner.h"

namespace tailor::runner {

struct UserNetAddresses {
  in_addr guest{}, network{}, netmask{}, gateway{}, dns{};
  int prefix_length = 24;
  std::string network_cidr() const;  // "10.0.2.0/24"
};

// Throws Error(kUsage) naming the field when an address is not IPv4, the
// prefix is outside 8..30, or the gateway, DNS or guest lies outside the network
// or on its network or broadcast address, or two of them coincide.
UserNetAddresses user_net_addresses(const NetDevice& net);

std::string ipv4_text(in_addr address);

}  // namespace tailor::runner
