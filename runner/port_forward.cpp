// Port forwards of user-mode networking: their text form (QEMU's hostfwd
// syntax, so `--net user,hostfwd=...` reads as it does for QEMU) and the check
// that their host ports are free before anything starts.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <charconv>
#include <cstring>
#include <fmt/core.h>

#include "common/error.h"
#include "runner/runner.h"
#include "common/unique_fd.h"

namespace tailor::runner {
namespace {

[[noreturn]] void bad(std::string_view text, const std::string& why) {
  throw Error(fmt::format("port forward '{}': {} (expected [tcp|udp:][ADDRESS]:HOSTPORT-:GUESTPORT, "
                          "e.g. tcp:127.0.0.1:8080-:80)",
                          text, why),
              exit_codes::kUsage);
}

std::uint16_t parse_port(std::string_view text, std::string_view whole, const char* which) {
  unsigned value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size())
    bad(whole, fmt::format("{} port '{}' is not a number", which, text));
  if (value == 0 || value > 65535) bad(whole, fmt::format("{} port {} is out of range (1..65535)", which, text));
  return static_cast<std::uint16_t>(value);
}

bool is_ipv4(const std::string& address) {
  in_addr parsed{};
  return ::inet_pton(AF_INET, address.c_str(), &parsed) == 1;
}

}  // namespace

PortForward parse_port_forward(std::string_view text) {
  PortForward f;
  const auto dash = text.find('-');
  if (dash == std::string_view::npos) bad(text, "no '-' between the host and the guest side");
  // Host side: "[PROTOCOL:][ADDRESS]:PORT", or just "PORT".
  std::string_view host = text.substr(0, dash), guest = text.substr(dash + 1);
  if (std::count(host.begin(), host.end(), ':') == 2) {
    const std::string_view protocol = host.substr(0, host.find(':'));
    if (protocol == "udp") f.protocol = PortForward::Protocol::Udp;
    else if (protocol != "tcp") bad(text, fmt::format("unknown protocol '{}' (tcp or udp)", protocol));
    host.remove_prefix(protocol.size() + 1);
  }
  if (const auto colon = host.find(':'); colon != std::string_view::npos) {
    if (colon > 0) f.host_address = std::string(host.substr(0, colon));
    host.remove_prefix(colon + 1);
  }
  if (!is_ipv4(f.host_address)) bad(text, fmt::format("host address '{}' is not an IPv4 address", f.host_address));
  f.host_port = parse_port(host, text, "host");
  // Guest side: ":PORT" or "PORT" (the guest's address is NetDevice::guest_cidr's).
  if (const auto colon = guest.rfind(':'); colon != std::string_view::npos) {
    if (colon > 0) bad(text, "the guest address is the net device's (guest_cidr); write :GUESTPORT");
    guest.remove_prefix(colon + 1);
  }
  f.guest_port = parse_port(guest, text, "guest");
  return f;
}

std::string format_port_forward(const PortForward& f) {
  return fmt::format("{}:{}:{}-:{}", f.protocol == PortForward::Protocol::Udp ? "udp" : "tcp", f.host_address,
                     f.host_port, f.guest_port);
}

void check_forward_ports(const std::vector<NetDevice>& nets) {
  for (const auto& net : nets)
    for (const auto& f : net.forwards) {
      const bool udp = f.protocol == PortForward::Protocol::Udp;
      UniqueFd fd(::socket(AF_INET, (udp ? SOCK_DGRAM : SOCK_STREAM) | SOCK_CLOEXEC, 0));
      if (!fd) throw Error(errno_message("checking host port " + std::to_string(f.host_port), errno),
                           exit_codes::kMonitorFailed);
      // TCP: bound and listening exactly as the forward's own listener will be
      // (SO_REUSEADDR, as libslirp and QEMU set it), so that connections of an
      // earlier run still in TIME_WAIT do not count as "in use" while a
      // listener, or any socket bound without SO_REUSEADDR, does. UDP has no
      // TIME_WAIT: a plain bind refuses any socket on the port.
      const int one = 1;
      if (!udp) ::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
      sockaddr_in addr{};
      addr.sin_family = AF_INET;
      addr.sin_port = htons(f.host_port);
      ::inet_pton(AF_INET, f.host_address.c_str(), &addr.sin_addr);
      if (::bind(fd.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0 ||
          (!udp && ::listen(fd.get(), 1) != 0)) {
        const int err = errno;
        if (err == EADDRINUSE)
          throw Error(fmt::format("host port {} is already in use (forward {}); stop what listens there or choose "
                                  "another host port",
                                  f.host_port, format_port_forward(f)),
                      exit_codes::kUsage);
        throw Error(errno_message(fmt::format("host port {} cannot be bound (forward {})", f.host_port,
                                              format_port_forward(f)),
                                  err),
                    exit_codes::kUsage);
      }
    }
}

}  // namespace tailor::runner
