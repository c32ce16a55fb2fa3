// The 16550 as the Linux 8250 driver drives it: probing, transmit, the
// THR-empty interrupt, receive, loopback.
#include "runner/devices/uart_16550.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace tailor::runner::devices {
namespace {

struct Harness {
  std::string out;
  std::vector<bool> irq_changes;
  Uart16550 uart{{[this](std::string_view b) { out.append(b); }, [this](bool l) { irq_changes.push_back(l); }}};

  std::uint8_t in(std::uint8_t reg) {
    std::uint8_t v = 0;
    uart.read(reg, std::span(&v, 1));
    return v;
  }
  void out_reg(std::uint8_t reg, std::uint8_t v) { uart.write(reg, std::span<const std::uint8_t>(&v, 1)); }
  bool irq() const { return !irq_changes.empty() && irq_changes.back(); }
};

using U = Uart16550;

TEST(Uart16550, TransmitsWhatIsWrittenToThr) {
  Harness h;
  for (char c : std::string("hi\n")) h.out_reg(U::kRbrThr, static_cast<std::uint8_t>(c));
  EXPECT_EQ(h.out, "hi\n");
  EXPECT_EQ(h.in(U::kLsr) & (U::kLsrThre | U::kLsrTemt), U::kLsrThre | U::kLsrTemt) << "always empty";
  EXPECT_TRUE(h.irq_changes.empty()) << "no interrupt while IER is 0";
}

TEST(Uart16550, DivisorLatchShadowsThrAndIer) {
  Harness h;
  h.out_reg(U::kLcr, U::kLcrDlab | 0x03);
  h.out_reg(U::kRbrThr, 0x01);  // DLL, not transmitted
  h.out_reg(U::kIer, 0x00);     // DLM
  EXPECT_EQ(h.in(U::kRbrThr), 0x01);
  EXPECT_EQ(h.out, "");
  h.out_reg(U::kLcr, 0x03);
  EXPECT_EQ(h.in(U::kLcr), 0x03);
  EXPECT_EQ(h.in(U::kIer), 0x00);
}

TEST(Uart16550, ScratchRegisterAndFifoIdentifyA16550A) {
  Harness h;
  h.out_reg(U::kScr, 0xa5);
  EXPECT_EQ(h.in(U::kScr), 0xa5);
  h.out_reg(U::kIirFcr, U::kFcrEnable);
  EXPECT_EQ(h.in(U::kIirFcr) & 0xc0, 0xc0) << "FIFOs enabled: 16550A";
}

TEST(Uart16550, LoopbackMirrorsModemControlIntoModemStatus) {
  Harness h;
  // What the 8250 driver's probe writes: LOOP | OUT2 | RTS, expecting CTS|DCD.
  h.out_reg(U::kMcr, U::kMcrLoop | U::kMcrOut2 | U::kMcrRts);
  EXPECT_EQ(h.in(U::kMsr) & 0xf0, 0x90);
  h.out_reg(U::kRbrThr, 'x');  // looped back, not transmitted
  EXPECT_EQ(h.out, "");
  EXPECT_TRUE(h.in(U::kLsr) & U::kLsrDr);
  EXPECT_EQ(h.in(U::kRbrThr), 'x');
}

TEST(Uart16550, ThrEmptyInterruptRaisesAndIsAcknowledgedByReadingIir) {
  Harness h;
  h.out_reg(U::kIer, U::kIerThre);  // enabling it while empty raises it
  EXPECT_TRUE(h.irq());
  EXPECT_EQ(h.in(U::kIirFcr) & 0x0f, U::kIirThre);
  EXPECT_FALSE(h.irq()) << "IIR read acknowledged it";
  EXPECT_EQ(h.in(U::kIirFcr) & 0x0f, U::kIirNone);
  h.out_reg(U::kRbrThr, 'a');  // transmitted at once: empty again, a new edge
  EXPECT_TRUE(h.irq());
  EXPECT_EQ(h.out, "a");
}

TEST(Uart16550, ReceivedDataTakesPriorityAndDrains) {
  Harness h;
  h.out_reg(U::kIer, U::kIerRda | U::kIerThre);
  (void)h.in(U::kIirFcr);  // acknowledge THRE
  EXPECT_EQ(h.uart.receive("ok"), 2u);
  EXPECT_TRUE(h.irq());
  EXPECT_EQ(h.in(U::kIirFcr) & 0x0f, U::kIirRda);
  EXPECT_EQ(h.in(U::kRbrThr), 'o');
  EXPECT_EQ(h.in(U::kRbrThr), 'k');
  EXPECT_FALSE(h.in(U::kLsr) & U::kLsrDr);
  EXPECT_FALSE(h.irq());
}

TEST(Uart16550, ReceiveFifoIsBounded) {
  Harness h;
  EXPECT_EQ(h.uart.receive(std::string(100, 'z')), U::kRxCapacity);
}

}  // namespace
}  // namespace tailor::runner::devices
