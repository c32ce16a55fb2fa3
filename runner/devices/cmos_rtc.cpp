// CMOS RTC registers (MC146818A datasheet): 0 sec, 2 min, 4 hour, 6 weekday,
// 7 day, 8 month, 9 year, 0x32 century; A/B/C/D status.
#include "runner/devices/cmos_rtc.h"

namespace tailor::runner::devices {
namespace {
std::uint8_t bcd(int v) { return static_cast<std::uint8_t>(((v / 10) << 4) | (v % 10)); }
}  // namespace

void CmosRtc::read(std::uint64_t offset, std::span<std::uint8_t> data) {
  store_le(data, offset == 1 ? read_register(index_) : 0xff);
}

void CmosRtc::write(std::uint64_t offset, std::span<const std::uint8_t> data) {
  if (offset == 0 && !data.empty()) index_ = data[0] & 0x7f;  // bit 7 masks NMI
}

std::uint8_t CmosRtc::read_register(std::uint8_t index) const {
  std::time_t t = now_();
  std::tm tm{};
  ::gmtime_r(&t, &tm);
  switch (index) {
    case 0x00: return bcd(tm.tm_sec);
    case 0x02: return bcd(tm.tm_min);
    case 0x04: return bcd(tm.tm_hour);
    case 0x06: return bcd(tm.tm_wday + 1);
    case 0x07: return bcd(tm.tm_mday);
    case 0x08: return bcd(tm.tm_mon + 1);
    case 0x09: return bcd(tm.tm_year % 100);
    case 0x32: return bcd(19 + tm.tm_year / 100);
    case 0x0a: return 0x26;  // 32.768 kHz time base, 1024 Hz rate, UIP clear
    case 0x0b: return 0x02;  // 24-hour, BCD, no interrupts
    case 0x0c: return 0x00;  // no interrupt flags
    case 0x0d: return 0x80;  // valid RAM and time
    default: return 0x00;
  }
}

}  // namespace tailor::runner::devices
