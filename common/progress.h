// One self-rewriting status line for long work ("[build] 42% CC kernel/fork.o").
// Silent unless the user is watching a terminal, so logs and CI stay clean.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

namespace tailor {

class Progress {
 public:
  // Enabled when stdout and stderr are both terminals; TAILOR_PROGRESS=1
  // forces it on, TAILOR_PROGRESS=0 off.
  Progress();
  explicit Progress(bool enabled) : enabled_(enabled) {}
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;
  ~Progress() { clear(); }

  bool enabled() const { return enabled_; }
  // percent in [0, 100]; a negative percent shows the stage without a number.
  // Redraws at most ~10 times a second unless the stage changes.
  void update(std::string_view stage, int percent, std::string_view detail = {});
  // Erases the line (before printing ordinary messages, and at the end).
  void clear();
  // Words shown before the stage on every line until changed ("2/4 redis"
  // while a fleet builds its second image); empty: none.
  void set_context(std::string context) { context_ = std::move(context); }

  // The text of the line, without terminal control characters (for tests).
  static std::string format(std::string_view stage, int percent, std::string_view detail, size_t width);

 private:
  bool enabled_ = false;
  bool shown_ = false;
  std::string context_;
  std::string last_stage_;
  std::chrono::steady_clock::time_point last_draw_{};
};

}  // namespace tailor
