// Exit handling with fabricated kvm_run areas: no KVM needed.
#include "runner/vmm/exit_handler.h"

#include <gtest/gtest.h>

#include <cstring>
#include <vector>

#include "runner/devices/guest_ports.h"
#include "runner/devices/uart_16550.h"

namespace tailor::runner::vmm {
namespace {

// A run area the size KVM maps (a page), I/O data after the struct.
struct FakeRun {
  alignas(kvm_run) std::uint8_t page[4096]{};
  kvm_run& run() { return *reinterpret_cast<kvm_run*>(page); }
  std::uint8_t* io_data() { return page + run().io.data_offset; }

  void io(std::uint8_t direction, std::uint16_t port, std::uint8_t size, std::uint32_t count) {
    run().exit_reason = KVM_EXIT_IO;
    run().io.direction = direction;
    run().io.port = port;
    run().io.size = size;
    run().io.count = count;
    run().io.data_offset = sizeof(kvm_run);
  }
};

struct Machine {
  devices::Bus pio{"port I/O"}, mmio{"MMIO"};
  std::string console;
  devices::Uart16550 uart{{[this](std::string_view b) { console.append(b); }, [](bool) {}}};
  int status = -1;
  devices::ExitPort exit_port{[this](int s) { status = s; }};
  Machine() {
    pio.add(0x3f8, 8, uart);
    pio.add(0xf4, 4, exit_port);
  }
};

using Kind = ExitResult::Kind;

TEST(ExitHandler, PortWritesReachTheDevice) {
  Machine m;
  FakeRun f;
  f.io(KVM_EXIT_IO_OUT, 0x3f8, 1, 1);
  f.io_data()[0] = 'A';
  EXPECT_EQ(handle_exit(f.run(), sizeof f.page, m.pio, m.mmio).kind, Kind::Continue);
  EXPECT_EQ(m.console, "A");
}

TEST(ExitHandler, StringOutputIsCountAccesses) {
  Machine m;
  FakeRun f;
  f.io(KVM_EXIT_IO_OUT, 0x3f8, 1, 5);  // rep outsb
  std::memcpy(f.io_data(), "hello", 5);
  handle_exit(f.run(), sizeof f.page, m.pio, m.mmio);
  EXPECT_EQ(m.console, "hello");
}

TEST(ExitHandler, ExitPortGetsTheStatus) {
  Machine m;
  FakeRun f;
  f.io(KVM_EXIT_IO_OUT, 0xf4, 4, 1);
  f.io_data()[0] = 42;
  handle_exit(f.run(), sizeof f.page, m.pio, m.mmio);
  EXPECT_EQ(m.status, 42);
}

TEST(ExitHandler, UnclaimedPortsReadAllOnes) {
  Machine m;
  FakeRun f;
  f.io(KVM_EXIT_IO_IN, 0x2f8, 2, 1);
  EXPECT_EQ(handle_exit(f.run(), sizeof f.page, m.pio, m.mmio).kind, Kind::Continue);
  EXPECT_EQ(f.io_data()[0], 0xff);
  EXPECT_EQ(f.io_data()[1], 0xff);
}

TEST(ExitHandler, IoDataOutsideTheRunAreaIsACrashNotAnOverflow) {
  Machine m;
  FakeRun f;
  f.io(KVM_EXIT_IO_OUT, 0x3f8, 4, 2000);  // 8000 bytes: more than the page
  EXPECT_EQ(handle_exit(f.run(), sizeof f.page, m.pio, m.mmio).kind, Kind::Crashed);
  EXPECT_EQ(m.console, "");
}

TEST(ExitHandler, UnclaimedMmioReadsAllOnes) {
  Machine m;
  FakeRun f;
  f.run().exit_reason = KVM_EXIT_MMIO;
  f.run().mmio.phys_addr = 0xd0000000;
  f.run().mmio.len = 4;
  f.run().mmio.is_write = 0;
  EXPECT_EQ(handle_exit(f.run(), sizeof f.page, m.pio, m.mmio).kind, Kind::Continue);
  EXPECT_EQ(f.run().mmio.data[3], 0xff);
}

TEST(ExitHandler, ClassifiesEndings) {
  Machine m;
  FakeRun f;
  auto kind_of = [&](std::uint32_t reason) {
    f.run().exit_reason = reason;
    return handle_exit(f.run(), sizeof f.page, m.pio, m.mmio);
  };
  EXPECT_EQ(kind_of(KVM_EXIT_SHUTDOWN).kind, Kind::TripleFault);
  EXPECT_EQ(kind_of(KVM_EXIT_INTR).kind, Kind::Continue);
  EXPECT_EQ(kind_of(KVM_EXIT_HLT).kind, Kind::Halted);
  f.run().fail_entry.hardware_entry_failure_reason = 0x21;
  const ExitResult fail = kind_of(KVM_EXIT_FAIL_ENTRY);
  EXPECT_EQ(fail.kind, Kind::Crashed);
  EXPECT_NE(fail.detail.find("0x21"), std::string::npos);
  f.run().internal.suberror = KVM_INTERNAL_ERROR_EMULATION;
  EXPECT_NE(kind_of(KVM_EXIT_INTERNAL_ERROR).detail.find("emulation failed"), std::string::npos);
  f.run().system_event.type = KVM_SYSTEM_EVENT_RESET;
  EXPECT_EQ(kind_of(KVM_EXIT_SYSTEM_EVENT).kind, Kind::SystemReset);
  const ExitResult odd = kind_of(KVM_EXIT_DEBUG);
  EXPECT_EQ(odd.kind, Kind::Unhandled);
  EXPECT_NE(odd.detail.find("KVM_EXIT_DEBUG"), std::string::npos);
}

}  // namespace
}  // namespace tailor::runner::vmm
