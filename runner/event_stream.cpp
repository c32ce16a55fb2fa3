// The event-port protocol: 'M' alone is the boot mark, 'S' then one byte is a status.
#include "runner/event_stream.h"

#include "runner/guest_abi.h"

namespace tailor::runner {

std::optional<GuestEvent> EventDecoder::feed(unsigned char byte) {
  if (awaiting_status_) {
    awaiting_status_ = false;
    return GuestEvent{GuestEvent::Kind::Status, byte};
  }
  if (byte == TAILOR_EVENT_APP_EXEC) return GuestEvent{GuestEvent::Kind::AppExec, 0};
  if (byte == TAILOR_EVENT_STATUS) awaiting_status_ = true;
  return std::nullopt;
}

}  // namespace tailor::runner
