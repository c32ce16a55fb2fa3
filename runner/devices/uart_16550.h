// A 16550A UART (the PC's COM1 on ttyS0) as a pure register state machine:
// transmitted bytes go to an output hook, the interrupt line to an IRQ hook,
// received bytes come in through receive(). Transmission is instant, so the
// transmitter is always empty. Register names as in the 16550 datasheet.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <string_view>

#include "runner/devices/device.h"

namespace tailor::runner::devices {

class Uart16550 : public Device {
 public:
  struct Hooks {
    std::function<void(std::string_view)> output;  // bytes the guest transmitted
    std::function<void(bool level)> irq;           // interrupt line, called on every change
  };
  explicit Uart16550(Hooks hooks) : hooks_(std::move(hooks)) {}

  std::string_view name() const override { return "16550 UART"; }
  void read(std::uint64_t offset, std::span<std::uint8_t> data) override;
  void write(std::uint64_t offset, std::span<const std::uint8_t> data) override;

  // Bytes from the host to the guest (the receive FIFO holds up to kRxCapacity;
  // returns how many were accepted).
  std::size_t receive(std::string_view bytes);
  static constexpr std::size_t kRxCapacity = 64;

  // Register offsets (DLAB = LCR bit 7 selects DLL/DLM at 0/1).
  enum Reg : std::uint8_t { kRbrThr = 0, kIer = 1, kIirFcr = 2, kLcr = 3, kMcr = 4, kLsr = 5, kMsr = 6, kScr = 7 };
  // Register bits.
  static constexpr std::uint8_t kIerRda = 0x01, kIerThre = 0x02, kIerRls = 0x04, kIerMsi = 0x08;
  static constexpr std::uint8_t kIirNone = 0x01, kIirMsi = 0x00, kIirThre = 0x02, kIirRda = 0x04, kIirFifo = 0xc0;
  static constexpr std::uint8_t kLcrDlab = 0x80;
  static constexpr std::uint8_t kMcrDtr = 0x01, kMcrRts = 0x02, kMcrOut1 = 0x04, kMcrOut2 = 0x08, kMcrLoop = 0x10;
  static constexpr std::uint8_t kLsrDr = 0x01, kLsrThre = 0x20, kLsrTemt = 0x40;
  static constexpr std::uint8_t kMsrCts = 0x10, kMsrDsr = 0x20, kMsrRi = 0x40, kMsrDcd = 0x80;
  static constexpr std::uint8_t kFcrEnable = 0x01, kFcrClearRx = 0x02;

 private:
  std::uint8_t read_register(std::uint8_t reg);
  void write_register(std::uint8_t reg, std::uint8_t value);
  std::uint8_t interrupt_id() const;   // IIR without the FIFO bits
  std::uint8_t modem_status() const;
  void update_irq();

  Hooks hooks_;
  std::deque<std::uint8_t> rx_;
  std::uint8_t ier_ = 0, lcr_ = 0, mcr_ = kMcrOut2, scr_ = 0, dll_ = 0x0c, dlm_ = 0;
  std::uint8_t msr_delta_ = 0;  // MSR bits 0-3
  bool fifo_enabled_ = false;
  bool thre_pending_ = false;   // THR-empty interrupt, until IIR reports it or THR is written
  bool irq_level_ = false;
};

}  // namespace tailor::runner::devices
