#include "common/file_lock.h"

#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

namespace tailor {
namespace {

std::filesystem::path lock_path(const std::string& name) {
  return std::filesystem::temp_directory_path() / ("tailor-lock-test-" + name + "-" + std::to_string(::getpid()));
}

TEST(FileLock, SecondExclusiveHolderIsRefusedUntilRelease) {
  auto path = lock_path("excl");
  FileLock first = FileLock::acquire(path);
  ASSERT_TRUE(first.held());
  // flock locks belong to open file descriptions, so a second open in the
  // same process contends just like another process would.
  EXPECT_FALSE(FileLock::try_acquire(path).held());
  first.release();
  EXPECT_TRUE(FileLock::try_acquire(path).held());
  std::filesystem::remove(path);
}

TEST(FileLock, SharedHoldersCoexistButExcludeWriters) {
  auto path = lock_path("shared");
  FileLock a = FileLock::acquire(path, FileLock::Mode::Shared);
  FileLock b = FileLock::try_acquire(path, FileLock::Mode::Shared);
  EXPECT_TRUE(b.held());
  EXPECT_FALSE(FileLock::try_acquire(path, FileLock::Mode::Exclusive).held());
  std::filesystem::remove(path);
}

TEST(FileLock, WaiterIsToldAndProceedsWhenAnotherProcessReleases) {
  auto path = lock_path("wait");
  auto marker = lock_path("wait-marker");
  std::filesystem::remove(marker);
  pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    FileLock held = FileLock::acquire(path);
    std::ofstream(marker) << "locked";
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    std::ofstream(marker) << "released";
    ::_exit(0);
  }
  while (!std::filesystem::exists(marker)) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  bool told_to_wait = false;
  FileLock mine = FileLock::acquire(path, FileLock::Mode::Exclusive, [&] { told_to_wait = true; });
  EXPECT_TRUE(told_to_wait);
  std::ifstream in(marker);
  std::string state;
  in >> state;
  EXPECT_EQ(state, "released");  // we only got the lock after the child let go
  int status = 0;
  ::waitpid(child, &status, 0);
  std::filesystem::remove(path);
  std::filesystem::remove(marker);
}

}  // namespace
}  // namespace tailor
