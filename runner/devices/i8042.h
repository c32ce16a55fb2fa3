// The PC keyboard controller, reduced to what a guest kernel touches: the
// reset line (command 0xfe, or output-port bit 0 cleared) ends the run; the
// self-tests and configuration byte answer at once so that a kernel with an
// i8042 driver probes without timeouts; the keyboard port holds a keyboard
// that acknowledges commands and never types. No mouse (AUX) port.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>

#include "runner/devices/device.h"

namespace tailor::runner::devices {

class I8042 : public Device {
 public:
  // Ports: data at base+0 (0x60), status/command at base+4 (0x64). Map the
  // device over [0x60, 0x65).
  explicit I8042(std::function<void()> on_reset) : on_reset_(std::move(on_reset)) {}

  std::string_view name() const override { return "i8042"; }
  void read(std::uint64_t offset, std::span<std::uint8_t> data) override;
  void write(std::uint64_t offset, std::span<const std::uint8_t> data) override;

  // Status register bits.
  static constexpr std::uint8_t kStatusOutputFull = 0x01, kStatusSystem = 0x04, kStatusCommand = 0x08;
  // Controller commands (written to 0x64).
  static constexpr std::uint8_t kCmdReadConfig = 0x20, kCmdWriteConfig = 0x60, kCmdDisableAux = 0xa7,
                                kCmdEnableAux = 0xa8, kCmdTestAux = 0xa9, kCmdSelfTest = 0xaa,
                                kCmdTestKbd = 0xab, kCmdDisableKbd = 0xad, kCmdEnableKbd = 0xae,
                                kCmdReadOutput = 0xd0, kCmdWriteOutput = 0xd1, kCmdPulseReset = 0xfe;
  // The controller has a one-byte output buffer and the keyboard behind it a
  // small FIFO (16 bytes on IBM's); replies a guest never reads are bounded by
  // this, whatever it writes.
  static constexpr std::size_t kOutputCapacity = 16;

 private:
  void command(std::uint8_t cmd);
  void data(std::uint8_t value);
  void keyboard_command(std::uint8_t cmd);

  // Queues a reply byte; when the FIFO is full the byte is lost, as a full
  // keyboard buffer loses keystrokes.
  void reply(std::uint8_t byte);

  std::function<void()> on_reset_;
  std::deque<std::uint8_t> output_;  // at most kOutputCapacity bytes
  std::uint8_t config_ = 0x45;      // kbd interrupt, system flag, translation
  std::uint8_t output_port_ = 0x01; // bit 0: reset line not asserted
  std::uint8_t pending_ = 0;        // command awaiting its data byte
  bool last_was_command_ = false;
};

}  // namespace tailor::runner::devices
