// What both backends record while a guest runs: console bytes (to the sink and
// the optional capture), notices, events and timing points; finish() turns it
// into a BootResult. Thread-safe: vCPU threads report concurrently.
#pragma once

#include <chrono>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "runner/event_stream.h"
#include "runner/runner.h"

namespace tailor::runner {

using Clock = std::chrono::steady_clock;

class RunReport {
 public:
  RunReport(const BootSpec& spec, Clock::time_point start);

  Clock::time_point start() const { return start_; }
  // Console output from the guest: to BootSpec::console (or stdout), and kept
  // when capture_console is set.
  void console(std::string_view bytes);
  // A one-line notice: to BootSpec::notice (or stderr), and kept.
  void notice(const std::string& message);
  // One byte written to the event port. Returns true when it completed a
  // status event (the guest is about to exit).
  bool event_byte(unsigned char byte);

  void mark_first_instruction();  // first call wins
  void mark_guest_exit();         // first call wins
  std::optional<int> status() const;
  // Records the status from the exit port (overrides an 'S' event's status
  // only when none was seen), and marks the guest exit.
  void exit_port_status(int status);

  // Builds the result. GuestStopped with a known status becomes AppExited
  // (the app reported its status, then the guest went down another way).
  BootResult finish(Backend backend, std::string backend_detail, Outcome outcome, std::string detail);

 private:
  std::chrono::microseconds since_start(Clock::time_point t) const;

  const BootSpec& spec_;
  Clock::time_point start_;
  mutable std::mutex mutex_;
  EventDecoder decoder_;
  Timings::GuestClock guest_clock_;
  std::optional<int> status_;
  std::optional<Clock::time_point> first_instruction_, app_exec_, guest_exit_;
  std::string console_;
  std::vector<std::string> notices_;
};

// Exit code for an outcome (AppExited uses the status).
int exit_code_for(Outcome outcome, std::optional<int> status);

}  // namespace tailor::runner
