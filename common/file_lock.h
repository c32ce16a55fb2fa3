// Advisory whole-file locks (flock) that serialise work between tailor
// processes, e.g. two builds of the same kernel at once.
#pragma once

#include <filesystem>
#include <functional>

namespace tailor {

class FileLock {
 public:
  enum class Mode { Exclusive, Shared };

  // Blocks until the lock is held. `on_wait` is called once, before blocking,
  // if another process holds the lock (to tell the user why we pause).
  static FileLock acquire(const std::filesystem::path& path, Mode mode = Mode::Exclusive,
                          const std::function<void()>& on_wait = {});
  // Returns an unlocked object (held() == false) instead of blocking.
  static FileLock try_acquire(const std::filesystem::path& path, Mode mode = Mode::Exclusive);

  FileLock() = default;  // holds nothing
  FileLock(FileLock&& other) noexcept;
  FileLock& operator=(FileLock&& other) noexcept;
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;
  ~FileLock();

  bool held() const { return fd_ >= 0; }
  void release();

 private:
  explicit FileLock(int fd) : fd_(fd) {}
  int fd_ = -1;
};

}  // namespace tailor
