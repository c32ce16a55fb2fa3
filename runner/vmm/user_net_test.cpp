// User-mode networking without a guest: the test plays the guest's side of the
// frame socket, speaking raw Ethernet as the virtio-net device would pass it.
#include "runner/vmm/user_net.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>

#include <array>
#include <chrono>
#include <optional>
#include <vector>

#include "common/error.h"
#include "runner/runner.h"

namespace tailor::runner::vmm {
namespace {

using Frame = std::vector<std::uint8_t>;
constexpr std::array<std::uint8_t, 6> kGuestMac = {0x52, 0x54, 0x00, 0x12, 0x34, 0x56};

void put16(Frame& f, std::uint16_t v) { f.push_back(v >> 8), f.push_back(v & 0xff); }
void put(Frame& f, std::initializer_list<std::uint8_t> bytes) { f.insert(f.end(), bytes); }
std::uint16_t get16(const Frame& f, std::size_t at) { return static_cast<std::uint16_t>(f[at] << 8 | f[at + 1]); }

// "Who has 10.0.2.2? Tell 10.0.2.15": what the guest sends first.
Frame arp_request_for_gateway() {
  Frame f(6, 0xff);
  f.insert(f.end(), kGuestMac.begin(), kGuestMac.end());
  put16(f, 0x0806);
  put16(f, 1), put16(f, 0x0800), put(f, {6, 4}), put16(f, 1);  // Ethernet/IPv4, request
  f.insert(f.end(), kGuestMac.begin(), kGuestMac.end());
  put(f, {10, 0, 2, 15});
  put(f, {0, 0, 0, 0, 0, 0});
  put(f, {10, 0, 2, 2});
  return f;
}

// The next frame for the guest, waiting up to two seconds.
std::optional<Frame> next_frame(int fd) {
  pollfd p{fd, POLLIN, 0};
  if (::poll(&p, 1, 2000) != 1) return std::nullopt;
  Frame f(65536);
  const ssize_t n = ::recv(fd, f.data(), f.size(), 0);
  if (n <= 0) return std::nullopt;
  f.resize(static_cast<std::size_t>(n));
  return f;
}

TEST(UserNet, TheGatewayAnswersTheGuestsArp) {
  UserNet net(NetDevice{.user = true}, /*dns=*/false);
  UniqueFd guest = net.take_guest_end();
  const Frame request = arp_request_for_gateway();
  ASSERT_EQ(::send(guest.get(), request.data(), request.size(), 0), static_cast<ssize_t>(request.size()));
  const auto reply = next_frame(guest.get());
  ASSERT_TRUE(reply) << "no frame from slirp";
  ASSERT_GE(reply->size(), 42u);
  EXPECT_TRUE(std::equal(kGuestMac.begin(), kGuestMac.end(), reply->begin())) << "addressed to the guest";
  EXPECT_EQ(get16(*reply, 12), 0x0806);
  EXPECT_EQ(get16(*reply, 20), 2) << "an ARP reply";
  EXPECT_EQ(Frame(reply->begin() + 28, reply->begin() + 32), (Frame{10, 0, 2, 2})) << "from the gateway";
}

TEST(UserNet, AConnectionToAForwardedHostPortReachesTheGuestAsASyn) {
  // A host port that was free a moment ago.
  std::uint16_t port;
  {
    UniqueFd probe(::socket(AF_INET, SOCK_STREAM, 0));
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof addr;
    ASSERT_EQ(::bind(probe.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    ::getsockname(probe.get(), reinterpret_cast<sockaddr*>(&addr), &length);
    port = ntohs(addr.sin_port);
  }
  NetDevice spec{.user = true};
  spec.forwards.push_back({.host_port = port, .guest_port = 80});
  UserNet net(spec, /*dns=*/false);
  UniqueFd guest = net.take_guest_end();
  // The guest speaks first (as Linux does when its interface comes up), so
  // that slirp knows its MAC address.
  const Frame request = arp_request_for_gateway();
  ASSERT_EQ(::send(guest.get(), request.data(), request.size(), 0), static_cast<ssize_t>(request.size()));
  ASSERT_TRUE(next_frame(guest.get()));

  UniqueFd client(::socket(AF_INET, SOCK_STREAM, 0));
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(port);
  to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::connect(client.get(), reinterpret_cast<sockaddr*>(&to), sizeof to), 0) << "slirp listens on the port";
  for (int frames = 0; frames < 8; ++frames) {
    const auto f = next_frame(guest.get());
    ASSERT_TRUE(f) << "no SYN reached the guest";
    if (f->size() < 54 || get16(*f, 12) != 0x0800 || (*f)[23] != 6) continue;  // not IPv4/TCP (an ARP, say)
    const std::size_t tcp = 14 + ((*f)[14] & 0x0f) * 4;
    EXPECT_EQ(Frame(f->begin() + 30, f->begin() + 34), (Frame{10, 0, 2, 15})) << "to the guest's address";
    EXPECT_EQ(get16(*f, tcp + 2), 80) << "to the guest port";
    EXPECT_TRUE((*f)[tcp + 13] & 0x02) << "SYN";
    return;
  }
  FAIL() << "only other frames reached the guest";
}

TEST(UserNet, AForwardWhosePortIsTakenIsAUsageError) {
  UniqueFd taken(::socket(AF_INET, SOCK_STREAM, 0));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof addr;
  ASSERT_EQ(::bind(taken.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(::listen(taken.get(), 1), 0);
  ::getsockname(taken.get(), reinterpret_cast<sockaddr*>(&addr), &length);
  NetDevice spec{.user = true};
  spec.forwards.push_back({.host_port = ntohs(addr.sin_port), .guest_port = 80});
  try {
    UserNet net(spec, false);
    FAIL() << "slirp forwarded a taken port";
  } catch (const Error& e) {
    EXPECT_EQ(e.exit_code(), exit_codes::kUsage);
    EXPECT_NE(std::string(e.what()).find(std::to_string(ntohs(addr.sin_port))), std::string::npos);
  }
}

}  // namespace
}  // namespace tailor::runner::vmm
