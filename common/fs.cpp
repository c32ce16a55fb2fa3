#include "common/fs.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <random>
#include <sstream>

#include "common/error.h"

namespace tailor {

std::string errno_message(const std::string& what, int err) {
  return what + ": " + std::strerror(err);
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(errno_message("cannot read " + path.string(), errno));
  std::ostringstream buf;
  buf << in.rdbuf();
  if (in.bad()) throw Error("error while reading " + path.string());
  return buf.str();
}

namespace {

// Temporary names carry ".tmp-" so that gc can recognise leftovers of a crash.
constexpr std::string_view kTempMarker = ".tmp-";

std::string random_suffix() {
  static std::atomic<unsigned> counter{0};
  std::random_device rd;
  return std::to_string(::getpid()) + "-" + std::to_string(counter++) + "-" + std::to_string(rd() % 100000);
}

void write_all(int fd, std::string_view data, const fs::path& path) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      throw Error(errno_message("cannot write " + path.string(), errno));
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
}

}  // namespace

fs::path sibling_temp_path(const fs::path& target) {
  fs::path dir = target.parent_path();
  std::string name = "." + target.filename().string() + std::string(kTempMarker) + random_suffix();
  return dir.empty() ? fs::path(name) : dir / name;
}

bool is_temp_name(std::string_view name) { return name.find(kTempMarker) != std::string_view::npos; }

std::vector<fs::path> abandoned_temps(const fs::path& dir, std::string_view prefix) {
  std::vector<fs::path> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    const std::string name = e.path().filename().string();
    const size_t marker = name.find(kTempMarker);
    if (marker == std::string::npos || name.compare(0, prefix.size(), prefix) != 0) continue;
    // ".name.tmp-<pid>-<n>-<r>": the pid of the process that made it.
    const std::string digits = name.substr(marker + kTempMarker.size(), name.find('-', marker + kTempMarker.size()) -
                                                                            (marker + kTempMarker.size()));
    if (digits.empty() || digits.size() > 9 || digits.find_first_not_of("0123456789") != std::string::npos) continue;
    const pid_t pid = static_cast<pid_t>(std::stol(digits));
    if (pid <= 0 || ::kill(pid, 0) == 0 || errno == EPERM) continue;  // alive (or not ours to judge)
    out.push_back(e.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

void write_file_atomic(const fs::path& path, std::string_view contents, fs::perms mode) {
  if (path.has_parent_path()) fs::create_directories(path.parent_path());
  fs::path tmp = sibling_temp_path(path);
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, static_cast<mode_t>(mode));
  if (fd < 0) throw Error(errno_message("cannot create " + tmp.string(), errno));
  try {
    write_all(fd, contents, tmp);
    if (::fchmod(fd, static_cast<mode_t>(mode)) != 0) throw Error(errno_message("cannot chmod " + tmp.string(), errno));
    if (::fsync(fd) != 0) throw Error(errno_message("cannot sync " + tmp.string(), errno));
  } catch (...) {
    ::close(fd);
    ::unlink(tmp.c_str());
    throw;
  }
  ::close(fd);
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    int err = errno;
    ::unlink(tmp.c_str());
    throw Error(errno_message("cannot rename " + tmp.string() + " to " + path.string(), err));
  }
}

void copy_file_atomic(const fs::path& from, const fs::path& to) {
  if (to.has_parent_path()) fs::create_directories(to.parent_path());
  fs::path tmp = sibling_temp_path(to);
  std::error_code ec;
  fs::copy_file(from, tmp, fs::copy_options::overwrite_existing, ec);
  if (ec) throw Error("cannot copy " + from.string() + " to " + to.string() + ": " + ec.message());
  fs::rename(tmp, to, ec);
  if (ec) {
    fs::remove(tmp);
    throw Error("cannot rename " + tmp.string() + " to " + to.string() + ": " + ec.message());
  }
}

TempDir::TempDir(const fs::path& final_path) : final_path_(final_path) {
  if (final_path.has_parent_path()) fs::create_directories(final_path.parent_path());
  path_ = sibling_temp_path(final_path);
  std::error_code ec;
  fs::create_directory(path_, ec);
  if (ec) throw Error("cannot create directory " + path_.string() + ": " + ec.message());
}

TempDir::TempDir(TempDir&& other) noexcept
    : path_(std::move(other.path_)), final_path_(std::move(other.final_path_)), committed_(other.committed_) {
  other.committed_ = true;
}

TempDir::~TempDir() {
  if (committed_) return;
  std::error_code ec;
  fs::remove_all(path_, ec);
}

bool TempDir::commit() {
  if (::rename(path_.c_str(), final_path_.c_str()) == 0) {
    committed_ = true;
    return true;
  }
  int err = errno;
  if (err == ENOTEMPTY || err == EEXIST) {
    remove_tree(path_);
    committed_ = true;
    return false;
  }
  throw Error(errno_message("cannot rename " + path_.string() + " to " + final_path_.string(), err));
}

void remove_tree(const fs::path& path) {
  std::error_code ec;
  fs::remove_all(path, ec);
  if (ec && ec != std::errc::no_such_file_or_directory)
    throw Error("cannot remove " + path.string() + ": " + ec.message());
}

std::uintmax_t tree_size(const fs::path& path) {
  std::error_code ec;
  if (!fs::exists(path, ec)) return 0;
  if (fs::is_regular_file(path, ec)) return fs::file_size(path, ec);
  std::uintmax_t total = 0;
  for (auto it = fs::recursive_directory_iterator(path, fs::directory_options::skip_permission_denied, ec);
       it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (ec) break;
    if (it->is_regular_file(ec) && !it->is_symlink(ec)) total += it->file_size(ec);
  }
  return total;
}

}  // namespace tailor
