// The MC146818 CMOS real-time clock at ports 0x70/0x71, read-only: the
// current UTC time in BCD, "update not in progress", so the guest's wall clock
// starts right and its RTC reads never spin. Alarms, periodic interrupts and
// NVRAM writes are ignored.
#pragma once

#include <cstdint>
#include <ctime>
#include <functional>

#include "runner/devices/device.h"

namespace tailor::runner::devices {

class CmosRtc : public Device {
 public:
  // `now` supplies the time (tests pass a fixed one).
  explicit CmosRtc(std::function<std::time_t()> now = [] { return std::time(nullptr); }) : now_(std::move(now)) {}
  std::string_view name() const override { return "CMOS RTC"; }
  void read(std::uint64_t offset, std::span<std::uint8_t> data) override;
  void write(std::uint64_t offset, std::span<const std::uint8_t> data) override;

 private:
  std::uint8_t read_register(std::uint8_t index) const;
  std::function<std::time_t()> now_;
  std::uint8_t index_ = 0;
};

}  // namespace tailor::runner::devices
