// The Intel MultiProcessor Specification 1.4 tables that tell Linux (without
// ACPI) about the vCPUs, the IOAPIC and how ISA interrupts are wired: a
// floating pointer "_MP_" followed by a configuration table "PCMP".
#pragma once

#include <cstdint>
#include <vector>

namespace tailor::runner::x86 {

struct MpTableInputs {
  std::uint64_t base_gpa = 0;      // where the bytes will live in the guest
  std::uint64_t max_bytes = 0;     // room available there
  int cpus = 1;                    // local APIC ids 0..cpus-1, vCPU 0 boots
  std::uint32_t cpu_signature = 0; // CPUID.1:EAX (family/model/stepping)
  std::uint32_t cpu_features = 0;  // CPUID.1:EDX
};

// The floating pointer and the configuration table, contiguous, with both
// checksums set. Throws Error(kUsage) when `cpus` does not fit in max_bytes or
// exceeds what xAPIC ids allow.
std::vector<std::uint8_t> build_mp_table(const MpTableInputs& in);

// MP spec constants used by the builder and its tests.
namespace mp {
inline constexpr std::uint32_t kLocalApicAddress = 0xfee00000;
inline constexpr std::uint32_t kIoApicAddress = 0xfec00000;
inline constexpr std::size_t kFloatingPointerSize = 16;
inline constexpr std::size_t kHeaderSize = 44;
inline constexpr std::size_t kProcessorEntrySize = 20;
inline constexpr std::size_t kSmallEntrySize = 8;  // bus, IOAPIC, interrupt entries
inline constexpr int kIsaIrqs = 16;
enum EntryType : std::uint8_t { kProcessor = 0, kBus = 1, kIoApic = 2, kIoInterrupt = 3, kLocalInterrupt = 4 };
}  // namespace mp

}  // namespace tailor::runner::x86
