// libFuzzer target: the virtio-mmio transport, its split virtqueues and the
// virtio-blk device behind them (runner/devices/virtio_*.cpp), driven the way
// a hostile guest can: register accesses, arbitrary guest RAM (rings,
// descriptors, request headers) and queue notifications. The input is a
// device_ops.h program; its first byte says whether the disk is read-only.
#include <cstdint>
#include <memory>
#include <string>

#include "runner/devices/virtio_blk.h"
#include "runner/devices/virtio_mmio.h"
#include "runner/vmm/guest_memory.h"
#include "tests/fuzz/device_ops.h"
#include "tests/fuzz/fuzz_support.h"

namespace {

using namespace tailor::runner;
using namespace tailor::fuzz::device_ops;
using devices::VirtioMmio;

constexpr std::uint64_t kRegisterWindow = 0x200;  // registers and the start of the config space
constexpr std::size_t kDiskBytes = 16 * 512;

void set(VirtioMmio& mmio, std::uint32_t reg, std::uint32_t value) {
  std::uint8_t b[4];
  devices::store_le(b, value);
  mmio.write(reg, b);
}

// What a driver does before using queue q (virtio 1.1 §3.1.1, §4.2.3.2).
void setup_queue(VirtioMmio& mmio, unsigned q) {
  set(mmio, VirtioMmio::kStatus, 1 | 2);  // ACKNOWLEDGE | DRIVER
  set(mmio, VirtioMmio::kDriverFeaturesSel, 1);
  set(mmio, VirtioMmio::kDriverFeatures, 1);  // VERSION_1
  set(mmio, VirtioMmio::kStatus, 1 | 2 | 8);   // FEATURES_OK
  set(mmio, VirtioMmio::kQueueSel, q);
  set(mmio, VirtioMmio::kQueueNum, kQueueSize);
  set(mmio, VirtioMmio::kQueueDescLow, static_cast<std::uint32_t>(desc_ring(q)));
  set(mmio, VirtioMmio::kQueueDriverLow, static_cast<std::uint32_t>(avail_ring(q)));
  set(mmio, VirtioMmio::kQueueDeviceLow, static_cast<std::uint32_t>(used_ring(q)));
  set(mmio, VirtioMmio::kQueueReady, 1);
  set(mmio, VirtioMmio::kStatus, 1 | 2 | 8 | VirtioMmio::kStatusDriverOk);
}

void run(tailor::fuzz::InputReader& in, VirtioMmio& mmio, vmm::GuestMemory& memory) {
  while (!in.empty()) {
    const auto op = static_cast<Op>(in.u8() % kOpCount);
    tailor::fuzz::expect_clean_errors([&] {
      switch (op) {
        case kRead:
        case kWrite: guest_access(mmio, op, in, kRegisterWindow); break;
        case kHostBytes: {
          const std::uint64_t gpa = in.u16();
          const auto bytes = in.bytes(in.u8());
          memory.write(gpa, bytes, "fuzz");
          break;
        }
        case kSetup: setup_queue(mmio, in.u8() % 2); break;
      }
    });
  }
}

void fuzz_one(const std::uint8_t* data, std::size_t size) {
  static const tailor::fuzz::Scratch scratch("virtio");
  tailor::fuzz::InputReader in(data, size);
  const bool read_only = in.u8() & 1;
  // The same disk bytes for every input: sector n is filled with n.
  std::string disk(kDiskBytes, '\0');
  for (std::size_t i = 0; i < disk.size(); ++i) disk[i] = static_cast<char>(i / 512);
  const auto file = scratch.write("disk.img", disk.data(), disk.size());
  vmm::GuestMemory memory(kGuestRam, std::uint64_t{1} << 32);
  VirtioMmio mmio(std::make_unique<devices::VirtioBlk>(file, read_only), memory, [](bool) {});
  run(in, mmio, memory);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  fuzz_one(data, size);
  return 0;
}
