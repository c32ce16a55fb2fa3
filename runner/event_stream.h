// Decodes the guest's event-port byte stream (runner/guest_abi.h) into boot
// marks and exit statuses. Both backends feed it: tailor-vmm byte by byte from
// port writes, the QEMU backend from isa-debugcon's chardev.
#pragma once

#include <optional>
#include <string_view>

namespace tailor::runner {

struct GuestEvent {
  enum class Kind { AppExec, Status } kind;
  int status = 0;  // for Status: 0..255
};

class EventDecoder {
 public:
  // Feeds one byte; returns the event it completes, if any. Unknown bytes are
  // ignored (the guest may print debug text to the same port).
  std::optional<GuestEvent> feed(unsigned char byte);

 private:
  bool awaiting_status_ = false;
};

}  // namespace tailor::runner
