// The bus, i8042, CMOS RTC and the guest-ABI ports.
#include <gtest/gtest.h>

#include <vector>

#include "common/error.h"
#include "runner/devices/bus.h"
#include "runner/devices/cmos_rtc.h"
#include "runner/devices/guest_ports.h"
#include "runner/devices/i8042.h"

namespace tailor::runner::devices {
namespace {

// Remembers the offsets and values it sees.
class Recorder : public Device {
 public:
  std::string_view name() const override { return "recorder"; }
  void read(std::uint64_t offset, std::span<std::uint8_t> data) override { store_le(data, 0x1000 + offset); }
  void write(std::uint64_t offset, std::span<const std::uint8_t> data) override {
    writes.push_back({offset, load_le(data)});
  }
  std::vector<std::pair<std::uint64_t, std::uint64_t>> writes;
};

std::uint8_t in8(Device& d, std::uint64_t offset) {
  std::uint8_t v = 0;
  d.read(offset, std::span(&v, 1));
  return v;
}
void out8(Device& d, std::uint64_t offset, std::uint8_t v) { d.write(offset, std::span<const std::uint8_t>(&v, 1)); }

TEST(Bus, DispatchesOffsetsWithinTheDevicesRange) {
  Bus bus("test");
  Recorder r;
  bus.add(0x3f8, 8, r);
  std::uint8_t v[2] = {0x34, 0x12};
  EXPECT_TRUE(bus.write(0x3fa, v));
  ASSERT_EQ(r.writes.size(), 1u);
  EXPECT_EQ(r.writes[0], std::make_pair(std::uint64_t{2}, std::uint64_t{0x1234}));
  std::uint8_t got[2];
  EXPECT_TRUE(bus.read(0x3ff, std::span(got, 1)));
  EXPECT_EQ(got[0], 0x07);  // 0x1000 + 7, low byte
  EXPECT_FALSE(bus.read(0x3f7, std::span(got, 1))) << "below the range";
  EXPECT_FALSE(bus.read(0x400, std::span(got, 1))) << "above the range";
  EXPECT_FALSE(bus.read(0x3ff, std::span(got, 2))) << "straddles the end";
}

TEST(Bus, RefusesOverlaps) {
  Bus bus("test");
  Recorder a, b;
  bus.add(0x60, 5, a);
  EXPECT_THROW(bus.add(0x64, 1, b), Error);
  EXPECT_THROW(bus.add(0x5f, 2, b), Error);
  EXPECT_THROW(bus.add(0x10, 0, b), Error);
  EXPECT_NO_THROW(bus.add(0x65, 1, b));
  EXPECT_NO_THROW(bus.add(0x5f, 1, b));
}

TEST(I8042, PulsingTheResetLineResets) {
  int resets = 0;
  I8042 kbc([&] { ++resets; });
  EXPECT_EQ(in8(kbc, 4) & 0x02, 0) << "input buffer never full";
  out8(kbc, 4, I8042::kCmdPulseReset);
  EXPECT_EQ(resets, 1);
  out8(kbc, 4, I8042::kCmdWriteOutput);  // output port bit 0 low: reset
  out8(kbc, 0, 0xfe);
  EXPECT_EQ(resets, 2);
}

TEST(I8042, SelfTestAndConfigurationByteAnswerAtOnce) {
  I8042 kbc([] {});
  out8(kbc, 4, I8042::kCmdSelfTest);
  EXPECT_TRUE(in8(kbc, 4) & I8042::kStatusOutputFull);
  EXPECT_EQ(in8(kbc, 0), 0x55);
  EXPECT_FALSE(in8(kbc, 4) & I8042::kStatusOutputFull);
  out8(kbc, 4, I8042::kCmdWriteConfig);
  out8(kbc, 0, 0x47);
  out8(kbc, 4, I8042::kCmdReadConfig);
  EXPECT_EQ(in8(kbc, 0), 0x47);
  out8(kbc, 4, I8042::kCmdTestAux);
  EXPECT_EQ(in8(kbc, 0), 0xff) << "no AUX port";
}

TEST(I8042, KeyboardAcknowledgesResetAndIdentify) {
  I8042 kbc([] {});
  out8(kbc, 0, 0xff);
  EXPECT_EQ(in8(kbc, 0), 0xfa);
  EXPECT_EQ(in8(kbc, 0), 0xaa);
  out8(kbc, 0, 0xf2);
  EXPECT_EQ(in8(kbc, 0), 0xfa);
  EXPECT_EQ(in8(kbc, 0), 0xab);
  EXPECT_EQ(in8(kbc, 0), 0x83);
}

// Issue 13: a guest that sends controller and keyboard commands in a loop and
// never reads the replies grew the monitor without bound (90 MB seen).
TEST(I8042, RepliesNobodyReadsStayInASmallFifo) {
  I8042 kbc([] {});
  for (int i = 0; i < 1'000'000; ++i) out8(kbc, 4, I8042::kCmdReadConfig);
  for (int i = 0; i < 100'000; ++i) out8(kbc, 0, 0xf2);  // keyboard identify: 3 reply bytes each
  std::size_t queued = 0;
  while ((in8(kbc, 4) & I8042::kStatusOutputFull) && queued <= 1000) {
    EXPECT_EQ(in8(kbc, 0), 0x45) << "the oldest replies are kept: configuration bytes";
    ++queued;
  }
  EXPECT_EQ(queued, I8042::kOutputCapacity);
  out8(kbc, 4, I8042::kCmdSelfTest);  // drained, it answers again
  EXPECT_EQ(in8(kbc, 0), 0x55);
  EXPECT_FALSE(in8(kbc, 4) & I8042::kStatusOutputFull);
}

TEST(CmosRtc, ReadsTheTimeInBcdWithUpdateNotInProgress) {
  CmosRtc rtc([] { return std::time_t{1764081296}; });  // 2025-11-25 14:34:56 UTC, a Tuesday
  auto reg = [&](std::uint8_t i) {
    out8(rtc, 0, i);
    return in8(rtc, 1);
  };
  EXPECT_EQ(reg(0x00), 0x56);
  EXPECT_EQ(reg(0x02), 0x34);
  EXPECT_EQ(reg(0x04), 0x14);
  EXPECT_EQ(reg(0x07), 0x25);
  EXPECT_EQ(reg(0x08), 0x11);
  EXPECT_EQ(reg(0x09), 0x25);
  EXPECT_EQ(reg(0x32), 0x20);
  EXPECT_EQ(reg(0x0a) & 0x80, 0) << "UIP clear";
  EXPECT_EQ(reg(0x06), 0x03) << "weekday: Sunday is 1";
  EXPECT_EQ(reg(0x80 | 0x02), 0x34) << "bit 7 of the index masks NMI, not the register";
}

TEST(GuestPorts, ExitPortReportsTheLowByteAndEventPortEveryByte) {
  int status = -1;
  ExitPort exit_port([&](int s) { status = s; });
  std::uint8_t wide[4] = {0x2a, 0x01, 0, 0};
  exit_port.write(0, wide);
  EXPECT_EQ(status, 42);
  std::vector<unsigned char> events;
  EventPort event_port([&](unsigned char b) { events.push_back(b); });
  out8(event_port, 0, 'M');
  EXPECT_EQ(events, std::vector<unsigned char>{'M'});
  EXPECT_EQ(in8(event_port, 0), 0xe9) << "debugcon read-back";
}

}  // namespace
}  // namespace tailor::runner::devices
