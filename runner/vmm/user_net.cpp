// libslirp glue: configuration, callbacks, and the thread that moves frames
// between the virtio-net device and slirp and polls slirp's sockets and timers.
#include "runner/vmm/user_net.h"

#include <arpa/inet.h>
#include <slirp/libslirp.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <fmt/core.h>
#include <future>

#include "common/error.h"
#include "runner/net_addresses.h"

namespace tailor::runner::vmm {

// Frames: the largest the device passes (its receive buffer), plus room.
constexpr std::size_t kMaxFrame = 65536;

// slirp's callbacks, each with the UserNet as `opaque`.
struct SlirpGlue {
  static UserNet& self(void* opaque) { return *static_cast<UserNet*>(opaque); }

  // A frame for the guest. The socket is non-blocking: when the device has
  // not taken earlier frames (the guest is not reading), this one is dropped,
  // as a full TAP drops; TCP resends.
  static ssize_t send_packet(const void* buf, size_t len, void* opaque) {
    (void)!::send(self(opaque).slirp_end_.get(), buf, len, MSG_DONTWAIT | MSG_NOSIGNAL);
    return static_cast<ssize_t>(len);
  }
  static void guest_error(const char*, void*) {}  // a guest's bad packet is its own business
  static std::int64_t clock_ns(void*) {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
        .count();
  }
  static void* timer_new_opaque(SlirpTimerId id, void* cb_opaque, void* opaque) {
    auto& timers = self(opaque).timers_;
    timers.push_back(std::make_unique<UserNet::Timer>(UserNet::Timer{static_cast<int>(id), cb_opaque}));
    return timers.back().get();
  }
  static void timer_free(void* timer, void* opaque) {
    std::erase_if(self(opaque).timers_, [timer](const auto& t) { return t.get() == timer; });
  }
  static void timer_mod(void* timer, std::int64_t expire_ms, void*) {
    static_cast<UserNet::Timer*>(timer)->expire_ms = expire_ms;
  }
  // The loop polls what slirp_pollfds_fill names each round; nothing to keep.
  static void register_poll_fd(int, void*) {}
  static void unregister_poll_fd(int, void*) {}
  static void notify(void*) {}  // the loop polls again within slirp's own timeout

  static int add_poll(int fd, int events, void* opaque) {
    short e = 0;
    if (events & SLIRP_POLL_IN) e |= POLLIN;
    if (events & SLIRP_POLL_OUT) e |= POLLOUT;
    if (events & SLIRP_POLL_PRI) e |= POLLPRI;
    auto& polled = self(opaque).polled_;
    polled.push_back({fd, e, 0});
    return static_cast<int>(polled.size() - 1);
  }
  static int get_revents(int index, void* opaque) {
    const short r = self(opaque).polled_.at(static_cast<std::size_t>(index)).revents;
    int e = 0;
    if (r & POLLIN) e |= SLIRP_POLL_IN;
    if (r & POLLOUT) e |= SLIRP_POLL_OUT;
    if (r & POLLPRI) e |= SLIRP_POLL_PRI;
    if (r & POLLERR) e |= SLIRP_POLL_ERR;
    if (r & POLLHUP) e |= SLIRP_POLL_HUP;
    return e;
  }
};

namespace {

const SlirpCb kCallbacks = {
    .send_packet = SlirpGlue::send_packet,
    .guest_error = SlirpGlue::guest_error,
    .clock_get_ns = SlirpGlue::clock_ns,
    .timer_new = nullptr,  // superseded by timer_new_opaque (config version 4)
    .timer_free = SlirpGlue::timer_free,
    .timer_mod = SlirpGlue::timer_mod,
    .register_poll_fd = SlirpGlue::register_poll_fd,
    .unregister_poll_fd = SlirpGlue::unregister_poll_fd,
    .notify = SlirpGlue::notify,
    .init_completed = nullptr,
    .timer_new_opaque = SlirpGlue::timer_new_opaque,
};

// Descriptors of ours at the front of each round's poll list.
constexpr std::size_t kStop = 0, kFrames = 1;

}  // namespace

UserNet::UserNet(const NetDevice& net, bool dns) : stop_(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) {
  int pair[2];
  if (!stop_ || ::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) != 0)
    throw Error(errno_message("user network: socketpair", errno), exit_codes::kMonitorFailed);
  guest_end_.reset(pair[0]);
  slirp_end_.reset(pair[1]);
  // Room for a burst of full-size frames each way before either side waits.
  const int buffer = 4 << 20;
  for (int fd : pair) {
    ::setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &buffer, sizeof buffer);
    ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &buffer, sizeof buffer);
  }

  const UserNetAddresses a = user_net_addresses(net);
  SlirpConfig config{};
  config.version = 4;  // disable_dns, timer_new_opaque
  config.in_enabled = true;
  config.vnetwork = a.network;
  config.vnetmask = a.netmask;
  config.vhost = a.gateway;
  config.vdhcp_start = a.guest;  // the image has no DHCP client; an outside one would get this address
  config.vnameserver = a.dns;
  config.disable_dns = !dns;
  slirp_ = slirp_new(&config, &kCallbacks, this);
  if (!slirp_) throw Error("user network: libslirp refused the configuration", exit_codes::kMonitorFailed);
  for (const auto& f : net.forwards) {
    in_addr host{};
    ::inet_pton(AF_INET, f.host_address.c_str(), &host);
    if (slirp_add_hostfwd(slirp_, f.protocol == PortForward::Protocol::Udp, host, f.host_port, a.guest,
                          f.guest_port) != 0) {
      slirp_cleanup(slirp_);
      throw Error(fmt::format("host port {} cannot be forwarded (forward {}): it is already in use or not an address "
                              "of this host",
                              f.host_port, format_port_forward(f)),
                  exit_codes::kUsage);
    }
  }
  // Returns once the thread runs: past the C library's thread start-up, whose
  // calls a seccomp filter installed afterwards need not allow.
  std::promise<void> running;
  std::future<void> started = running.get_future();
  thread_ = std::thread([this, running = std::move(running)]() mutable {
    running.set_value();
    loop();
  });
  started.wait();
}

