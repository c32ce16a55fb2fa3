// Optional module: a virtio block device (virtio 1.1 §5.2) backed by a host
// file, served synchronously on the vCPU thread that notifies.
#pragma once

#include <filesystem>
#include <string>

#include "runner/devices/virtio_mmio.h"
#include "common/unique_fd.h"

namespace tailor::runner::devices {

class VirtioBlk : public VirtioDevice {
 public:
  // Opens `file` (read-only when asked, or when it cannot be written). Throws
  // Error(kBadImage) naming the file when it cannot be opened.
  VirtioBlk(const std::filesystem::path& file, bool read_only);

  std::string_view name() const override { return "virtio-blk"; }
  std::uint32_t device_id() const override { return 2; }
  std::uint64_t device_features() const override;
  std::uint16_t queue_count() const override { return 1; }
  void read_config(std::uint64_t offset, std::span<std::uint8_t> data) override;
  bool notify(std::uint16_t queue, std::vector<Virtqueue>& queues, vmm::GuestMemory& memory) override;

  static constexpr std::uint32_t kIn = 0, kOut = 1, kFlush = 4, kGetId = 8;
  static constexpr std::uint8_t kOk = 0, kIoErr = 1, kUnsupported = 2;
  static constexpr std::uint64_t kFeatureReadOnly = 1ull << 5, kFeatureFlush = 1ull << 9;

 private:
  std::uint8_t serve(std::vector<VirtqBuffer>& chain, std::uint32_t& written);

  UniqueFd fd_;
  bool read_only_;
  std::uint64_t sectors_ = 0;
  std::string id_;
};

}  // namespace tailor::runner::devices
