// Test-only: writes an uncompressed cpio "newc" archive (an initramfs) with
// libarchive, deterministic (mtime 0, root-owned, entries in call order).
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

struct archive;

namespace tailor::testing {

class CpioWriter {
 public:
  // Writes to a temporary file beside `path`; finish() renames it into place.
  explicit CpioWriter(const std::filesystem::path& path);
  ~CpioWriter();
  CpioWriter(const CpioWriter&) = delete;
  CpioWriter& operator=(const CpioWriter&) = delete;

  void directory(const std::string& name, unsigned mode = 0755);
  void file(const std::string& name, std::string_view contents, unsigned mode = 0644);
  void host_file(const std::string& name, const std::filesystem::path& source, unsigned mode = 0);  // 0: keep mode
  void symlink(const std::string& name, const std::string& target);
  void finish();

 private:
  void header(const std::string& name, unsigned type, unsigned mode, std::int64_t size, const char* link);
  std::filesystem::path path_, temp_;
  struct Deleter {
    void operator()(archive* a) const;
  };
  std::unique_ptr<archive, Deleter> out_;
  bool finished_ = false;
};

}  // namespace tailor::testing