UserNet::~UserNet() {
  const std::uint64_t one = 1;
  (void)!::write(stop_.get(), &one, sizeof one);
  thread_.join();
  slirp_cleanup(slirp_);  // closes slirp's sockets, forwards' listeners included
}

UniqueFd UserNet::take_guest_end() { return std::move(guest_end_); }

void UserNet::forward_guest_frames() {
  std::uint8_t frame[kMaxFrame];
  for (;;) {
    const ssize_t n = ::recv(slirp_end_.get(), frame, sizeof frame, MSG_DONTWAIT);
    if (n <= 0) return;  // drained (or the device is gone: the stop event ends the loop)
    slirp_input(slirp_, frame, static_cast<int>(n));
  }
}

int UserNet::run_due_timers() {
  const std::int64_t now = SlirpGlue::clock_ns(nullptr) / 1000000;
  std::int64_t next = -1;
  // A handler may arm, re-arm or free timers: look again after each one.
  for (bool fired = true; fired;) {
    fired = false;
    for (const auto& t : timers_) {
      if (t->expire_ms < 0) continue;
      if (t->expire_ms <= now) {
        t->expire_ms = -1;
        slirp_handle_timer(slirp_, static_cast<SlirpTimerId>(t->id), t->opaque);
        fired = true;
        break;
      }
    }
  }
  for (const auto& t : timers_)
    if (t->expire_ms >= 0 && (next < 0 || t->expire_ms - now < next)) next = t->expire_ms - now;
  return static_cast<int>(next);
}

void UserNet::loop() {
  bool device_open = true;
  for (;;) {
    polled_.clear();
    polled_.push_back({stop_.get(), POLLIN, 0});
    polled_.push_back({slirp_end_.get(), static_cast<short>(device_open ? POLLIN : 0), 0});
    std::uint32_t timeout = UINT32_MAX;
    const int timer = run_due_timers();
    if (timer >= 0) timeout = static_cast<std::uint32_t>(timer);
    slirp_pollfds_fill(slirp_, &timeout, SlirpGlue::add_poll, this);
    const int ready = ::poll(polled_.data(), polled_.size(), timeout == UINT32_MAX ? -1 : static_cast<int>(timeout));
    if (ready < 0 && errno != EINTR) return;
    if (polled_[kStop].revents) return;
    if (polled_[kFrames].revents & POLLIN) forward_guest_frames();
    // The device closed its end (it is being destroyed): slirp still serves
    // its sockets until the stop event, but there are no frames to read.
    if (polled_[kFrames].revents & (POLLHUP | POLLERR)) device_open = false;
    slirp_pollfds_poll(slirp_, ready < 0, SlirpGlue::get_revents, this);
  }
}

}  // namespace tailor::runner::vmm
