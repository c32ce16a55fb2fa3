// virtio-net transmit/receive over a packet descriptor.
#include "runner/devices/virtio_net.h"

#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cstring>
#include <fmt/core.h>
#include <functional>
#include <future>

#include "common/error.h"
#include "runner/runner.h"

namespace tailor::runner::devices {

VirtioNet::VirtioNet(UniqueFd packets, std::array<std::uint8_t, 6> mac)
    : packets_(std::move(packets)), mac_(mac), wake_(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)),
      stop_(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) {
  if (!wake_ || !stop_) throw Error(errno_message("virtio-net: eventfd", errno), exit_codes::kMonitorFailed);
}

VirtioNet::~VirtioNet() {
  if (receiver_.joinable()) {
    const std::uint64_t one = 1;
    (void)!::write(stop_.get(), &one, sizeof one);
    receiver_.join();
  }
}

UniqueFd VirtioNet::open_tap(const std::string& name) {
  UniqueFd fd(::open("/dev/net/tun", O_RDWR | O_CLOEXEC));
  ifreq ifr{};
  if (name.empty() || name.size() >= sizeof ifr.ifr_name)
    throw Error("--net: invalid TAP interface name '" + name + "'", exit_codes::kUsage);
  if (!fd) throw Error(errno_message("--net " + name + ": cannot open /dev/net/tun", errno), exit_codes::kUsage);
  ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
  std::memcpy(ifr.ifr_name, name.c_str(), name.size());
  if (::ioctl(fd.get(), TUNSETIFF, &ifr) != 0)
    throw Error(errno_message("--net " + name + ": cannot attach the TAP interface", errno) +
                    " (create it first: ip tuntap add " + name + " mode tap user $USER; ip link set " + name + " up)",
                exit_codes::kUsage);
  return fd;
}

std::array<std::uint8_t, 6> VirtioNet::mac_address(const std::string& text, const std::string& seed) {
  std::array<std::uint8_t, 6> mac{0x52, 0x54, 0x00, 0, 0, 0};
  if (text.empty()) {
    const std::size_t h = std::hash<std::string>{}(seed);
    mac[3] = static_cast<std::uint8_t>(h);
    mac[4] = static_cast<std::uint8_t>(h >> 8);
    mac[5] = static_cast<std::uint8_t>(h >> 16);
    return mac;
  }
  unsigned v[6];
  char end;
  if (std::sscanf(text.c_str(), "%2x:%2x:%2x:%2x:%2x:%2x%c", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &end) != 6)
    throw Error("--net: malformed MAC address '" + text + "' (expected XX:XX:XX:XX:XX:XX)", exit_codes::kUsage);
  for (int i = 0; i < 6; ++i) mac[i] = static_cast<std::uint8_t>(v[i]);
  return mac;
}

void VirtioNet::read_config(std::uint64_t offset, std::span<std::uint8_t> data) {
  for (std::size_t i = 0; i < data.size(); ++i) data[i] = offset + i < 6 ? mac_[offset + i] : 0;
}

void VirtioNet::wake() {
  const std::uint64_t one = 1;
  (void)!::write(wake_.get(), &one, sizeof one);
}

bool VirtioNet::notify(std::uint16_t queue, std::vector<Virtqueue>& queues, vmm::GuestMemory& memory) {
  if (queue == 0) {  // new receive buffers: the receiver may be waiting for them
    wake();
    return false;
  }
  if (queue != 1) return false;
  std::vector<VirtqBuffer> chain;
  std::uint16_t head;
  bool any = false;
  while (queues[1].pop(memory, head, chain)) {
    // Gather the frame after the header; the header may share a buffer with it.
    std::vector<iovec> iov;
    std::size_t skip = kHeaderSize;
    for (auto& b : chain) {
      if (b.device_writable) continue;
      const std::size_t s = std::min(skip, b.bytes.size());
      skip -= s;
      if (b.bytes.size() > s) iov.push_back({b.bytes.data() + s, b.bytes.size() - s});
    }
    if (!iov.empty()) (void)!::writev(packets_.get(), iov.data(), static_cast<int>(iov.size()));  // a full TAP drops
    queues[1].push_used(memory, head, 0);
    any = true;
  }
  return any;
}

void VirtioNet::start(VirtioMmio& transport) {
  // Returns once the thread runs: past the C library's thread start-up, whose
  // calls a seccomp filter installed afterwards need not allow.
  std::promise<void> running;
  std::future<void> started = running.get_future();
  receiver_ = std::thread([this, &transport, running = std::move(running)]() mutable {
    running.set_value();
    receive_loop(transport);
  });
  started.wait();
}

void VirtioNet::receive_loop(VirtioMmio& transport) {
  std::vector<std::uint8_t> frame(65536 + kHeaderSize);
  std::size_t frame_size = 0;  // a frame waiting for a receive buffer
  for (;;) {
    pollfd fds[3] = {{stop_.get(), POLLIN, 0}, {wake_.get(), POLLIN, 0}, {packets_.get(), POLLIN, 0}};
    if (::poll(fds, frame_size ? 2 : 3, -1) < 0) {
      if (errno == EINTR) continue;
      return;
    }
    if (fds[0].revents) return;
    std::uint64_t drain;
    if (fds[1].revents) (void)!::read(wake_.get(), &drain, sizeof drain);
    if (!frame_size && fds[2].revents) {
      // A hung-up or failed descriptor (TAP deleted, peer closed) stays ready
      // for ever: receiving stops there instead of spinning; the guest sees a
      // silent link and its transmits are dropped.
      const ssize_t n = ::read(packets_.get(), frame.data() + kHeaderSize, frame.size() - kHeaderSize);
      if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
      if (n <= 0) return;
      std::memset(frame.data(), 0, kHeaderSize);
      frame[10] = 1;  // num_buffers
      frame_size = kHeaderSize + static_cast<std::size_t>(n);
    }
    if (!frame_size) continue;
    transport.with_queues([&](std::vector<Virtqueue>& queues, vmm::GuestMemory& memory) {
      std::vector<VirtqBuffer> chain;
      std::uint16_t head;
      if (!queues[0].pop(memory, head, chain)) return false;  // wait for buffers (notify wakes us)
      std::size_t done = 0;
      for (auto& b : chain) {
        if (!b.device_writable || done == frame_size) continue;
        const std::size_t n = std::min(b.bytes.size(), frame_size - done);
        std::memcpy(b.bytes.data(), frame.data() + done, n);
        done += n;
      }
      queues[0].push_used(memory, head, static_cast<std::uint32_t>(done));  // a frame too big is cut
      frame_size = 0;
      return true;
    });
  }
}

}  // namespace tailor::runner::devices
