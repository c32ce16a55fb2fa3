// virtio-mmio transport, virtio-blk over a temporary file, virtio-net over a
// socketpair: a driver's side written out by hand against real guest memory.
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <fstream>
#include <thread>

#include "common/error.h"
#include "common/fs.h"
#include "runner/devices/virtio_blk.h"
#include "runner/devices/virtio_mmio.h"
#include "runner/devices/virtio_net.h"

namespace tailor::runner::devices {
namespace {

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

std::filesystem::path disk_file(std::size_t bytes) {
  auto path = std::filesystem::temp_directory_path() / ("tailor-virtio-test-" + std::to_string(::getpid()));
  std::ofstream(path, std::ios::binary) << std::string(bytes, '\0');
  return path;
}

struct BlkRequest {
  std::uint32_t type;
  std::uint32_t reserved = 0;
  std::uint64_t sector;
};

TEST(VirtioMmio, IdentifiesItselfAndOffersVersion1) {
  auto path = disk_file(4096);
  Driver d(std::make_unique<VirtioBlk>(path, false));
  EXPECT_EQ(d.reg(M::kMagic), 0x74726976u);
  EXPECT_EQ(d.reg(M::kVersion), 2u);
  EXPECT_EQ(d.reg(M::kDeviceId), 2u);
  d.set(M::kDeviceFeaturesSel, 1);
  EXPECT_EQ(d.reg(M::kDeviceFeatures) & 1, 1u) << "VIRTIO_F_VERSION_1 is bit 32";
  d.set(M::kQueueSel, 0);
  EXPECT_EQ(d.reg(M::kQueueNumMax), 256u);
  std::uint8_t capacity[8];
  d.mmio->read(M::kConfig, capacity);
  EXPECT_EQ(load_le(capacity), 8u) << "4096 bytes = 8 sectors";
  std::filesystem::remove(path);
}

TEST(VirtioBlk, WritesReadsAndInterrupts) {
  auto path = disk_file(8192);
  Driver d(std::make_unique<VirtioBlk>(path, false));
  d.setup(1);
  BlkRequest out{VirtioBlk::kOut, 0, 2};
  std::memcpy(d.at(Driver::kData, 16), &out, 16);
  std::memcpy(d.at(Driver::kData + 0x100, 512), std::string(512, 'x').data(), 512);
  d.submit(0, {{Driver::kData, 16, false}, {Driver::kData + 0x100, 512, false}, {Driver::kData + 0x400, 1, true}});
  EXPECT_EQ(d.used_idx(0), 1);
  EXPECT_EQ(*d.at(Driver::kData + 0x400), VirtioBlk::kOk);
  EXPECT_EQ(read_file(path).substr(1024, 512), std::string(512, 'x'));
  ASSERT_FALSE(d.irq.empty());
  EXPECT_TRUE(d.irq.back());
  EXPECT_EQ(d.reg(M::kInterruptStatus), 1u);
  d.set(M::kInterruptAck, 1);
  EXPECT_FALSE(d.irq.back());

  BlkRequest in{VirtioBlk::kIn, 0, 2};
  std::memcpy(d.at(Driver::kData, 16), &in, 16);
  d.submit(0, {{Driver::kData, 16, false}, {Driver::kData + 0x800, 512, true}, {Driver::kData + 0x400, 1, true}});
  EXPECT_EQ(d.used_idx(0), 2);
  EXPECT_EQ(d.used_len(0, 1), 513u) << "data + status byte";
  EXPECT_EQ(std::string(reinterpret_cast<char*>(d.at(Driver::kData + 0x800, 512)), 512), std::string(512, 'x'));
  std::filesystem::remove(path);
}

TEST(VirtioBlk, RefusesWritesToReadOnlyDisksAndReadsPastTheEnd) {
  auto path = disk_file(4096);
  Driver d(std::make_unique<VirtioBlk>(path, true));
  d.set(M::kDeviceFeaturesSel, 0);
  EXPECT_TRUE(d.reg(M::kDeviceFeatures) & VirtioBlk::kFeatureReadOnly);
  d.setup(1);
  BlkRequest out{VirtioBlk::kOut, 0, 0};
  std::memcpy(d.at(Driver::kData, 16), &out, 16);
  d.submit(0, {{Driver::kData, 16, false}, {Driver::kData + 0x100, 512, false}, {Driver::kData + 0x400, 1, true}});
  EXPECT_EQ(*d.at(Driver::kData + 0x400), VirtioBlk::kIoErr);
  BlkRequest in{VirtioBlk::kIn, 0, 8};  // the disk has sectors 0..7
  std::memcpy(d.at(Driver::kData, 16), &in, 16);
  d.submit(0, {{Driver::kData, 16, false}, {Driver::kData + 0x800, 512, true}, {Driver::kData + 0x400, 1, true}});
  EXPECT_EQ(*d.at(Driver::kData + 0x400), VirtioBlk::kIoErr);
  std::filesystem::remove(path);
}

TEST(VirtioMmio, ABadGuestAddressStopsTheDeviceNotTheMonitor) {
  auto path = disk_file(4096);
  Driver d(std::make_unique<VirtioBlk>(path, false));
  d.setup(1);
  d.submit(0, {{0x7ffff000, 16, false}, {Driver::kData + 0x400, 1, true}});  // outside the 1 MiB of RAM
  EXPECT_TRUE(d.reg(M::kStatus) & M::kStatusNeedsReset);
  d.set(M::kStatus, 0);  // reset recovers
  EXPECT_EQ(d.reg(M::kStatus), 0u);
  std::filesystem::remove(path);
}

TEST(VirtioNet, TransmitsAndReceivesFrames) {
  int sv[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), 0);
  UniqueFd host(sv[1]);
  auto device = std::make_unique<VirtioNet>(UniqueFd(sv[0]), VirtioNet::mac_address("52:54:00:aa:bb:cc", ""));
  auto* net = device.get();
  Driver d(std::move(device));
  net->start(*d.mmio);
  std::uint8_t mac[6];
  for (int i = 0; i < 6; ++i) d.mmio->read(M::kConfig + i, std::span(&mac[i], 1));
  EXPECT_EQ(mac[5], 0xcc);
  d.setup(2);

