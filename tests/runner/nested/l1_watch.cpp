#include "tests/runner/nested/l1_watch.h"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cctype>
#include <cstring>
#include <fmt/core.h>

#include "common/unique_fd.h"

namespace tailor::testing {
namespace {

using Clock = std::chrono::steady_clock;

// Reads from `fd` until `prompt` arrives or `limit` passes; returns what came.
std::string read_until_prompt(int fd, std::string_view prompt, std::chrono::milliseconds limit) {
  std::string got;
  const auto end = Clock::now() + limit;
  while (got.find(prompt) == std::string::npos) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(end - Clock::now()).count();
    pollfd p{fd, POLLIN, 0};
    if (left <= 0 || ::poll(&p, 1, static_cast<int>(left)) <= 0) break;
    char buf[4096];
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n <= 0) break;
    got.append(buf, static_cast<std::size_t>(n));
  }
  return got;
}

// Reads and drops what comes until the peer closes or `limit` passes.
void read_until_closed(int fd, std::chrono::milliseconds limit) {
  const auto end = Clock::now() + limit;
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(end - Clock::now()).count();
    pollfd p{fd, POLLIN, 0};
    char buf[4096];
    if (left <= 0 || ::poll(&p, 1, static_cast<int>(left)) <= 0 || ::read(fd, buf, sizeof buf) <= 0) return;
  }
}

// The monitor's replies without its line editing (escape sequences, CRs).
std::string printable(const std::string& in) {
  std::string out;
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (in[i] == '\x1b') {
      while (i + 1 < in.size() && !std::isalpha(static_cast<unsigned char>(in[i + 1]))) ++i;
      ++i;
    } else if (in[i] == '\n' || (in[i] >= 0x20 && in[i] < 0x7f)) {
      out += in[i];
    }
  }
  return out;
}

}  // namespace

L1Watch::L1Watch(std::filesystem::path monitor, std::chrono::seconds before_ready, std::chrono::seconds after_ready,
                 std::string ready_marker)
    : monitor_(std::move(monitor)), before_ready_(before_ready), after_ready_(after_ready),
      ready_marker_(std::move(ready_marker)), last_heard_(Clock::now().time_since_epoch().count()) {
  thread_ = std::thread([this] { run(); });
}

L1Watch::~L1Watch() { stop(); }

std::vector<std::string> L1Watch::monitor_args(const std::filesystem::path& monitor) {
  return {"-monitor", "unix:" + monitor.string() + ",server=on,wait=off"};
}

void L1Watch::heard(std::string_view bytes) {
  last_heard_.store(Clock::now().time_since_epoch().count());
  if (ready_.load()) return;
  tail_.append(bytes);
  if (tail_.find(ready_marker_) != std::string::npos) ready_.store(true);
  if (tail_.size() > ready_marker_.size()) tail_.erase(0, tail_.size() - ready_marker_.size());
}

void L1Watch::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void L1Watch::run() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    wake_.wait_for(lock, std::chrono::seconds(1));
    if (stopping_) return;
    const auto silence = Clock::now() - Clock::time_point(Clock::duration(last_heard_.load()));
    if (silence < (ready_.load() ? after_ready_ : before_ready_)) continue;
    silent_seconds_ = std::chrono::duration<double>(silence).count();
    lock.unlock();
    std::string state = ask_monitor();
    lock.lock();
    state_ = std::move(state);
    fired_ = true;
    return;
  }
}

// L1's state from QEMU's human monitor, then `quit`: QEMU exits and the
// boot returns. Each reply is waited for a few seconds at most.
std::string L1Watch::ask_monitor() {
  UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, monitor_.c_str(), sizeof addr.sun_path - 1);
  if (!fd || ::connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0)
    return fmt::format("(QEMU's monitor at {} cannot be reached: {})", monitor_.string(), std::strerror(errno));
  constexpr std::string_view kPrompt = "(qemu) ";
  read_until_prompt(fd.get(), kPrompt, std::chrono::seconds(5));  // the banner
  std::string state;
  for (const char* command : {"info registers -a", "info lapic", "info pic", "info irq"}) {
    const std::string line = std::string(command) + "\n";
    if (::write(fd.get(), line.data(), line.size()) != static_cast<ssize_t>(line.size())) break;
    // The reply starts with the command as the monitor's line editor echoed it.
    std::string reply = printable(read_until_prompt(fd.get(), kPrompt, std::chrono::seconds(5)));
    if (reply.ends_with(kPrompt)) reply.resize(reply.size() - kPrompt.size());
    const auto nl = reply.find('\n');
    state += fmt::format("(qemu) {}\n{}", command, nl == std::string::npos ? reply : reply.substr(nl + 1));
  }
  // QEMU closes the socket as it exits: wait for that, so that the boot ends now.
  if (::write(fd.get(), "quit\n", 5) == 5) read_until_closed(fd.get(), std::chrono::seconds(10));
  return state;
}

}  // namespace tailor::testing
