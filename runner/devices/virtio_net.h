// Optional module: a virtio network device (virtio 1.1 §5.1) over a host TAP
// interface. Transmit is served on the vCPU thread that notifies; receive has
// its own thread waiting on the TAP and on the driver's buffers. No offloads:
// every frame carries a zero virtio_net_hdr.
#pragma once

#include <array>
#include <string>
#include <thread>
#include <vector>

#include "runner/devices/virtio_mmio.h"
#include "common/unique_fd.h"

namespace tailor::runner::devices {

class VirtioNet : public VirtioDevice {
 public:
  // `packets`: a TAP opened with open_tap(), or any descriptor that reads and
  // writes whole frames (tests use a SOCK_SEQPACKET socketpair).
  VirtioNet(UniqueFd packets, std::array<std::uint8_t, 6> mac);
  ~VirtioNet() override;

  // Opens TAP interface `name` (IFF_TAP | IFF_NO_PI). Throws Error(kUsage)
  // saying how to create one when that fails.
  static UniqueFd open_tap(const std::string& name);
  // Parses "52:54:00:12:34:56"; empty: a locally administered address derived
  // from `seed`. Throws Error(kUsage) on a malformed address.
  static std::array<std::uint8_t, 6> mac_address(const std::string& text, const std::string& seed);

  std::string_view name() const override { return "virtio-net"; }
  std::uint32_t device_id() const override { return 1; }
  std::uint64_t device_features() const override { return kFeatureMac; }
  std::uint16_t queue_count() const override { return 2; }  // 0 receive, 1 transmit
  void read_config(std::uint64_t offset, std::span<std::uint8_t> data) override;
  // Starts the receive thread on `transport`'s queue 0.
  void start(VirtioMmio& transport) override;
  void activate() override { wake(); }
  bool notify(std::uint16_t queue, std::vector<Virtqueue>& queues, vmm::GuestMemory& memory) override;

  static constexpr std::uint64_t kFeatureMac = 1ull << 5;
  static constexpr std::size_t kHeaderSize = 12;  // struct virtio_net_hdr with num_buffers (VERSION_1)

 private:
  void wake();
  void receive_loop(VirtioMmio& transport);

  UniqueFd packets_;
  std::array<std::uint8_t, 6> mac_;
  UniqueFd wake_, stop_;  // eventfds
  std::thread receiver_;
};

}  // namespace tailor::runner::devices
