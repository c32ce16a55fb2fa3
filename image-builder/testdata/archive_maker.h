// Test helper: writes small tar / ar archives with libarchive, so that tests
// can make packages and container images (good and broken) on the fly.
#pragma once

#include <archive.h>
#include <archive_entry.h>

#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

namespace tailor::testing_support {

struct Member {
  std::string name;
  std::string data;             // file bytes
  char type = 'f';              // 'f' file, 'd' dir, 'l' symlink, 'h' hard link
  std::string target;           // symlink or hard link target
  unsigned mode = 0644;
};

inline Member file(std::string name, std::string data, unsigned mode = 0644) { return {std::move(name), std::move(data), 'f', "", mode}; }
inline Member dir(std::string name) { return {std::move(name), "", 'd', "", 0755}; }
inline Member symlink(std::string name, std::string target) { return {std::move(name), "", 'l', std::move(target), 0777}; }
inline Member hardlink(std::string name, std::string target) { return {std::move(name), "", 'h', std::move(target), 0644}; }

// format: "tar" (pax restricted) or "ar"; filter: "", "gzip", "xz", "zstd".
inline std::string make_archive(const std::vector<Member>& members, const std::string& format = "tar",
                                const std::string& filter = "") {
  archive* a = archive_write_new();
  if (format == "ar") archive_write_set_format_ar_svr4(a);
  else archive_write_set_format_pax_restricted(a);
  if (filter == "gzip") archive_write_add_filter_gzip(a);
  else if (filter == "xz") archive_write_add_filter_xz(a);
  else if (filter == "zstd") archive_write_add_filter_zstd(a);
  std::string out;
  auto append = [](archive*, void* client, const void* buf, size_t n) -> la_ssize_t {
    static_cast<std::string*>(client)->append(static_cast<const char*>(buf), n);
    return static_cast<la_ssize_t>(n);
  };
  archive_write_set_bytes_in_last_block(a, 1);
  if (archive_write_open(a, &out, nullptr, append, nullptr) != ARCHIVE_OK) throw std::runtime_error(archive_error_string(a));
  for (const auto& m : members) {
    archive_entry* e = archive_entry_new();
    archive_entry_set_pathname(e, m.name.c_str());
    archive_entry_set_perm(e, m.mode);
    archive_entry_set_mtime(e, 1700000000, 0);
    switch (m.type) {
      case 'd': archive_entry_set_filetype(e, AE_IFDIR); break;
      case 'l':
        archive_entry_set_filetype(e, AE_IFLNK);
        archive_entry_set_symlink(e, m.target.c_str());
        break;
      case 'h':
        archive_entry_set_filetype(e, AE_IFREG);
        archive_entry_set_hardlink(e, m.target.c_str());
        break;
      default:
        archive_entry_set_filetype(e, AE_IFREG);
        archive_entry_set_size(e, static_cast<la_int64_t>(m.data.size()));
    }
    if (archive_write_header(a, e) != ARCHIVE_OK) throw std::runtime_error(archive_error_string(a));
    if (m.type == 'f' && !m.data.empty()) archive_write_data(a, m.data.data(), m.data.size());
    archive_entry_free(e);
  }
  archive_write_close(a);
  archive_write_free(a);
  return out;
}

}  // namespace tailor::testing_support
