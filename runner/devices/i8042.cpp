// i8042 command handling (IBM PC/AT technical reference, keyboard controller).
#include "runner/devices/i8042.h"

namespace tailor::runner::devices {

void I8042::read(std::uint64_t offset, std::span<std::uint8_t> out) {
  std::uint8_t v = 0xff;
  if (offset == 0) {
    v = 0;
    if (!output_.empty()) {
      v = output_.front();
      output_.pop_front();
    }
  } else if (offset == 4) {
    // Input buffer never full (we consume writes at once).
    v = kStatusSystem | (last_was_command_ ? kStatusCommand : 0) | (output_.empty() ? 0 : kStatusOutputFull);
  }
  store_le(out, v);
}

void I8042::write(std::uint64_t offset, std::span<const std::uint8_t> in) {
  if (in.empty()) return;
  if (offset == 4) {
    last_was_command_ = true;
    command(in[0]);
  } else if (offset == 0) {
    last_was_command_ = false;
    data(in[0]);
  }
}

void I8042::command(std::uint8_t cmd) {
  pending_ = 0;
  switch (cmd) {
    case kCmdReadConfig: reply(config_); break;
    case kCmdWriteConfig:
    case kCmdWriteOutput: pending_ = cmd; break;
    case kCmdTestAux: reply(0xff); break;  // no AUX port
    case kCmdSelfTest: reply(0x55); break;
    case kCmdTestKbd: reply(0x00); break;
    case kCmdDisableKbd: config_ |= 0x10; break;
    case kCmdEnableKbd: config_ &= ~0x10; break;
    case kCmdDisableAux: config_ |= 0x20; break;
    case kCmdEnableAux: break;  // there is no AUX port to enable
    case kCmdReadOutput: reply(output_port_); break;
    default:
      // 0xf0-0xff pulse output-port bits low for 6 us; bit 0 is the CPU reset.
      if ((cmd & 0xf0) == 0xf0 && !(cmd & 0x01)) on_reset_();
      break;
  }
}

void I8042::data(std::uint8_t value) {
  if (pending_ == kCmdWriteConfig) {
    config_ = value;
  } else if (pending_ == kCmdWriteOutput) {
    output_port_ = value;
    if (!(value & 0x01)) on_reset_();
  } else {
    keyboard_command(value);
  }
  pending_ = 0;
}

void I8042::keyboard_command(std::uint8_t cmd) {
  constexpr std::uint8_t kAck = 0xfa;
  reply(kAck);
  if (cmd == 0xff) reply(0xaa);  // reset: self-test passed
  if (cmd == 0xf2) {             // identify: MF2 keyboard
    reply(0xab);
    reply(0x83);
  }
}

void I8042::reply(std::uint8_t byte) {
  if (output_.size() < kOutputCapacity) output_.push_back(byte);
}

}  // namespace tailor::runner::devices
