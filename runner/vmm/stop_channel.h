// tailor-vmm's end of the stop channel (BootSpec::stop_channel,
// runner/guest_abi.h): COM2, a second 16550 whose only input is the stop
// request, and the signals that ask for it. Present only when the run asks.
#pragma once

#include <signal.h>

#include <functional>
#include <mutex>

#include "runner/devices/bus.h"
#include "runner/devices/uart_16550.h"
#include "common/unique_fd.h"

namespace tailor::runner::vmm {

class StopChannel {
 public:
  // Blocks SIGINT, SIGTERM and SIGHUP in the calling thread, so that every
  // thread started after this inherits the mask and the signals wait on
  // signal_fd(), and maps COM2 on `pio` with interrupt line `irq`.
  StopChannel(devices::Bus& pio, std::function<void(bool level)> irq);
  ~StopChannel();  // restores the signal mask
  StopChannel(const StopChannel&) = delete;
  StopChannel& operator=(const StopChannel&) = delete;

  int signal_fd() const { return signals_.get(); }
  int take_signal();     // the signal that arrived, or 0
  void request_stop();   // TAILOR_STOP_REQUEST into COM2's receive FIFO

 private:
  // COM2 as the bus sees it: the bus serializes vCPUs' accesses, and this
  // lock also keeps them apart from request_stop on the main thread.
  class LockedUart : public devices::Device {
   public:
    explicit LockedUart(devices::Uart16550::Hooks hooks) : uart_(std::move(hooks)) {}
    std::string_view name() const override { return "16550 UART (COM2, stop channel)"; }
    void read(std::uint64_t offset, std::span<std::uint8_t> data) override;
    void write(std::uint64_t offset, std::span<const std::uint8_t> data) override;
    void receive(std::string_view bytes);

   private:
    std::mutex mutex_;
    devices::Uart16550 uart_;
  };

  sigset_t set_{}, old_{};
  UniqueFd signals_;
  LockedUart com2_;
};

}  // namespace tailor::runner::vmm
