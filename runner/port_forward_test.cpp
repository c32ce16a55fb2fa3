// User-mode networking's inputs: port forwards in QEMU's hostfwd syntax, the
// --net user option, the user network's addresses, the check that a host port
// is free before anything starts, and how the QEMU backend maps all of it.
#include <arpa/inet.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <fmt/core.h>

#include <algorithm>
#include <functional>

#include "common/error.h"
#include "runner/device_options.h"
#include "runner/net_addresses.h"
#include "runner/qemu_backend.h"
#include "runner/runner.h"
#include "common/unique_fd.h"

namespace tailor::runner {
namespace {

using ::testing::HasSubstr;

std::string usage_error(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    EXPECT_EQ(e.exit_code(), exit_codes::kUsage);
    return e.what();
  }
  ADD_FAILURE() << "no error";
  return {};
}

TEST(PortForward, ProtocolAndHostAddressAreOptional) {
  const PortForward f = parse_port_forward("8080-:80");
  EXPECT_EQ(f.protocol, PortForward::Protocol::Tcp);
  EXPECT_EQ(f.host_address, "127.0.0.1") << "loopback unless asked: a forward is not exposed by accident";
  EXPECT_EQ(f.host_port, 8080);
  EXPECT_EQ(f.guest_port, 80);
  EXPECT_EQ(parse_port_forward(":8080-:80").host_address, "127.0.0.1");
  const PortForward u = parse_port_forward("udp:0.0.0.0:5353-:53");
  EXPECT_EQ(u.protocol, PortForward::Protocol::Udp);
  EXPECT_EQ(u.host_address, "0.0.0.0");
  EXPECT_EQ(u.host_port, 5353);
  EXPECT_EQ(u.guest_port, 53);
  EXPECT_EQ(format_port_forward(parse_port_forward("tcp:127.0.0.1:6380-:6379")), "tcp:127.0.0.1:6380-:6379");
  EXPECT_EQ(parse_port_forward("tcp::65535-:1").host_port, 65535);
}

TEST(PortForward, BadFormsSayWhatIsWrong) {
  EXPECT_THAT(usage_error([] { parse_port_forward("0-:80"); }), HasSubstr("host port 0 is out of range (1..65535)"));
  EXPECT_THAT(usage_error([] { parse_port_forward("8080-:65536"); }),
              HasSubstr("guest port 65536 is out of range (1..65535)"));
  EXPECT_THAT(usage_error([] { parse_port_forward("99999-:80"); }), HasSubstr("out of range"));
  EXPECT_THAT(usage_error([] { parse_port_forward("http-:80"); }), HasSubstr("host port 'http' is not a number"));
  EXPECT_THAT(usage_error([] { parse_port_forward("8080-:"); }), HasSubstr("guest port '' is not a number"));
  EXPECT_THAT(usage_error([] { parse_port_forward("sctp:127.0.0.1:8080-:80"); }),
              HasSubstr("unknown protocol 'sctp' (tcp or udp)"));
  EXPECT_THAT(usage_error([] { parse_port_forward("localhost:8080-:80"); }),
              HasSubstr("host address 'localhost' is not an IPv4 address"));
  EXPECT_THAT(usage_error([] { parse_port_forward("tcp:127.0.0.300:8080-:80"); }), HasSubstr("not an IPv4 address"));
  EXPECT_THAT(usage_error([] { parse_port_forward("8080:80"); }), HasSubstr("no '-'"));
  EXPECT_THAT(usage_error([] { parse_port_forward("8080-10.0.2.16:80"); }), HasSubstr("guest_cidr"));
  EXPECT_THAT(usage_error([] { parse_port_forward("tcp:1.2.3.4:-1-:80"); }),
              HasSubstr("tcp:1.2.3.4:-1-:80")) << "the message quotes the forward";
}

TEST(NetOption, UserModeTakesForwardsAndAMac) {
  const NetDevice net = parse_net_option("user,hostfwd=tcp:127.0.0.1:8080-:80,hostfwd=udp::5353-:53,mac=52:54:00:00:00:02");
  EXPECT_TRUE(net.user);
  EXPECT_TRUE(net.tap.empty());
  ASSERT_EQ(net.forwards.size(), 2u);
  EXPECT_EQ(net.forwards[0].host_port, 8080);
  EXPECT_EQ(net.forwards[1].protocol, PortForward::Protocol::Udp);
  EXPECT_EQ(net.mac, "52:54:00:00:00:02");
  EXPECT_EQ(net.guest_cidr, "10.0.2.15/24") << "slirp's usual network unless the API asks otherwise";
  EXPECT_TRUE(parse_net_option("user").forwards.empty());
}

TEST(NetOption, ForwardsNeedUserModeAndBadForwardsAreUsageErrors) {
  EXPECT_THAT(usage_error([] { parse_net_option("tap0,hostfwd=tcp::8080-:80"); }), HasSubstr("need user mode"));
  EXPECT_THAT(usage_error([] { parse_net_option("user,hostfwd=tcp::0-:80"); }), HasSubstr("host port 0"));
  EXPECT_THAT(usage_error([] { parse_net_option("user,portfwd=8080"); }), HasSubstr("unknown option 'portfwd=8080'"));
}

TEST(UserNetAddresses, DefaultsAreSlirpsAndBadOnesNameTheirField) {
  const UserNetAddresses a = user_net_addresses(NetDevice{.user = true});
  EXPECT_EQ(a.network_cidr(), "10.0.2.0/24");
  EXPECT_EQ(ipv4_text(a.gateway), "10.0.2.2");
  EXPECT_EQ(ipv4_text(a.dns), "10.0.2.3");
  EXPECT_EQ(ipv4_text(a.netmask), "255.255.255.0");
  EXPECT_THAT(usage_error([] { user_net_addresses(NetDevice{.user = true, .guest_cidr = "10.0.2.15"}); }),
              HasSubstr("prefix length"));
  EXPECT_THAT(usage_error([] { user_net_addresses(NetDevice{.user = true, .gateway = "10.0.3.2"}); }),
              HasSubstr("gateway 10.0.3.2 is not a host address of 10.0.2.0/24"));
  EXPECT_THAT(usage_error([] { user_net_addresses(NetDevice{.user = true, .dns = "10.0.2.15"}); }),
              HasSubstr("three different addresses"));
  EXPECT_THAT(usage_error([] { user_net_addresses(NetDevice{.user = true, .dns = "dns"}); }),
              HasSubstr("DNS server 'dns' is not an IPv4 address"));
}

// A TCP listener on a free loopback port, as another program would hold it.
struct Listener {
  UniqueFd fd{::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)};
  std::uint16_t port = 0;
  Listener() {
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof addr;
    EXPECT_EQ(::bind(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    EXPECT_EQ(::listen(fd.get(), 1), 0);
    ::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&addr), &length);
    port = ntohs(addr.sin_port);
  }
};

