// The event-port protocol: 'M' alone is the boot mark, 'S' then one byte is a
// status, 'T' then a tag byte and 8 little-endian bytes is a clock stamp.
#include "runner/event_stream.h"

#include "runner/guest_abi.h"

namespace tailor::runner {

std::optional<GuestEvent> EventDecoder::feed(unsigned char byte) {
  switch (state_) {
    case State::Status:
      state_ = State::Idle;
      return GuestEvent{GuestEvent::Kind::Status, byte};
    case State::ClockTag:
      clock_tag_ = static_cast<char>(byte);
      clock_bytes_ = 0;
      tsc_ = 0;
      state_ = State::ClockValue;
      return std::nullopt;
    case State::ClockValue:
      // The value's bytes may be any byte, 'M' and 'S' included: they are
      // never taken for events of their own.
      tsc_ |= std::uint64_t{byte} << (8 * clock_bytes_);
      if (++clock_bytes_ < 8) return std::nullopt;
      state_ = State::Idle;
      return GuestEvent{GuestEvent::Kind::Clock, 0, clock_tag_, tsc_};
    case State::Idle: break;
  }
  if (byte == TAILOR_EVENT_APP_EXEC) return GuestEvent{GuestEvent::Kind::AppExec};
  if (byte == TAILOR_EVENT_STATUS) state_ = State::Status;
  if (byte == TAILOR_EVENT_CLOCK) state_ = State::ClockTag;
  return std::nullopt;
}

}  // namespace tailor::runner
