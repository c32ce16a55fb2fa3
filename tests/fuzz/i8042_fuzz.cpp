// libFuzzer target: the i8042 keyboard controller model
// (runner/devices/i8042.cpp): any sequence of guest accesses to the data and
// command/status ports. The input is a device_ops.h program.
#include <cstdint>

#include "runner/devices/i8042.h"
#include "tests/fuzz/device_ops.h"
#include "tests/fuzz/fuzz_support.h"

namespace {

using namespace tailor::fuzz::device_ops;
using tailor::runner::devices::I8042;

constexpr std::uint64_t kPorts = 6;  // 0x60-0x65: data, the unused ports between, status/command, one past

void fuzz_one(const std::uint8_t* data, std::size_t size) {
  tailor::fuzz::InputReader in(data, size);
  I8042 controller([] {});  // a reset ends the run in the monitor; the model itself goes on
  while (!in.empty()) {
    const auto op = static_cast<Op>(in.u8() % kOpCount);
    if (op == kRead || op == kWrite) guest_access(controller, op, in, kPorts);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  fuzz_one(data, size);
  return 0;
}
