// virtio-mmio transport and split virtqueues (virtio 1.1 §2.6, §4.2).
#include "runner/devices/virtio_mmio.h"

#include <atomic>
#include <cstring>
#include <fmt/core.h>

#include "common/error.h"

namespace tailor::runner::devices {
namespace {

constexpr std::uint16_t kDescNext = 1, kDescWrite = 2;

struct Desc {
  std::uint64_t addr;
  std::uint32_t len;
  std::uint16_t flags;
  std::uint16_t next;
};

template <typename T>
T load(vmm::GuestMemory& m, std::uint64_t gpa) {
  T v;
  std::memcpy(&v, m.span(gpa, sizeof v, "virtqueue").data(), sizeof v);
  return v;
}
template <typename T>
void store(vmm::GuestMemory& m, std::uint64_t gpa, T v) {
  std::memcpy(m.span(gpa, sizeof v, "virtqueue").data(), &v, sizeof v);
}

}  // namespace

bool Virtqueue::pop(vmm::GuestMemory& m, std::uint16_t& head, std::vector<VirtqBuffer>& chain) {
  chain.clear();
  if (!ready || size == 0) return false;
  const auto avail_idx = load<std::uint16_t>(m, avail + 2);
  if (avail_idx == last_avail_) return false;
  // At most `size` chains can be outstanding: an index further ahead is a
  // broken driver, and following it would serve stale ring entries again.
  if (static_cast<std::uint16_t>(avail_idx - last_avail_) > size)
    throw Error(
        fmt::format("virtqueue: the driver moved the available index from {} to {}, more than the queue size {}",
                    last_avail_, avail_idx, size));
  std::atomic_thread_fence(std::memory_order_acquire);  // ring entry after index
  head = load<std::uint16_t>(m, avail + 4 + 2ull * (last_avail_ % size));
  ++last_avail_;
  std::uint16_t i = head;
  for (std::uint16_t n = 0; n < size; ++n) {  // a chain longer than the ring is a loop
    if (i >= size) throw Error("virtqueue: descriptor index out of range");
    const Desc d = load<Desc>(m, desc + 16ull * i);
    chain.push_back({m.span(d.addr, d.len, "virtqueue buffer"), (d.flags & kDescWrite) != 0});
    if (!(d.flags & kDescNext)) return true;
    i = d.next;
  }
  throw Error("virtqueue: descriptor chain loops");
}

void Virtqueue::push_used(vmm::GuestMemory& m, std::uint16_t head, std::uint32_t written) {
  const std::uint64_t slot = used + 4 + 8ull * (used_idx_ % size);
  store<std::uint32_t>(m, slot, head);
  store<std::uint32_t>(m, slot + 4, written);
  std::atomic_thread_fence(std::memory_order_release);  // entry before index
  store<std::uint16_t>(m, used + 2, ++used_idx_);
}

void Virtqueue::reset() {
  *this = Virtqueue{};
}

VirtioMmio::VirtioMmio(std::unique_ptr<VirtioDevice> device, vmm::GuestMemory& memory, std::function<void(bool)> irq)
    : memory_(memory), irq_(std::move(irq)), queues_(device->queue_count()), device_(std::move(device)) {
  device_->start(*this);
}

void VirtioMmio::read(std::uint64_t offset, std::span<std::uint8_t> data) {
  std::lock_guard lock(mutex_);
  if (offset >= kConfig) {
    device_->read_config(offset - kConfig, data);
  } else {
    store_le(data, data.size() == 4 ? read_register(static_cast<std::uint32_t>(offset)) : 0);
  }
}

void VirtioMmio::write(std::uint64_t offset, std::span<const std::uint8_t> data) {
  std::lock_guard lock(mutex_);
  if (offset < kConfig && data.size() == 4)
    write_register(static_cast<std::uint32_t>(offset), static_cast<std::uint32_t>(load_le(data)));
}

std::uint32_t VirtioMmio::read_register(std::uint32_t offset) {
  Virtqueue* q = queue_sel_ < queues_.size() ? &queues_[queue_sel_] : nullptr;
  const std::uint64_t features = device_->device_features() | kFeatureVersion1;
  switch (offset) {
    case kMagic: return 0x74726976;  // "virt"
    case kVersion: return 2;
    case kDeviceId: return device_->device_id();
    case kVendorId: return 0x524c4954;  // "TILR"
    case kDeviceFeatures:
      return device_features_sel_ < 2 ? static_cast<std::uint32_t>(features >> (32 * device_features_sel_)) : 0;
    case kQueueNumMax: return q ? q->max_size : 0;
    case kQueueReady: return q && q->ready;
    case kInterruptStatus: return interrupt_status_;
    case kStatus: return status_;
    case kConfigGeneration: return 0;
    default: return 0;
  }
}

void VirtioMmio::write_register(std::uint32_t offset, std::uint32_t v) {
  Virtqueue* q = queue_sel_ < queues_.size() ? &queues_[queue_sel_] : nullptr;
  auto set_low = [](std::uint64_t& field, std::uint32_t v) { field = (field & ~0xffffffffull) | v; };
  auto set_high = [](std::uint64_t& field, std::uint32_t v) {
    field = (field & 0xffffffffull) | (std::uint64_t{v} << 32);
  };
  switch (offset) {
    case kDeviceFeaturesSel: device_features_sel_ = v; break;
    case kDriverFeaturesSel: driver_features_sel_ = v; break;
    case kDriverFeatures:
      if (driver_features_sel_ < 2)
        driver_features_ = (driver_features_ & ~(0xffffffffull << (32 * driver_features_sel_))) |
                           (std::uint64_t{v} << (32 * driver_features_sel_));
      break;
    case kQueueSel: queue_sel_ = v; break;
    case kQueueNum:
      if (q && v <= q->max_size && v && !(v & (v - 1))) q->size = static_cast<std::uint16_t>(v);
      break;
    case kQueueReady:
      if (q) q->ready = v & 1;
      break;
    case kQueueDescLow: if (q) set_low(q->desc, v); break;
    case kQueueDescHigh: if (q) set_high(q->desc, v); break;
    case kQueueDriverLow: if (q) set_low(q->avail, v); break;
    case kQueueDriverHigh: if (q) set_high(q->avail, v); break;
    case kQueueDeviceLow: if (q) set_low(q->used, v); break;
    case kQueueDeviceHigh: if (q) set_high(q->used, v); break;
    case kQueueNotify:
      if (v < queues_.size() && (status_ & kStatusDriverOk) && !(status_ & kStatusNeedsReset)) {
        try {
          if (device_->notify(static_cast<std::uint16_t>(v), queues_, memory_)) used_buffers_added();
        } catch (const Error&) {
          broken();
        }
      }
      break;
    case kInterruptAck:
      interrupt_status_ &= ~v;
      update_irq();
      break;
    case kStatus:
      if (v == 0) {  // reset
        device_->reset();
        for (auto& queue : queues_) queue.reset();
        status_ = interrupt_status_ = 0;
        driver_features_ = 0;
        update_irq();
      } else {
        const bool activating = (v & kStatusDriverOk) && !(status_ & kStatusDriverOk);
        // NEEDS_RESET is the device's bit: the driver can neither set nor
        // clear it; only a reset does (virtio 1.1 §2.1.1, §2.1.2).
        status_ = (v & ~kStatusNeedsReset) | (status_ & kStatusNeedsReset);
        if (activating) device_->activate();
      }
      break;
    default: break;
  }
}

void VirtioMmio::used_buffers_added() {
  // Always interrupt: VRING_AVAIL_F_NO_INTERRUPT is only a hint (§2.6.7).
  interrupt_status_ |= 1;
  update_irq();
}

void VirtioMmio::update_irq() {
  const bool level = interrupt_status_ != 0;
  if (level != irq_level_) {
    irq_level_ = level;
    irq_(level);
  }
}

void VirtioMmio::with_queues(const std::function<bool(std::vector<Virtqueue>&, vmm::GuestMemory&)>& work) {
  std::lock_guard lock(mutex_);
  if (!(status_ & kStatusDriverOk) || (status_ & kStatusNeedsReset)) return;
  try {
    if (work(queues_, memory_)) used_buffers_added();
  } catch (const Error&) {
    broken();
  }
}

void VirtioMmio::broken() {
  // A bad guest address or index in a ring: the device stops until the
  // driver resets it (§2.1.2), and tells it so.
  status_ |= kStatusNeedsReset;
  interrupt_status_ |= 2;  // configuration change: the driver looks at the status
  update_irq();
}

}  // namespace tailor::runner::devices
