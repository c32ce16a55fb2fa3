// --disk and --net values: what each form attaches, and the usage errors.
#include "runner/device_options.h"

#include <gtest/gtest.h>

#include "common/error.h"

namespace tailor::runner {
namespace {

TEST(DeviceOptions, DiskIsReadWriteUnlessSuffixedRo) {
  EXPECT_EQ(parse_disk_option("disk.img").file, "disk.img");
  EXPECT_FALSE(parse_disk_option("disk.img").read_only);
  const auto ro = parse_disk_option("/srv/data.img:ro");
  EXPECT_EQ(ro.file, "/srv/data.img");
  EXPECT_TRUE(ro.read_only);
}

TEST(DeviceOptions, DiskWithoutAFileIsAUsageError) {
  for (const char* bad : {"", ":ro"}) {
    try {
      parse_disk_option(bad);
      FAIL() << "accepted '" << bad << "'";
    } catch (const Error& e) {
      EXPECT_EQ(e.exit_code(), exit_codes::kUsage);
      EXPECT_NE(std::string(e.what()).find("--disk"), std::string::npos);
    }
  }
}

TEST(DeviceOptions, NetTakesATapAndAnOptionalMac) {
  EXPECT_EQ(parse_net_option("tap0").tap, "tap0");
  EXPECT_FALSE(parse_net_option("tap0").mac);
  const auto dev = parse_net_option("tap1,mac=52:54:00:12:34:56");
  EXPECT_EQ(dev.tap, "tap1");
  EXPECT_EQ(dev.mac, "52:54:00:12:34:56");
}

TEST(DeviceOptions, NetRejectsUnknownOptionsAndAMissingTap) {
  EXPECT_THROW(parse_net_option("tap0,queues=2"), Error);
  EXPECT_THROW(parse_net_option(",mac=52:54:00:12:34:56"), Error);
  EXPECT_THROW(parse_net_option(""), Error);
}

}  // namespace
}  // namespace tailor::runner
