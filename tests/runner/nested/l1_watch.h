// Test-only: the nested KVM harness's watch on L1 itself. Under QEMU TCG an
// L1 that runs an L2 now and then stops making any progress at all: its
// console goes silent, its own timers (the cases' `timeout`) never fire,
// and only the outer QEMU timeout ended such a run, 600-1500 s later. (The
// state caught: L1 halted with interrupts on and its timer's vector pending
// in the local APIC, never delivered; see run_plan in nested_kvm.cpp.)
// L1's /init prints a heartbeat while a case runs (nested_kvm.cpp); when the
// console has been silent for longer than the watch allows, the watch asks
// QEMU's human monitor for L1's CPU state (registers, local APIC, PIC), then
// stops QEMU, so the run ends at once with that state in its report.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace tailor::testing {

class L1Watch {
 public:
  // `monitor`: the unix socket of QEMU's human monitor (QEMU started with
  // monitor_args(monitor)). Silence is allowed for `before_ready` until the
  // console has shown `ready_marker`, for `after_ready` from then on.
  L1Watch(std::filesystem::path monitor, std::chrono::seconds before_ready, std::chrono::seconds after_ready,
          std::string ready_marker);
  ~L1Watch();
  L1Watch(const L1Watch&) = delete;
  L1Watch& operator=(const L1Watch&) = delete;

  // QEMU's arguments for the monitor socket the watch talks to.
  static std::vector<std::string> monitor_args(const std::filesystem::path& monitor);

  // Every console chunk, as it arrives.
  void heard(std::string_view bytes);
  // Ends the watch (joins its thread); then fired() and state() are final.
  void stop();
  // Whether the watch stopped L1, after how long a silence, and what the
  // monitor said of L1's state then.
  bool fired() const { return fired_; }
  double silent_seconds() const { return silent_seconds_; }
  const std::string& state() const { return state_; }

 private:
  void run();
  std::string ask_monitor();

  std::filesystem::path monitor_;
  std::chrono::seconds before_ready_, after_ready_;
  std::string ready_marker_, tail_;  // tail_: the last bytes, for a marker split across chunks
  std::atomic<bool> ready_{false};
  std::atomic<std::chrono::steady_clock::rep> last_heard_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false, fired_ = false;
  double silent_seconds_ = 0;
  std::string state_;
  std::thread thread_;
};

}  // namespace tailor::testing
