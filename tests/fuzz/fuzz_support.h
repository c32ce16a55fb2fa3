// What the libFuzzer targets share: the contract they check (bad input is a
// tailor::Error, nothing else), a reader that takes an input apart front to
// back, and a scratch directory for code under test that reads files.
#pragma once

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>
#include <typeinfo>

#include "common/error.h"
#include "common/fs.h"

namespace tailor::fuzz {

// Runs `f` on one input. tailor::Error is the documented answer to bad
// input; any other exception escaping a parser is a bug (a raw library error
// without the file and field, or worse), so it aborts and libFuzzer keeps
// the input as a crash.
template <typename F>
void expect_clean_errors(F&& f) {
  try {
    f();
  } catch (const Error&) {
  } catch (const std::exception& e) {
    std::fprintf(stderr, "fuzz: an exception other than tailor::Error escaped: %s: %s\n", typeid(e).name(), e.what());
    std::abort();
  }
}

// Reads an input as a sequence of fields; past the end every read gives 0
// (or nothing), so that every byte string is a valid program for the
// device targets.
class InputReader {
 public:
  InputReader(const std::uint8_t* data, std::size_t size) : data_(data, size) {}
  bool empty() const { return pos_ >= data_.size(); }
  std::uint8_t u8() { return empty() ? 0 : data_[pos_++]; }
  std::uint16_t u16() { return static_cast<std::uint16_t>(u8() | (u8() << 8)); }
  std::uint32_t u32() { return u16() | (std::uint32_t{u16()} << 16); }
  // Up to `n` bytes (fewer at the end of the input).
  std::span<const std::uint8_t> bytes(std::size_t n) {
    const std::size_t take = std::min(n, data_.size() - std::min(pos_, data_.size()));
    auto out = data_.subspan(std::min(pos_, data_.size()), take);
    pos_ += take;
    return out;
  }

 private:
  std::span<const std::uint8_t> data_;
  std::size_t pos_ = 0;
};

// A directory of this process under $TMPDIR for inputs that must be files
// (archives, ELF programs); clear() empties it between inputs.
class Scratch {
 public:
  explicit Scratch(const std::string& name)
      : dir_(std::filesystem::temp_directory_path() / ("tailor-fuzz-" + name + "-" + std::to_string(::getpid()))) {
    remove_tree(dir_);
    std::filesystem::create_directories(dir_);
  }
  Scratch(const Scratch&) = delete;
  Scratch& operator=(const Scratch&) = delete;
  ~Scratch() {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  const std::filesystem::path& path() const { return dir_; }
  // Writes `size` bytes as file `name` in the directory (replacing it) and
  // returns its path. No fsync: the file lives for one input.
  std::filesystem::path write(const std::string& name, const void* data, std::size_t size) const {
    const auto file = dir_ / name;
    std::FILE* out = std::fopen(file.c_str(), "wb");
    if (!out) throw Error(errno_message("fuzz: cannot create " + file.string(), errno));
    const bool written = std::fwrite(data, 1, size, out) == size;
    if (std::fclose(out) != 0 || !written) throw Error("fuzz: cannot write " + file.string());
    return file;
  }
  // Removes everything the last input left.
  void clear() const {
    for (const auto& e : std::filesystem::directory_iterator(dir_)) remove_tree(e.path());
  }
  // Writes the input as file `name`, runs `f(path)` under
  // expect_clean_errors, then empties the directory.
  template <typename F>
  void run_on_file(const std::string& name, const std::uint8_t* data, std::size_t size, F&& f) const {
    const auto file = write(name, data, size);
    expect_clean_errors([&] { f(file); });
    clear();
  }

 private:
  std::filesystem::path dir_;
};

// The archive targets unpack under a small budget (UnpackBudget), which
// keeps each input cheap; the limit's own value is the unit tests' business.
constexpr std::uint64_t kUnpackBudget = 32 << 20;

// For LLVMFuzzerInitialize: a file written past twice the budget means the
// budget leaked. RLIMIT_FSIZE raises SIGXFSZ there, which libFuzzer reports
// as a finding ("file size exceeded") before the shared disk fills.
inline void watch_unpack_budget() {
  const rlimit limit{2 * kUnpackBudget, 2 * kUnpackBudget};
  ::setrlimit(RLIMIT_FSIZE, &limit);
}

}  // namespace tailor::fuzz
