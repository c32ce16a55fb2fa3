// Test helper: writes small tar / ar archives with libarchive, so that tests
// can make packages and container images (good and broken) on the fly.
#pragma once

#include <archive.h>
#include <archive_entry.h>

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace tailor::testing_support {

struct Member {
  std::string name;
  std::string data;             // file bytes
  char type = 'f';              // 'f' file, 'd' dir, 'l' symlink, 'h' hard link, 'p' FIFO
  std::string target;           // symlink or hard link target
  unsigned mode = 0644;
};

inline Member file(std::string name, std::string data, unsigned mode = 0644) { return {std::move(name), std::move(data), 'f', "", mode}; }
inline Member dir(std::string name) { return {std::move(name), "", 'd', "", 0755}; }
inline Member symlink(std::string name, std::string target) { return {std::move(name), "", 'l', std::move(target), 0777}; }
inline Member hardlink(std::string name, std::string target) { return {std::move(name), "", 'h', std::move(target), 0644}; }
inline Member fifo(std::string name) { return {std::move(name), "", 'p', "", 0644}; }

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
      case 'p': archive_entry_set_filetype(e, AE_IFIFO); break;
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

// A tar holding one old-GNU sparse member (type 'S'): `chunks` (offset,
// bytes) are its data, everything else up to `real_size` is holes. The
// header is laid out byte by byte as GNU tar writes it (at most 4 chunks in
// the header; offsets and sizes in octal, so below 8 GiB): libarchive's
// writer makes no such members, and a hostile archive is free to claim any
// size or overlap its chunks.
inline std::string gnu_sparse_tar(const std::string& name, std::uint64_t real_size,
                                  const std::vector<std::pair<std::uint64_t, std::string>>& chunks) {
  if (name.size() > 100 || chunks.size() > 4) throw std::invalid_argument("gnu_sparse_tar: name or chunks too long");
  std::string h(512, '\0');
  auto put = [&](size_t at, const std::string& s) { h.replace(at, s.size(), s); };
  auto octal = [](std::uint64_t v, int digits) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%0*llo", digits, static_cast<unsigned long long>(v));
    return std::string(buf);
  };
  std::uint64_t stored = 0;
  for (const auto& c : chunks) stored += c.second.size();
  put(0, name);
  put(100, octal(0644, 7));
  put(108, octal(0, 7));
  put(116, octal(0, 7));
  put(124, octal(stored, 11));
  put(136, octal(1700000000, 11));
  h[156] = 'S';
  put(257, "ustar  ");  // GNU's magic and version: "ustar  \0"
  for (size_t i = 0; i < chunks.size(); ++i) {
    put(386 + i * 24, octal(chunks[i].first, 11));
    put(386 + i * 24 + 12, octal(chunks[i].second.size(), 11));
  }
  put(483, octal(real_size, 11));
  put(148, std::string(8, ' '));
  unsigned sum = 0;
  for (unsigned char c : h) sum += c;
  put(148, octal(sum, 6));
  h[154] = '\0';
  std::string out = h;
  for (const auto& c : chunks) out += c.second;
  out.append((512 - out.size() % 512) % 512, '\0');
  out.append(1024, '\0');
  return out;
}

}  // namespace tailor::testing_support
