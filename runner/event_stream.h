// Decodes the guest's event-port byte stream (runner/guest_abi.h) into boot
// marks, exit statuses and clock stamps. Both backends feed it: tailor-vmm
// byte by byte from port writes, the QEMU backend from isa-debugcon's chardev.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace tailor::runner {

struct GuestEvent {
  enum class Kind { AppExec, Status, Clock } kind;
  int status = 0;           // for Status: 0..255
  char clock_tag = 0;       // for Clock: TAILOR_CLOCK_INIT, _APP_EXEC or _EXIT
  std::uint64_t tsc = 0;    // for Clock: the guest's TSC at that moment
};

class EventDecoder {
 public:
  // Feeds one byte; returns the event it completes, if any. Unknown bytes are
  // ignored (the guest may print debug text to the same port).
  std::optional<GuestEvent> feed(unsigned char byte);

 private:
  enum class State { Idle, Status, ClockTag, ClockValue } state_ = State::Idle;
  char clock_tag_ = 0;
  int clock_bytes_ = 0;  // of the 8 TSC bytes, how many have arrived
  std::uint64_t tsc_ = 0;
};

}  // namespace tailor::runner
