#include "runner/vmm/stop_channel.h"

#include <sys/signalfd.h>
#include <unistd.h>

#include "common/error.h"
#include "runner/guest_abi.h"
#include "runner/runner.h"

namespace tailor::runner::vmm {

StopChannel::StopChannel(devices::Bus& pio, std::function<void(bool level)> irq)
    // What the guest writes to COM2 goes nowhere: the protocol has the host speak only.
    : com2_(devices::Uart16550::Hooks{[](std::string_view) {}, std::move(irq)}) {
  ::sigemptyset(&set_);
  for (int sig : {SIGINT, SIGTERM, SIGHUP}) ::sigaddset(&set_, sig);
  if (::pthread_sigmask(SIG_BLOCK, &set_, &old_) != 0)
    throw Error("stop channel: cannot block signals", exit_codes::kMonitorFailed);
  signals_.reset(::signalfd(-1, &set_, SFD_CLOEXEC | SFD_NONBLOCK));
  if (!signals_) {
    ::pthread_sigmask(SIG_SETMASK, &old_, nullptr);
    throw Error(errno_message("stop channel: signalfd", errno), exit_codes::kMonitorFailed);
  }
  pio.add(TAILOR_STOP_SERIAL_PORT, 8, com2_);
}

StopChannel::~StopChannel() { ::pthread_sigmask(SIG_SETMASK, &old_, nullptr); }

int StopChannel::take_signal() {
  signalfd_siginfo info{};
  return ::read(signals_.get(), &info, sizeof info) == static_cast<ssize_t>(sizeof info)
             ? static_cast<int>(info.ssi_signo)
             : 0;
}

void StopChannel::request_stop() { com2_.receive(TAILOR_STOP_REQUEST); }

void StopChannel::LockedUart::read(std::uint64_t offset, std::span<std::uint8_t> data) {
  std::lock_guard lock(mutex_);
  uart_.read(offset, data);
}
void StopChannel::LockedUart::write(std::uint64_t offset, std::span<const std::uint8_t> data) {
  std::lock_guard lock(mutex_);
  uart_.write(offset, data);
}
void StopChannel::LockedUart::receive(std::string_view bytes) {
  std::lock_guard lock(mutex_);
  uart_.receive(bytes);
}

}  // namespace tailor::runner::vmm
