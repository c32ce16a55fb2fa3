// Optional module: virtio over MMIO (virtio spec 1.1, §4.2 "Virtio Over MMIO",
// version 2) with split virtqueues (§2.6), and the interface a virtio device
// (block, net) implements independently of the transport.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <vector>

#include "runner/devices/device.h"
#include "runner/vmm/guest_memory.h"

namespace tailor::runner::devices {

// One buffer of a descriptor chain, already translated to host memory.
struct VirtqBuffer {
  std::span<std::uint8_t> bytes;
  bool device_writable;
};

// A split virtqueue as the driver configured it. Every guest address goes
// through GuestMemory's checked helpers; a bad one throws Error.
class Virtqueue {
 public:
  std::uint16_t max_size = 256;
  std::uint16_t size = 0;
  bool ready = false;
  std::uint64_t desc = 0, avail = 0, used = 0;  // guest-physical ring addresses

  // The next available chain (its head index and buffers), or false.
  bool pop(vmm::GuestMemory& memory, std::uint16_t& head, std::vector<VirtqBuffer>& chain);
  // Returns a chain to the driver with `written` bytes filled in.
  void push_used(vmm::GuestMemory& memory, std::uint16_t head, std::uint32_t written);
  void reset();

 private:
  std::uint16_t last_avail_ = 0;
  std::uint16_t used_idx_ = 0;
};

class VirtioMmio;

// What the transport calls on a device. Calls are serialized by the transport.
class VirtioDevice {
 public:
  virtual ~VirtioDevice() = default;
  virtual std::string_view name() const = 0;
  virtual std::uint32_t device_id() const = 0;         // 1 net, 2 block
  virtual std::uint64_t device_features() const = 0;   // device-specific bits
  virtual std::uint16_t queue_count() const = 0;
  virtual void read_config(std::uint64_t offset, std::span<std::uint8_t> data) = 0;
  // Called once by the transport that owns the device, when that transport is
  // complete. A device that serves the guest from threads of its own (net
  // receive) starts them here and stops and joins them in its destructor: the
  // transport destroys its device before the queues, interrupt line and lock
  // those threads use (see VirtioMmio's members).
  virtual void start(VirtioMmio& /*transport*/) {}
  // The driver set DRIVER_OK: the queues are usable from now on.
  virtual void activate() {}
  // The driver made buffers available on `queue` (QueueNotify). Returns true
  // when used buffers were added (the transport then interrupts).
  virtual bool notify(std::uint16_t queue, std::vector<Virtqueue>& queues, vmm::GuestMemory& memory) = 0;
  virtual void reset() {}
};

// The MMIO register window of one device (4 KiB), its queues and its
// interrupt line.
class VirtioMmio : public Device {
 public:
  VirtioMmio(std::unique_ptr<VirtioDevice> device, vmm::GuestMemory& memory,
             std::function<void(bool level)> irq);

  std::string_view name() const override { return device_->name(); }
  void read(std::uint64_t offset, std::span<std::uint8_t> data) override;
  void write(std::uint64_t offset, std::span<const std::uint8_t> data) override;

  // For devices with their own threads (net receive): run `work` under the
  // transport's lock with the queues; if it returns true, interrupt the guest.
  void with_queues(const std::function<bool(std::vector<Virtqueue>&, vmm::GuestMemory&)>& work);
  std::vector<Virtqueue>& queues() { return queues_; }
  vmm::GuestMemory& memory() { return memory_; }

  // Register offsets (§4.2.2).
  enum Reg : std::uint32_t {
    kMagic = 0x000, kVersion = 0x004, kDeviceId = 0x008, kVendorId = 0x00c, kDeviceFeatures = 0x010,
    kDeviceFeaturesSel = 0x014, kDriverFeatures = 0x020, kDriverFeaturesSel = 0x024, kQueueSel = 0x030,
    kQueueNumMax = 0x034, kQueueNum = 0x038, kQueueReady = 0x044, kQueueNotify = 0x050,
    kInterruptStatus = 0x060, kInterruptAck = 0x064, kStatus = 0x070, kQueueDescLow = 0x080,
    kQueueDescHigh = 0x084, kQueueDriverLow = 0x090, kQueueDriverHigh = 0x094, kQueueDeviceLow = 0x0a0,
    kQueueDeviceHigh = 0x0a4, kConfigGeneration = 0x0fc, kConfig = 0x100,
  };
  static constexpr std::uint64_t kFeatureVersion1 = 1ull << 32;
  static constexpr std::uint32_t kStatusDriverOk = 4, kStatusNeedsReset = 0x40;

 private:
  std::uint32_t read_register(std::uint32_t offset);
  void write_register(std::uint32_t offset, std::uint32_t value);
  void used_buffers_added();  // sets the interrupt status, raises the line
  void broken();              // NEEDS_RESET and a configuration interrupt
  void update_irq();

  std::mutex mutex_;
  vmm::GuestMemory& memory_;
  std::function<void(bool)> irq_;
  std::vector<Virtqueue> queues_;
  std::uint32_t device_features_sel_ = 0, driver_features_sel_ = 0, queue_sel_ = 0;
  std::uint64_t driver_features_ = 0;
  std::uint32_t status_ = 0, interrupt_status_ = 0;
  bool irq_level_ = false;
  // Last, so destroyed first: the device's own threads (which use everything
  // above through with_queues) are joined while all of it still exists.
  std::unique_ptr<VirtioDevice> device_;
};

}  // namespace tailor::runner::devices
