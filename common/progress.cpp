#include "common/progress.h"

#include <sys/ioctl.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace tailor {

Progress::Progress() {
  const char* force = std::getenv("TAILOR_PROGRESS");
  if (force != nullptr && std::strcmp(force, "0") == 0) enabled_ = false;
  else if (force != nullptr && std::strcmp(force, "1") == 0) enabled_ = true;
  else enabled_ = ::isatty(STDOUT_FILENO) && ::isatty(STDERR_FILENO);
}

std::string Progress::format(std::string_view stage, int percent, std::string_view detail, size_t width) {
  std::string line = "[" + std::string(stage) + "]";
  if (percent >= 0) {
    char pct[8];
    std::snprintf(pct, sizeof pct, " %3d%%", percent > 100 ? 100 : percent);
    line += pct;
  }
  if (!detail.empty()) line += " " + std::string(detail);
  if (width > 1 && line.size() > width - 1) line.resize(width - 1);
  return line;
}

void Progress::update(std::string_view stage, int percent, std::string_view detail) {
  if (!enabled_) return;
  auto now = std::chrono::steady_clock::now();
  if (stage == last_stage_ && now - last_draw_ < std::chrono::milliseconds(100)) return;
  last_stage_ = stage;
  last_draw_ = now;
  winsize ws{};
  size_t width = (::ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0) ? ws.ws_col : 80;
  std::string prefix = context_.empty() ? std::string() : context_ + " ";
  if (prefix.size() + 10 > width) prefix.clear();  // a narrow terminal keeps the stage
  std::string line = "\r\033[K" + prefix + format(stage, percent, detail, width - prefix.size());
  std::fputs(line.c_str(), stderr);
  std::fflush(stderr);
  shown_ = true;
}

void Progress::clear() {
  if (!enabled_ || !shown_) return;
  std::fputs("\r\033[K", stderr);
  std::fflush(stderr);
  shown_ = false;
  last_stage_.clear();
}

}  // namespace tailor
