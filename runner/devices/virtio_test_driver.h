// The driver's side of a virtio-mmio device, written out by hand for tests:
// registers through the transport, rings in real guest memory.
#pragma once

#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <tuple>
#include <unistd.h>
#include <vector>

#include "runner/devices/virtio_mmio.h"

namespace tailor::runner::devices::virtio_driver {

using M = VirtioMmio;

// The driver side: registers through the transport, rings in guest memory.
struct Driver {
  vmm::GuestMemory memory{1 << 20, 1ull << 32};
  std::vector<bool> irq;
  std::unique_ptr<VirtioMmio> mmio;
  static constexpr std::uint64_t kDesc = 0x1000, kAvail = 0x2000, kUsed = 0x3000, kData = 0x10000;
  std::uint16_t avail_idx[2] = {0, 0};
  std::uint16_t next_desc = 0;

  explicit Driver(std::unique_ptr<VirtioDevice> device) {
    mmio = std::make_unique<VirtioMmio>(std::move(device), memory, [this](bool l) { irq.push_back(l); });
  }
  std::uint32_t reg(std::uint32_t offset) {
    std::uint8_t b[4];
    mmio->read(offset, b);
    return static_cast<std::uint32_t>(load_le(b));
  }
  void set(std::uint32_t offset, std::uint32_t v) {
    std::uint8_t b[4];
    store_le(b, v);
    mmio->write(offset, b);
  }
  // Queue q's rings live at kDesc/kAvail/kUsed + q * 0x400.
  void setup(int queues) {
    set(M::kStatus, 1 | 2);  // ACKNOWLEDGE | DRIVER
    set(M::kDriverFeaturesSel, 1);
    set(M::kDriverFeatures, 1);  // VERSION_1
    for (int q = 0; q < queues; ++q) {
      set(M::kQueueSel, q);
      set(M::kQueueNum, 8);
      set(M::kQueueDescLow, static_cast<std::uint32_t>(kDesc + q * 0x400));
      set(M::kQueueDriverLow, static_cast<std::uint32_t>(kAvail + q * 0x400));
      set(M::kQueueDeviceLow, static_cast<std::uint32_t>(kUsed + q * 0x400));
      set(M::kQueueReady, 1);
    }
    set(M::kStatus, 1 | 2 | 8 | M::kStatusDriverOk);
  }
  std::uint8_t* at(std::uint64_t gpa, std::size_t n = 1) { return memory.span(gpa, n, "test").data(); }
  // Adds a chain of (gpa, len, writable) buffers to queue q and notifies.
  void submit(int q, std::vector<std::tuple<std::uint64_t, std::uint32_t, bool>> buffers, bool kick = true) {
    const std::uint64_t desc = kDesc + q * 0x400;
    const std::uint16_t head = next_desc;
    for (std::size_t i = 0; i < buffers.size(); ++i) {
      auto [addr, len, writable] = buffers[i];
      const std::uint16_t flags = (i + 1 < buffers.size() ? 1 : 0) | (writable ? 2 : 0);
      const std::uint16_t index = static_cast<std::uint16_t>(next_desc++ % 8);
      std::uint8_t* d = at(desc + 16 * index, 16);
      std::memcpy(d, &addr, 8);
      std::memcpy(d + 8, &len, 4);
      std::memcpy(d + 12, &flags, 2);
      const std::uint16_t next = static_cast<std::uint16_t>(next_desc % 8);
      std::memcpy(d + 14, &next, 2);
    }
    const std::uint64_t avail = kAvail + q * 0x400;
    const std::uint16_t h = static_cast<std::uint16_t>(head % 8);
    std::memcpy(at(avail + 4 + 2 * (avail_idx[q] % 8), 2), &h, 2);
    ++avail_idx[q];
    std::memcpy(at(avail + 2, 2), &avail_idx[q], 2);
    if (kick) set(M::kQueueNotify, q);
  }
  std::uint16_t used_idx(int q) {
    std::uint16_t v;
    std::memcpy(&v, at(kUsed + q * 0x400 + 2, 2), 2);
    return v;
  }
  std::uint32_t used_len(int q, int slot) {
    std::uint32_t v;
    std::memcpy(&v, at(kUsed + q * 0x400 + 4 + 8 * slot + 4, 4), 4);
    return v;
  }
};

inline std::filesystem::path disk_file(std::size_t bytes) {
  auto path = std::filesystem::temp_directory_path() / ("tailor-virtio-test-" + std::to_string(::getpid()));
  std::ofstream(path, std::ios::binary) << std::string(bytes, '\0');
  return path;
}

struct BlkRequest {
  std::uint32_t type;
  std::uint32_t reserved = 0;
  std::uint64_t sector;
};

}  // namespace tailor::runner::devices::virtio_driver
