// [net] values as a manifest writes them.
#include "image-builder/service_spec.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/error.h"

namespace tailor::image {
namespace {

using ::testing::HasSubstr;

TEST(PortMapping, HostSideIsLoopbackUnlessAnAddressIsGiven) {
  PortForwardSpec f = parse_port_mapping("8080:80");
  EXPECT_EQ(f.host_address, "127.0.0.1");
  EXPECT_EQ(f.host_port, 8080);
  EXPECT_EQ(f.guest_port, 80);
  EXPECT_EQ(f.protocol, "tcp");
  EXPECT_EQ(f.describe(), "127.0.0.1:8080 -> guest :80");
  PortForwardSpec g = parse_port_mapping("0.0.0.0:5353:53/udp");
  EXPECT_EQ(g.host_address, "0.0.0.0");
  EXPECT_EQ(g.protocol, "udp");
  EXPECT_EQ(g.describe(), "0.0.0.0:5353 -> guest :53/udp");
  EXPECT_EQ(parse_port_mapping("127.0.0.1:6380:6379/tcp").guest_port, 6379);
}

TEST(PortMapping, BadFormsSayWhatIsWrong) {
  auto error = [](const char* text) {
    try {
      parse_port_mapping(text);
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_THAT(error("80"), HasSubstr("write HOST_PORT:GUEST_PORT or HOST_ADDRESS:HOST_PORT:GUEST_PORT"));
  EXPECT_THAT(error("8080:0"), HasSubstr("guest port '0' is not a port number (1-65535)"));
  EXPECT_THAT(error("65536:80"), HasSubstr("host port '65536' is not a port number"));
  EXPECT_THAT(error("-1:80"), HasSubstr("host port '-1'"));
  EXPECT_THAT(error("8080:80/sctp"), HasSubstr("protocol 'sctp' is not tcp or udp"));
  EXPECT_THAT(error("localhost:8080:80"), HasSubstr("host address 'localhost' is not an IPv4 address"));
  EXPECT_THAT(error("1.2.3.4:5:6:7"), HasSubstr("write HOST_PORT:GUEST_PORT"));
}

TEST(ServiceSpec, AddressesAndInterfaceNames) {
  EXPECT_TRUE(is_ipv4_address("10.0.2.15"));
  for (const char* bad : {"10.0.2", "10.0.2.256", "10.0.02.1", "a.b.c.d", "", "1.2.3.4.5"})
    EXPECT_FALSE(is_ipv4_address(bad)) << bad;
  EXPECT_TRUE(is_ipv4_cidr("10.0.2.15/24"));
  for (const char* bad : {"10.0.2.15", "10.0.2.15/0", "10.0.2.15/31", "10.0.2.15/x"}) EXPECT_FALSE(is_ipv4_cidr(bad)) << bad;
  EXPECT_TRUE(is_interface_name("tap0"));
  for (const char* bad : {"", ".", "..", "tap 0", "a/b", "sixteen-chars-xx", "-o"})
    EXPECT_EQ(is_interface_name(bad), std::string(bad) == "-o") << bad;
}

}  // namespace
}  // namespace tailor::image
