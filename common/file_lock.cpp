#include "common/file_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <utility>

#include "common/error.h"

namespace tailor {
namespace {

int open_lock_file(const std::filesystem::path& path) {
  if (path.has_parent_path()) std::filesystem::create_directories(path.parent_path());
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) throw Error(errno_message("cannot open lock file " + path.string(), errno));
  return fd;
}

int flock_op(FileLock::Mode mode) { return mode == FileLock::Mode::Exclusive ? LOCK_EX : LOCK_SH; }

}  // namespace

FileLock FileLock::acquire(const std::filesystem::path& path, Mode mode, const std::function<void()>& on_wait) {
  int fd = open_lock_file(path);
  if (::flock(fd, flock_op(mode) | LOCK_NB) == 0) return FileLock(fd);
  if (errno != EWOULDBLOCK) {
    int err = errno;
    ::close(fd);
    throw Error(errno_message("cannot lock " + path.string(), err));
  }
  if (on_wait) on_wait();
  while (::flock(fd, flock_op(mode)) != 0) {
    if (errno == EINTR) continue;
    int err = errno;
    ::close(fd);
    throw Error(errno_message("cannot lock " + path.string(), err));
  }
  return FileLock(fd);
}

FileLock FileLock::try_acquire(const std::filesystem::path& path, Mode mode) {
  int fd = open_lock_file(path);
  if (::flock(fd, flock_op(mode) | LOCK_NB) == 0) return FileLock(fd);
  ::close(fd);
  return FileLock(-1);
}

FileLock::FileLock(FileLock&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}

FileLock& FileLock::operator=(FileLock&& other) noexcept {
  if (this != &other) {
    release();
    fd_ = std::exchange(other.fd_, -1);
  }
  return *this;
}

FileLock::~FileLock() { release(); }

void FileLock::release() {
  if (fd_ >= 0) {
    ::close(fd_);  // closing the descriptor drops the flock
    fd_ = -1;
  }
}

}  // namespace tailor
