// The L1 watch against a stand-in for QEMU's human monitor on a unix socket:
// it stays quiet while the console speaks, and after a silence asks the
// monitor for L1's state, then for `quit`.
#include "tests/runner/nested/l1_watch.h"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "common/unique_fd.h"

namespace tailor::testing {
namespace {

namespace stdfs = std::filesystem;
using namespace std::chrono_literals;

// Answers like QEMU's monitor: a banner and a prompt, then for each command
// its echo, a reply naming it, and the prompt again; `quit` closes.
class FakeMonitor {
 public:
  explicit FakeMonitor(const stdfs::path& path) : listener_(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) {
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, path.c_str(), sizeof addr.sun_path - 1);
    if (::bind(listener_.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(listener_.get(), 1) != 0)
      throw std::runtime_error("fake monitor: bind/listen");
    thread_ = std::thread([this] { serve(); });
  }
  ~FakeMonitor() { finish(); }
  // Ends the stand-in (it no longer accepts) and returns the commands it got.
  const std::vector<std::string>& finish() {
    ::shutdown(listener_.get(), SHUT_RDWR);
    if (thread_.joinable()) thread_.join();
    return commands_;
  }

 private:
  void serve() {
    UniqueFd conn(::accept4(listener_.get(), nullptr, nullptr, SOCK_CLOEXEC));
    if (!conn) return;
    send(conn.get(), "QEMU 7.2.0 monitor - type 'help' for more information\r\n(qemu) ");
    std::string line;
    char c;
    while (::read(conn.get(), &c, 1) == 1) {
      if (c != '\n') {
        line += c;
        continue;
      }
      commands_.push_back(line);
      if (line == "quit") return;
      send(conn.get(), line + "\r\nreply to " + line + "\r\n(qemu) ");
      line.clear();
    }
  }
  static void send(int fd, const std::string& text) { (void)!::write(fd, text.data(), text.size()); }

  UniqueFd listener_;
  std::vector<std::string> commands_;
  std::thread thread_;
};

class L1WatchTest : public ::testing::Test {
 protected:
  stdfs::path dir = stdfs::temp_directory_path() / ("l1-watch-test-" + std::to_string(::getpid()));
  stdfs::path socket = dir / "monitor";
  void SetUp() override { stdfs::create_directories(dir); }
  void TearDown() override { stdfs::remove_all(dir); }
};

TEST_F(L1WatchTest, AfterASilenceItAsksTheMonitorForL1sStateThenQuits) {
  FakeMonitor monitor(socket);
  L1Watch watch(socket, 1s, 1s, "@@NESTED-READY");
  const auto start = std::chrono::steady_clock::now();
  while (!watch.fired() && std::chrono::steady_clock::now() - start < 10s) std::this_thread::sleep_for(50ms);
  watch.stop();
  ASSERT_TRUE(watch.fired());
  EXPECT_GE(watch.silent_seconds(), 1.0);
  EXPECT_EQ(monitor.finish(), (std::vector<std::string>{"info registers -a", "info lapic", "info pic", "info irq", "quit"}));
  // Each reply once, under its command, without the echo and the prompts.
  EXPECT_NE(watch.state().find("(qemu) info lapic\nreply to info lapic\n"), std::string::npos) << watch.state();
  EXPECT_EQ(watch.state().find("QEMU 7.2.0 monitor"), std::string::npos) << watch.state();
}

TEST_F(L1WatchTest, AConsoleThatKeepsSpeakingIsNeverStopped) {
  FakeMonitor monitor(socket);
  L1Watch watch(socket, 5s, 5s, "@@NESTED-READY");
  for (int i = 0; i < 40; ++i) {  // 8 s, a line every 200 ms
    watch.heard("@@NESTED-ALIVE 12.5\n");
    std::this_thread::sleep_for(200ms);
  }
  watch.stop();
  EXPECT_FALSE(watch.fired());
  EXPECT_TRUE(monitor.finish().empty());
}

TEST_F(L1WatchTest, TheReadyMarkerSwitchesToTheShorterSilenceEvenWhenSplitAcrossChunks) {
  FakeMonitor monitor(socket);
  L1Watch watch(socket, 600s, 1s, "@@NESTED-READY");  // before ready: far longer than the test
  watch.heard("booting\n@@NESTED-RE");
  watch.heard("ADY 1\n");
  const auto start = std::chrono::steady_clock::now();
  while (!watch.fired() && std::chrono::steady_clock::now() - start < 10s) std::this_thread::sleep_for(50ms);
  watch.stop();
  EXPECT_TRUE(watch.fired());
}

TEST_F(L1WatchTest, AMonitorThatCannotBeReachedIsSaidSo) {
  L1Watch watch(dir / "no-such-socket", 1s, 1s, "@@NESTED-READY");
  const auto start = std::chrono::steady_clock::now();
  while (!watch.fired() && std::chrono::steady_clock::now() - start < 10s) std::this_thread::sleep_for(50ms);
  watch.stop();
  ASSERT_TRUE(watch.fired());
  EXPECT_NE(watch.state().find("cannot be reached"), std::string::npos) << watch.state();
}

}  // namespace
}  // namespace tailor::testing
