// RunReport: the shared bookkeeping of a run, independent of the backend.
#include "runner/run_report.h"

#include <unistd.h>

#include <cstdio>

#include "runner/guest_abi.h"

namespace tailor::runner {
namespace {

constexpr size_t kMaxCapturedConsole = 4u << 20;

void write_all(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return;  // a closed stdout must not end the run
    }
    bytes.remove_prefix(static_cast<size_t>(n));
  }
}

}  // namespace

RunReport::RunReport(const BootSpec& spec, Clock::time_point start) : spec_(spec), start_(start) {}

void RunReport::console(std::string_view bytes) {
  std::lock_guard lock(mutex_);
  if (spec_.console)
    spec_.console(bytes);
  else
    write_all(STDOUT_FILENO, bytes);
  if (spec_.capture_console) {
    console_.append(bytes);
    if (console_.size() > kMaxCapturedConsole) console_.erase(0, console_.size() - kMaxCapturedConsole);
  }
}

void RunReport::notice(const std::string& message) {
  std::lock_guard lock(mutex_);
  notices_.push_back(message);
  if (spec_.notice) {
    spec_.notice(message);
  } else {
    std::fflush(stdout);
    std::fprintf(stderr, "tailor: notice: %s\n", message.c_str());
  }
}

bool RunReport::event_byte(unsigned char byte) {
  std::lock_guard lock(mutex_);
  auto event = decoder_.feed(byte);
  if (!event) return false;
  if (event->kind == GuestEvent::Kind::Clock) {
    std::optional<std::uint64_t>* slot = event->clock_tag == TAILOR_CLOCK_INIT       ? &guest_clock_.init
                                         : event->clock_tag == TAILOR_CLOCK_APP_EXEC ? &guest_clock_.app_exec
                                         : event->clock_tag == TAILOR_CLOCK_EXIT     ? &guest_clock_.exit
                                                                                     : nullptr;
    if (slot && !*slot) *slot = event->tsc;
    return false;
  }
  if (event->kind == GuestEvent::Kind::AppExec) {
    if (!app_exec_) app_exec_ = Clock::now();
    return false;
  }
  status_ = event->status;
  if (!guest_exit_) guest_exit_ = Clock::now();
  return true;
}

void RunReport::mark_first_instruction() {
  std::lock_guard lock(mutex_);
  if (!first_instruction_) first_instruction_ = Clock::now();
}

void RunReport::mark_guest_exit() {
  std::lock_guard lock(mutex_);
  if (!guest_exit_) guest_exit_ = Clock::now();
}

std::optional<int> RunReport::status() const {
  std::lock_guard lock(mutex_);
  return status_;
}

void RunReport::exit_port_status(int status) {
  std::lock_guard lock(mutex_);
  if (!status_) status_ = status & 0xff;
  if (!guest_exit_) guest_exit_ = Clock::now();
}

std::chrono::microseconds RunReport::since_start(Clock::time_point t) const {
  return std::chrono::duration_cast<std::chrono::microseconds>(t - start_);
}

BootResult RunReport::finish(Backend backend, std::string backend_detail, Outcome outcome, std::string detail) {
  std::lock_guard lock(mutex_);
  BootResult r;
  r.backend = backend;
  r.backend_detail = std::move(backend_detail);
  if (outcome == Outcome::GuestStopped && status_) outcome = Outcome::AppExited;
  r.outcome = outcome;
  if (outcome == Outcome::AppExited) r.app_status = status_;
  r.exit_code = exit_code_for(outcome, r.app_status);
  r.detail = std::move(detail);
  if (first_instruction_) r.timings.first_instruction = since_start(*first_instruction_);
  if (app_exec_) r.timings.app_exec = since_start(*app_exec_);
  if (guest_exit_) r.timings.guest_exit = since_start(*guest_exit_);
  r.timings.total = since_start(Clock::now());
  r.timings.guest_clock = guest_clock_;
  r.console = std::move(console_);
  r.notices = notices_;
  return r;
}

int exit_code_for(Outcome outcome, std::optional<int> status) {
  switch (outcome) {
    case Outcome::AppExited: return status.value_or(0) & 0xff;
    case Outcome::GuestStopped: return exit_codes::kGuestStopped;
    case Outcome::Timeout: return exit_codes::kTimeout;
    case Outcome::GuestCrashed: return exit_codes::kGuestCrashed;
    case Outcome::MonitorFailed: return exit_codes::kMonitorFailed;
  }
  return exit_codes::kMonitorFailed;
}

}  // namespace tailor::runner
