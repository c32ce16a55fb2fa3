// CMOS RTC registers (MC146818A datasheet): 0 sec, 2 min, 4 hour, 6 weekday,
// 7 day, 8 month, 9 year, 0x32 century; A/B/C/D status.
#include "runner/devices/cmos_rtc.h"

#include <chrono>

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
  // UTC by calendar arithmetic, not gmtime_r: glibc's first gmtime_r loads
  // the host's time zone file, a file open the confined monitor cannot make.
  using namespace std::chrono;
  const sys_seconds t{seconds{now_()}};
  const sys_days day = floor<days>(t);
  const year_month_day date{day};
  const hh_mm_ss<seconds> time{t - day};
  const int year = static_cast<int>(date.year());
  switch (index) {
    case 0x00: return bcd(static_cast<int>(time.seconds().count()));
    case 0x02: return bcd(static_cast<int>(time.minutes().count()));
    case 0x04: return bcd(static_cast<int>(time.hours().count()));
    case 0x06: return bcd(static_cast<int>(weekday{day}.c_encoding()) + 1);
    case 0x07: return bcd(static_cast<int>(static_cast<unsigned>(date.day())));
    case 0x08: return bcd(static_cast<int>(static_cast<unsigned>(date.month())));
    case 0x09: return bcd(year % 100);
    case 0x32: return bcd(year / 100);
    case 0x0a: return 0x26;  // 32.768 kHz time base, 1024 Hz rate, UIP clear
    case 0x0b: return 0x02;  // 24-hour, BCD, no interrupts
    case 0x0c: return 0x00;  // no interrupt flags
    case 0x0d: return 0x80;  // valid RAM and time
    default: return 0x00;
  }
}

}  // namespace tailor::runner::devices
