// libFuzzer target: the 16550A UART model (runner/devices/uart_16550.cpp):
// any sequence of guest register accesses (including the divisor latch,
// FIFO control and loopback) interleaved with bytes from the host. The input
// is a device_ops.h program.
#include <cstdint>
#include <string_view>

#include "runner/devices/uart_16550.h"
#include "tests/fuzz/device_ops.h"
#include "tests/fuzz/fuzz_support.h"

namespace {

using namespace tailor::fuzz::device_ops;
using tailor::runner::devices::Uart16550;

constexpr std::uint64_t kPorts = 9;  // the eight registers and one port past them

void fuzz_one(const std::uint8_t* data, std::size_t size) {
  tailor::fuzz::InputReader in(data, size);
  Uart16550 uart({.output = [](std::string_view) {}, .irq = [](bool) {}});
  while (!in.empty()) {
    switch (const auto op = static_cast<Op>(in.u8() % kOpCount)) {
      case kRead:
      case kWrite: guest_access(uart, op, in, kPorts); break;
      case kHostBytes: {
        const auto bytes = in.bytes(in.u8());
        uart.receive(std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
        break;
      }
      default: break;
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  fuzz_one(data, size);
  return 0;
}
