// Optional module: user-mode networking (NAT without privileges) with
// libslirp, the engine behind QEMU's and podman's user networking, behind
// the same virtio-net device that serves a TAP. The device reads and writes
// whole Ethernet frames on one end of a SOCK_SEQPACKET socket pair; this
// module's thread serves the other end: it feeds the guest's frames to
// slirp, whose replies it writes back, and polls slirp's host sockets and
// timers. One thread owns the Slirp instance, so nothing in it is shared.
#pragma once

#include <cstdint>
#include <memory>
#include <poll.h>
#include <thread>
#include <vector>

#include "runner/runner.h"
#include "common/unique_fd.h"

struct Slirp;

namespace tailor::runner::vmm {

class UserNet {
 public:
  // Sets up slirp with `net`'s addresses and forwards (their host ports are
  // bound here) and starts the thread. `dns`: serve the virtual DNS address by
  // asking the host's resolver (slirp then reads /etc/resolv.conf, which a
  // confined monitor cannot). Throws Error(kUsage) when a forward cannot
  // listen, Error(kMonitorFailed) on host failures.
  UserNet(const NetDevice& net, bool dns);
  ~UserNet();
  UserNet(const UserNet&) = delete;
  UserNet& operator=(const UserNet&) = delete;

  // The device's end of the frame socket pair (once; for VirtioNet).
  UniqueFd take_guest_end();

  // Timers slirp asked for: when they fire, slirp_handle_timer(id, opaque).
  struct Timer {
    int id;
    void* opaque;
    std::int64_t expire_ms = -1;  // -1: not armed
  };

 private:
  void loop();
  void forward_guest_frames();
  int run_due_timers();  // milliseconds until the next armed timer, or -1

  UniqueFd guest_end_, slirp_end_, stop_;
  Slirp* slirp_ = nullptr;
  std::vector<std::unique_ptr<Timer>> timers_;
  std::vector<struct pollfd> polled_;  // this round's descriptors: ours first, then slirp's
  std::thread thread_;
  friend struct SlirpGlue;
};

}  // namespace tailor::runner::vmm