  // Transmit: a 12-byte header, then the frame.
  std::memset(d.at(Driver::kData, 12), 0, 12);
  std::memcpy(d.at(Driver::kData + 12, 5), "frame", 5);
  d.submit(1, {{Driver::kData, 17, false}});
  char got[64];
  ASSERT_EQ(::read(host.get(), got, sizeof got), 5);
  EXPECT_EQ(std::string(got, 5), "frame");
  EXPECT_EQ(d.used_idx(1), 1);

  // Receive: a frame from the host lands in the posted buffer after a header.
  d.submit(0, {{Driver::kData + 0x1000, 1526, true}});
  ASSERT_EQ(::write(host.get(), "hello", 5), 5);
  for (int i = 0; i < 200 && d.used_idx(0) == 0; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  ASSERT_EQ(d.used_idx(0), 1);
  EXPECT_EQ(d.used_len(0, 0), 12u + 5u);
  EXPECT_EQ(std::string(reinterpret_cast<char*>(d.at(Driver::kData + 0x1000 + 12, 5)), 5), "hello");
  EXPECT_EQ(*d.at(Driver::kData + 0x1000 + 10), 1) << "num_buffers";
}

TEST(VirtioNet, MacAddresses) {
  EXPECT_EQ(VirtioNet::mac_address("02:00:00:00:00:01", "x")[0], 0x02);
  EXPECT_EQ(VirtioNet::mac_address("", "tap0"), VirtioNet::mac_address("", "tap0")) << "stable per TAP name";
  EXPECT_THROW(VirtioNet::mac_address("02:00:00", "x"), Error);
}

}  // namespace
}  // namespace tailor::runner::devices
