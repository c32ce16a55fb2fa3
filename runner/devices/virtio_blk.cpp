// virtio-blk requests: header (type, sector), data buffers, status byte.
#include "runner/devices/virtio_blk.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>

#include "common/error.h"
#include "runner/runner.h"

namespace tailor::runner::devices {

VirtioBlk::VirtioBlk(const std::filesystem::path& file, bool read_only) : read_only_(read_only) {
  fd_.reset(::open(file.c_str(), (read_only ? O_RDONLY : O_RDWR) | O_CLOEXEC));
  if (!fd_) throw Error(errno_message("disk " + file.string(), errno), exit_codes::kBadImage);
  struct stat st {};
  if (::fstat(fd_.get(), &st) != 0 || !S_ISREG(st.st_mode))
    throw Error("disk " + file.string() + ": not a regular file", exit_codes::kBadImage);
  sectors_ = static_cast<std::uint64_t>(st.st_size) / 512;
  id_ = file.filename().string().substr(0, 20);  // VIRTIO_BLK_ID_BYTES
}

std::uint64_t VirtioBlk::device_features() const { return kFeatureFlush | (read_only_ ? kFeatureReadOnly : 0); }

void VirtioBlk::read_config(std::uint64_t offset, std::span<std::uint8_t> data) {
  // struct virtio_blk_config: capacity (512-byte sectors) first; the rest 0.
  std::uint8_t config[8];
  std::memcpy(config, &sectors_, 8);
  for (std::size_t i = 0; i < data.size(); ++i) data[i] = offset + i < 8 ? config[offset + i] : 0;
}

bool VirtioBlk::notify(std::uint16_t queue, std::vector<Virtqueue>& queues, vmm::GuestMemory& memory) {
  if (queue != 0) return false;
  Virtqueue& q = queues[0];
  std::vector<VirtqBuffer> chain;
  std::uint16_t head;
  bool any = false;
  while (q.pop(memory, head, chain)) {
    std::uint32_t written = 0;
    const std::uint8_t status = serve(chain, written);
    if (!chain.empty() && chain.back().device_writable && !chain.back().bytes.empty()) {
      chain.back().bytes[0] = status;
      ++written;
    }
    q.push_used(memory, head, written);
    any = true;
  }
  return any;
}

std::uint8_t VirtioBlk::serve(std::vector<VirtqBuffer>& chain, std::uint32_t& written) {
  // Readable header of 16 bytes, data buffers, one writable status byte last.
  if (chain.size() < 2 || chain.front().device_writable || chain.front().bytes.size() < 16) return kIoErr;
  std::uint32_t type;
  std::uint64_t sector;
  std::memcpy(&type, chain.front().bytes.data(), 4);
  std::memcpy(&sector, chain.front().bytes.data() + 8, 8);
  const std::size_t data_end = chain.size() - 1;
  const std::uint64_t capacity = sectors_ * 512;
  switch (type) {
    case kIn:
    case kOut: {
      // Checked before multiplying: sector * 512 wraps for sectors >= 2^55,
      // and a read there must fail, not return sector 0.
      if (sector > sectors_) return kIoErr;
      std::uint64_t offset = sector * 512;
      for (std::size_t i = 1; i < data_end; ++i) {
        auto b = chain[i].bytes;
        if ((type == kIn) != chain[i].device_writable) return kIoErr;
        if (b.size() > capacity - offset) return kIoErr;  // offset <= capacity here: no wrap
        if (type == kOut && read_only_) return kIoErr;
        const ssize_t n = type == kIn ? ::pread(fd_.get(), b.data(), b.size(), static_cast<off_t>(offset))
                                      : ::pwrite(fd_.get(), b.data(), b.size(), static_cast<off_t>(offset));
        if (n != static_cast<ssize_t>(b.size())) return kIoErr;
        offset += b.size();
        if (type == kIn) written += static_cast<std::uint32_t>(b.size());
      }
      return kOk;
    }
    case kFlush: return ::fdatasync(fd_.get()) == 0 ? kOk : kIoErr;
    case kGetId:
      if (data_end < 2 || !chain[1].device_writable) return kIoErr;
      std::memset(chain[1].bytes.data(), 0, chain[1].bytes.size());
      std::memcpy(chain[1].bytes.data(), id_.data(), std::min(id_.size(), chain[1].bytes.size()));
      written += static_cast<std::uint32_t>(std::min<std::size_t>(20, chain[1].bytes.size()));
      return kOk;
    default: return kUnsupported;
  }
}

}  // namespace tailor::runner::devices
