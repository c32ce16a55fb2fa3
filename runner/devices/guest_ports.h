// tailor's guest ABI ports (runner/guest_abi.h): the exit port, whose write
// ends the run with the app's status, and the event port carrying boot marks
// and the status byte. Compatible with QEMU's isa-debug-exit/isa-debugcon.
#pragma once

#include <functional>

#include "runner/devices/device.h"

namespace tailor::runner::devices {

class ExitPort : public Device {
 public:
  explicit ExitPort(std::function<void(int status)> on_exit) : on_exit_(std::move(on_exit)) {}
  std::string_view name() const override { return "exit port"; }
  void read(std::uint64_t, std::span<std::uint8_t> data) override { store_le(data, 0); }
  // Any write, of any width: the status is its low byte.
  void write(std::uint64_t, std::span<const std::uint8_t> data) override {
    on_exit_(static_cast<int>(load_le(data) & 0xff));
  }

 private:
  std::function<void(int)> on_exit_;
};

class EventPort : public Device {
 public:
  explicit EventPort(std::function<void(unsigned char)> on_byte) : on_byte_(std::move(on_byte)) {}
  std::string_view name() const override { return "event port"; }
  // Reads return the port number, as Bochs/QEMU debugcon do: a guest can
  // check that the port exists.
  void read(std::uint64_t, std::span<std::uint8_t> data) override { store_le(data, 0xe9); }
  void write(std::uint64_t, std::span<const std::uint8_t> data) override {
    for (auto b : data) on_byte_(b);
  }

 private:
  std::function<void(unsigned char)> on_byte_;
};

}  // namespace tailor::runner::devices
