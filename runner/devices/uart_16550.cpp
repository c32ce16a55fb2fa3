// 16550A register semantics (TI/National PC16550D datasheet, "Registers").
#include "runner/devices/uart_16550.h"

namespace tailor::runner::devices {

void Uart16550::read(std::uint64_t offset, std::span<std::uint8_t> data) {
  // Byte registers: a wider access reads the first register, the rest zero.
  store_le(data, offset < 8 ? read_register(static_cast<std::uint8_t>(offset)) : 0xff);
}

void Uart16550::write(std::uint64_t offset, std::span<const std::uint8_t> data) {
  if (offset < 8 && !data.empty()) write_register(static_cast<std::uint8_t>(offset), data[0]);
}

std::size_t Uart16550::receive(std::string_view bytes) {
  std::size_t n = 0;
  for (char c : bytes) {
    if (rx_.size() >= kRxCapacity) break;
    rx_.push_back(static_cast<std::uint8_t>(c));
    ++n;
  }
  update_irq();
  return n;
}

std::uint8_t Uart16550::modem_status() const {
  std::uint8_t lines;
  if (mcr_ & kMcrLoop) {
    // Loopback: the modem outputs feed the inputs (DTR->DSR, RTS->CTS,
    // OUT1->RI, OUT2->DCD); the 8250 driver probes ports this way.
    lines = ((mcr_ & kMcrDtr) ? kMsrDsr : 0) | ((mcr_ & kMcrRts) ? kMsrCts : 0) | ((mcr_ & kMcrOut1) ? kMsrRi : 0) |
            ((mcr_ & kMcrOut2) ? kMsrDcd : 0);
  } else {
    lines = kMsrDcd | kMsrDsr | kMsrCts;  // a connected terminal
  }
  return lines | msr_delta_;
}

std::uint8_t Uart16550::interrupt_id() const {
  // Priority: receiver line status (never: no errors), received data, THR
  // empty, modem status.
  if ((ier_ & kIerRda) && !rx_.empty()) return kIirRda;
  if ((ier_ & kIerThre) && thre_pending_) return kIirThre;
  if ((ier_ & kIerMsi) && msr_delta_) return kIirMsi;
  return kIirNone;
}

void Uart16550::update_irq() {
  const bool level = interrupt_id() != kIirNone;
  if (level != irq_level_) {
    irq_level_ = level;
    if (hooks_.irq) hooks_.irq(level);
  }
}

std::uint8_t Uart16550::read_register(std::uint8_t reg) {
  std::uint8_t v = 0;
  switch (reg) {
    case kRbrThr:
      if (lcr_ & kLcrDlab) {
        v = dll_;
      } else if (!rx_.empty()) {
        v = rx_.front();
        rx_.pop_front();
      }
      break;
    case kIer: v = (lcr_ & kLcrDlab) ? dlm_ : ier_; break;
    case kIirFcr: {
      const std::uint8_t id = interrupt_id();
      // Reading IIR acknowledges a THR-empty interrupt it reports.
      if (id == kIirThre) thre_pending_ = false;
      v = id | (fifo_enabled_ ? kIirFifo : 0);
      break;
    }
    case kLcr: v = lcr_; break;
    case kMcr: v = mcr_; break;
    case kLsr: v = kLsrThre | kLsrTemt | (rx_.empty() ? 0 : kLsrDr); break;
    case kMsr:
      v = modem_status();
      msr_delta_ = 0;  // reading MSR clears the delta bits
      break;
    case kScr: v = scr_; break;
  }
  update_irq();
  return v;
}

void Uart16550::write_register(std::uint8_t reg, std::uint8_t value) {
  switch (reg) {
    case kRbrThr:
      if (lcr_ & kLcrDlab) {
        dll_ = value;
      } else if (mcr_ & kMcrLoop) {
        if (rx_.size() < kRxCapacity) rx_.push_back(value);  // loopback: transmit into our own receiver
        thre_pending_ = true;
      } else {
        if (hooks_.output) hooks_.output(std::string_view(reinterpret_cast<const char*>(&value), 1));
        thre_pending_ = true;  // sent at once: the holding register is empty again
      }
      break;
    case kIer:
      if (lcr_ & kLcrDlab) {
        dlm_ = value;
      } else {
        // Enabling the THR-empty interrupt while the THR is empty raises it.
        if ((value & kIerThre) && !(ier_ & kIerThre)) thre_pending_ = true;
        ier_ = value & 0x0f;
      }
      break;
    case kIirFcr:
      fifo_enabled_ = value & kFcrEnable;
      if (value & kFcrClearRx) rx_.clear();
      break;
    case kLcr: lcr_ = value; break;
    case kMcr: {
      const std::uint8_t before = modem_status() & 0xf0;
      mcr_ = value & 0x1f;
      const std::uint8_t after = modem_status() & 0xf0;
      // Delta bits: CTS, DSR changed; RI trailing edge; DCD changed.
      const std::uint8_t changed = before ^ after;
      msr_delta_ |= ((changed & kMsrCts) ? 0x01 : 0) | ((changed & kMsrDsr) ? 0x02 : 0) |
                    (((before & kMsrRi) && !(after & kMsrRi)) ? 0x04 : 0) | ((changed & kMsrDcd) ? 0x08 : 0);
      break;
    }
    case kLsr: break;  // read-only (factory test register on some parts)
    case kMsr: break;
    case kScr: scr_ = value; break;
  }
  update_irq();
}

}  // namespace tailor::runner::devices
