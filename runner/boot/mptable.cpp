// MP table builder (MultiProcessor Specification 1.4, chapter 4).
#include "runner/boot/mptable.h"

#include <cstring>
#include <fmt/core.h>
#include <string_view>

#include "common/error.h"
#include "runner/runner.h"

namespace tailor::runner::x86 {
namespace {

using namespace mp;

class Writer {
 public:
  explicit Writer(std::vector<std::uint8_t>& out) : out_(out) {}
  void u8(std::uint8_t v) { out_.push_back(v); }
  void u16(std::uint16_t v) { raw(&v, 2); }
  void u32(std::uint32_t v) { raw(&v, 4); }
  void text(std::string_view s, std::size_t width) {  // space-padded, as the spec's ID strings
    for (std::size_t i = 0; i < width; ++i) u8(i < s.size() ? static_cast<std::uint8_t>(s[i]) : ' ');
  }
  void zeros(std::size_t n) { out_.insert(out_.end(), n, 0); }

 private:
  void raw(const void* p, std::size_t n) {
    auto b = static_cast<const std::uint8_t*>(p);
    out_.insert(out_.end(), b, b + n);
  }
  std::vector<std::uint8_t>& out_;
};

// The spec's checksum: the byte that makes the region's bytes sum to 0.
std::uint8_t checksum(const std::uint8_t* p, std::size_t n) {
  std::uint8_t sum = 0;
  for (std::size_t i = 0; i < n; ++i) sum = static_cast<std::uint8_t>(sum + p[i]);
  return static_cast<std::uint8_t>(-sum);
}

constexpr std::uint8_t kApicVersion = 0x14;    // integrated local APIC
constexpr std::uint8_t kIoApicVersion = 0x11;  // KVM's IOAPIC
constexpr std::uint8_t kCpuEnabled = 1, kCpuBootProcessor = 2;
constexpr std::uint8_t kIntVectored = 0, kIntNmi = 1, kIntExtInt = 3;

}  // namespace

std::vector<std::uint8_t> build_mp_table(const MpTableInputs& in) {
  // The IOAPIC takes the id after the last CPU; ids are 8 bits, 0xff is broadcast.
  if (in.cpus < 1 || in.cpus > 254)
    throw Error(fmt::format("MP table: {} vCPUs cannot be described (1..254)", in.cpus), exit_codes::kUsage);
  const std::size_t entries_bytes =
      in.cpus * kProcessorEntrySize + kSmallEntrySize * (1 + 1 + kIsaIrqs + 2);
  const std::size_t total = kFloatingPointerSize + kHeaderSize + entries_bytes;
  if (total > in.max_bytes)
    throw Error(fmt::format("MP table: {} vCPUs need {} bytes, only {} are reserved", in.cpus, total, in.max_bytes),
                exit_codes::kUsage);

  std::vector<std::uint8_t> out;
  out.reserve(total);
  Writer w(out);
  const std::uint32_t table_gpa = static_cast<std::uint32_t>(in.base_gpa + kFloatingPointerSize);
  const std::uint8_t ioapic_id = static_cast<std::uint8_t>(in.cpus);

  // Floating pointer structure (spec 4.1).
  w.text("_MP_", 4);
  w.u32(table_gpa);
  w.u8(1);  // length in 16-byte units
  w.u8(4);  // spec revision 1.4
  w.u8(0);  // checksum, below
  w.zeros(5);  // feature bytes: 0 = a configuration table is present

  // Configuration table header (spec 4.2).
  const std::size_t header_at = out.size();
  w.text("PCMP", 4);
  w.u16(0);  // base table length, below
  w.u8(4);
  w.u8(0);  // checksum, below
  w.text("TAILOR", 8);
  w.text("TAILOR-VMM", 12);
  w.u32(0);  // OEM table pointer
  w.u16(0);  // OEM table size
  w.u16(static_cast<std::uint16_t>(in.cpus + 1 + 1 + kIsaIrqs + 2));  // entry count
  w.u32(kLocalApicAddress);
  w.u16(0);  // extended table length
  w.u8(0);   // extended table checksum
  w.u8(0);

  for (int cpu = 0; cpu < in.cpus; ++cpu) {  // spec 4.3.1
    w.u8(kProcessor);
    w.u8(static_cast<std::uint8_t>(cpu));  // local APIC id = KVM vCPU id
    w.u8(kApicVersion);
    w.u8(kCpuEnabled | (cpu == 0 ? kCpuBootProcessor : 0));
    w.u32(in.cpu_signature);
    w.u32(in.cpu_features);
    w.zeros(8);
  }
  w.u8(kBus);  // spec 4.3.2: one ISA bus, id 0
  w.u8(0);
  w.text("ISA", 6);
  w.u8(kIoApic);  // spec 4.3.3
  w.u8(ioapic_id);
  w.u8(kIoApicVersion);
  w.u8(1);  // enabled
  w.u32(kIoApicAddress);
  // ISA IRQ n -> IOAPIC pin n, which is how KVM's default GSI routing wires
  // the in-kernel PIT (GSI 0) and our devices. Edge, active high (bus default).
  for (int irq = 0; irq < kIsaIrqs; ++irq) {  // spec 4.3.4
    w.u8(kIoInterrupt);
    w.u8(kIntVectored);
    w.u16(0);  // polarity/trigger: conforms to the bus
    w.u8(0);   // source bus
    w.u8(static_cast<std::uint8_t>(irq));
    w.u8(ioapic_id);
    w.u8(static_cast<std::uint8_t>(irq));
  }
  // Local interrupts (spec 4.3.5): LINT0 is the PIC's ExtINT, LINT1 the NMI,
  // on every local APIC (destination 0xff).
  for (auto [type, lint] : {std::pair{kIntExtInt, 0}, std::pair{kIntNmi, 1}}) {
    w.u8(kLocalInterrupt);
    w.u8(type);
    w.u16(0);
    w.u8(0);  // source bus
    w.u8(0);  // source bus irq
    w.u8(0xff);
    w.u8(static_cast<std::uint8_t>(lint));
  }

  const std::uint16_t table_length = static_cast<std::uint16_t>(out.size() - header_at);
  std::memcpy(out.data() + header_at + 4, &table_length, 2);
  out[header_at + 7] = checksum(out.data() + header_at, table_length);
  out[10] = checksum(out.data(), kFloatingPointerSize);
  return out;
}

}  // namespace tailor::runner::x86