TEST(ForwardPorts, ATakenHostPortIsAnErrorNamingThePortAndTheForward) {
  Listener taken;
  NetDevice net{.user = true};
  net.forwards.push_back({.host_port = taken.port, .guest_port = 80});
  const std::string message = usage_error([&] { check_forward_ports({net}); });
  EXPECT_THAT(message, HasSubstr(fmt::format("host port {} is already in use", taken.port)));
  EXPECT_THAT(message, HasSubstr(fmt::format("(forward tcp:127.0.0.1:{}-:80)", taken.port)));
}

TEST(ForwardPorts, AFreePortPassesAndStaysFree) {
  std::uint16_t port;
  {
    Listener probe;  // a port that was free a moment ago
    port = probe.port;
  }
  NetDevice net{.user = true};
  net.forwards.push_back({.host_port = port, .guest_port = 80});
  EXPECT_NO_THROW(check_forward_ports({net}));
  EXPECT_NO_THROW(check_forward_ports({net})) << "the check closes what it bound";
}

TEST(ForwardPorts, BootRefusesATakenPortBeforeLookingAtTheKernel) {
  Listener taken;
  BootSpec spec;
  spec.kernel = "/nonexistent/kernel";
  spec.nets.push_back(NetDevice{.user = true, .forwards = {{.host_port = taken.port, .guest_port = 80}}});
  EXPECT_THAT([&] { boot(spec); }, ::testing::ThrowsMessage<Error>(HasSubstr("is already in use")));
  spec.nets = {NetDevice{.tap = "tap0", .forwards = {{.host_port = 1, .guest_port = 80}}}};
  EXPECT_THAT([&] { boot(spec); }, ::testing::ThrowsMessage<Error>(HasSubstr("port forwards need user-mode")));
  spec.nets = {NetDevice{.tap = "tap0", .user = true}};
  EXPECT_THAT([&] { boot(spec); }, ::testing::ThrowsMessage<Error>(HasSubstr("not both")));
}

