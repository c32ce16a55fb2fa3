// Read-only file mappings with errors that name the file and its role.
#include "runner/mapped_file.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <utility>

#include "common/error.h"
#include "runner/runner.h"
#include "common/unique_fd.h"

namespace tailor::runner {

MappedFile::MappedFile(const std::filesystem::path& path, std::string_view role) {
  const std::string what = std::string(role) + " " + path.string();
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) throw Error(errno_message("cannot open " + what, errno), exit_codes::kBadImage);
  struct stat st{};
  if (::fstat(fd.get(), &st) != 0) throw Error(errno_message("cannot stat " + what, errno), exit_codes::kBadImage);
  if (!S_ISREG(st.st_mode)) throw Error(what + ": not a regular file", exit_codes::kBadImage);
  if (st.st_size == 0) throw Error(what + ": the file is empty", exit_codes::kBadImage);
  size_ = static_cast<std::size_t>(st.st_size);
  void* p = ::mmap(nullptr, size_, PROT_READ, MAP_PRIVATE, fd.get(), 0);
  if (p == MAP_FAILED) throw Error(errno_message("cannot map " + what, errno), exit_codes::kBadImage);
  data_ = static_cast<const std::uint8_t*>(p);
}

MappedFile::MappedFile(MappedFile&& other) noexcept
    : data_(std::exchange(other.data_, nullptr)), size_(std::exchange(other.size_, 0)) {}

MappedFile::~MappedFile() {
  if (data_) ::munmap(const_cast<std::uint8_t*>(data_), size_);
}

}  // namespace tailor::runner