bool has_pair(const std::vector<std::string>& argv, const std::string& a, const std::string& b) {
  for (std::size_t i = 0; i + 1 < argv.size(); ++i)
    if (argv[i] == a && argv[i + 1] == b) return true;
  return false;
}

TEST(QemuBackend, UserNetworkingMapsAddressesAndForwardsToNetdevUser) {
  BootSpec spec;
  spec.kernel = "k";
  NetDevice net{.user = true};
  net.forwards = {parse_port_forward("tcp:127.0.0.1:8080-:80"), parse_port_forward("udp:0.0.0.0:5353-:53")};
  spec.nets = {net};
  auto argv = qemu_arguments(spec, "qemu", "tcg", "", {"c", "e", "q"});
  EXPECT_TRUE(has_pair(argv, "-netdev",
                       "user,id=net0,net=10.0.2.0/24,host=10.0.2.2,dns=10.0.2.3,dhcpstart=10.0.2.15,"
                       "hostfwd=tcp:127.0.0.1:8080-10.0.2.15:80,hostfwd=udp:0.0.0.0:5353-10.0.2.15:53"));
  EXPECT_TRUE(has_pair(argv, "-device", "virtio-net-device,netdev=net0")) << "microvm: virtio-mmio, as tailor-vmm";
  EXPECT_TRUE(has_pair(argv, "-M", "microvm,acpi=off"))
      << "microvm announces virtio-mmio devices on the kernel command line only without ACPI";
  spec.nets[0].guest_cidr = "192.168.7.20/24";
  spec.nets[0].gateway = "192.168.7.1";
  spec.nets[0].dns = "192.168.7.53";
  spec.qemu_machine = "pc";
  argv = qemu_arguments(spec, "qemu", "tcg", "", {"c", "e", "q"});
  EXPECT_TRUE(has_pair(argv, "-netdev",
                       "user,id=net0,net=192.168.7.0/24,host=192.168.7.1,dns=192.168.7.53,dhcpstart=192.168.7.20,"
                       "hostfwd=tcp:127.0.0.1:8080-192.168.7.20:80,hostfwd=udp:0.0.0.0:5353-192.168.7.20:53"));
  EXPECT_TRUE(has_pair(argv, "-device", "virtio-net-pci,netdev=net0"));
  EXPECT_TRUE(has_pair(argv, "-M", "pc"));
}

TEST(QemuBackend, TheStopChannelIsCom2OnASocketOfOurs) {
  BootSpec spec;
  spec.kernel = "k";
  const auto without = qemu_arguments(spec, "qemu", "tcg", "", {"c", "e", "q"});
  EXPECT_EQ(std::find(without.begin(), without.end(), "isa-serial,chardev=stop,iobase=0x2f8,irq=3"), without.end());
  spec.stop_channel = true;
  const auto with = qemu_arguments(spec, "qemu", "tcg", "", {"c", "e", "q", "/t/stop"});
  EXPECT_TRUE(has_pair(with, "-chardev", "socket,id=stop,path=/t/stop"));
  EXPECT_TRUE(has_pair(with, "-device", "isa-serial,chardev=stop,iobase=0x2f8,irq=3"))
      << "COM2 where Linux probes ttyS1; microvm makes only one serial port from -serial";
  std::vector<std::string> rest(with.begin(), with.begin() + static_cast<long>(without.size()));
  EXPECT_EQ(rest, without) << "the channel only adds arguments";
}

}  // namespace
}  // namespace tailor::runner
