#include "image-builder/archive_extract.h"

#include <archive.h>
#include <archive_entry.h>

#include <memory>
#include <string>

#include "common/error.h"

namespace tailor::image {

void UnpackBudget::charge(std::uint64_t bytes, const std::string& what) {
  if (bytes > limit_ - used_)
    throw Error(what + ": unpacking needs more than the limit of " + size_text(limit_) +
                " (a decompression bomb, or a very big archive: if you trust it, raise the limit with "
                "--max-unpacked-size)");
  used_ += bytes;
}

void UnpackBudget::charge_member(std::string_view name, std::string_view link_target, const std::string& what) {
  charge(kMemberOverheadBytes + name.size() + link_target.size(), what);
}

std::string size_text(std::uint64_t bytes) {
  constexpr std::uint64_t kMiB = 1u << 20, kGiB = 1u << 30;
  if (bytes >= kGiB && bytes % kGiB == 0) return std::to_string(bytes / kGiB) + " GiB";
  if (bytes >= kMiB && bytes % kMiB == 0) return std::to_string(bytes / kMiB) + " MiB";
  return std::to_string(bytes) + " bytes";
}

bool has_dotdot_component(std::string_view name) {
  size_t start = 0;
  while (start <= name.size()) {
    const size_t slash = name.find('/', start);
    const size_t end = slash == std::string_view::npos ? name.size() : slash;
    if (name.substr(start, end - start) == "..") return true;
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  return false;
}

namespace {

struct ReaderDeleter {
  void operator()(archive* a) const { archive_read_free(a); }
};
struct WriterDeleter {
  void operator()(archive* a) const { archive_write_free(a); }
};
using Reader = std::unique_ptr<archive, ReaderDeleter>;
using Writer = std::unique_ptr<archive, WriterDeleter>;

// Drops `n` leading components; returns empty when nothing is left.
std::string strip_path(const std::string& path, int n) {
  size_t pos = 0;
  for (int i = 0; i < n; ++i) {
    size_t slash = path.find('/', pos);
    if (slash == std::string::npos) return {};
    pos = slash + 1;
    while (pos < path.size() && path[pos] == '/') ++pos;
  }
  return path.substr(pos);
}

// True for names that would land outside the destination.
bool escapes(const std::string& name) { return name.front() == '/' || has_dotdot_component(name); }

}  // namespace

std::uint64_t extract_archive(const std::filesystem::path& archive_path, const std::filesystem::path& dest,
                              const ExtractOptions& options) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(archive_path, ec))
    throw Error(archive_path.string() + ": no such archive file");
  const std::uint64_t total = std::filesystem::file_size(archive_path, ec);

  Reader in(archive_read_new());
  archive_read_support_filter_all(in.get());
  archive_read_support_format_all(in.get());
  if (archive_read_open_filename(in.get(), archive_path.c_str(), 1 << 20) != ARCHIVE_OK)
    throw Error(archive_path.string() + ": cannot open archive (corrupt, truncated or not an archive): " +
                archive_message(in.get()));

  Writer out(archive_write_disk_new());
  // Entry names are checked below (we hand libarchive absolute paths under
  // `dest`, so its own absolute-path check cannot be used).
  archive_write_disk_set_options(out.get(), ARCHIVE_EXTRACT_TIME | ARCHIVE_EXTRACT_PERM |
                                                ARCHIVE_EXTRACT_SECURE_NODOTDOT | ARCHIVE_EXTRACT_SECURE_SYMLINKS);
  archive_write_disk_set_standard_lookup(out.get());

  std::uint64_t entries = 0;
  for (;;) {
    archive_entry* entry = nullptr;
    int r = archive_read_next_header(in.get(), &entry);
    if (r == ARCHIVE_EOF) break;
    if (r < ARCHIVE_WARN)
      throw Error(archive_path.string() + ": corrupt or truncated archive after " + std::to_string(entries) +
                  " entries: " + archive_message(in.get()));
    const char* raw_name = archive_entry_pathname(entry);
    if (!raw_name) throw Error(archive_path.string() + ": an entry without a name after " + std::to_string(entries) + " entries");
    std::string name = strip_path(raw_name, options.strip_components);
    if (name.empty()) continue;
    if (escapes(name))
      throw Error(archive_path.string() + ": refusing entry '" + name + "' (absolute path or '..')");
    const char* link = archive_entry_hardlink(entry);
    const auto type = archive_entry_filetype(entry);
    if (!link && type != AE_IFREG && type != AE_IFDIR && type != AE_IFLNK) continue;  // devices, FIFOs, sockets
    const std::string label = archive_path.string() + " (" + name + ")";
    const char* symlink = archive_entry_symlink(entry);
    if (options.budget)
      options.budget->charge_member(name, link ? link : symlink ? symlink : "", label);
    archive_entry_set_pathname(entry, (dest / name).c_str());
    if (link) {
      std::string target = strip_path(link, options.strip_components);
      if (target.empty()) continue;
      if (escapes(target))
        throw Error(archive_path.string() + ": refusing hard link to '" + target + "' (absolute path or '..')");
      archive_entry_set_hardlink(entry, (dest / target).c_str());
    }
    // A regular file's declared size (for sparse files the size with holes)
    // is charged before anything is written, so that a bomb leaves no big file.
    const bool sized = archive_entry_size_is_set(entry);
    const std::uint64_t declared = sized ? static_cast<std::uint64_t>(archive_entry_size(entry)) : 0;
    if (options.budget && !link && type == AE_IFREG) options.budget->charge(declared, label);
    if (archive_write_header(out.get(), entry) < ARCHIVE_WARN)
      throw Error(archive_path.string() + ": cannot extract " + name + ": " + archive_message(out.get()));
    if (declared > 0 || (!sized && type == AE_IFREG)) {
      const void* buf = nullptr;
      size_t size = 0;
      la_int64_t offset = 0;
      std::uint64_t charged = declared;
      for (;;) {
        r = archive_read_data_block(in.get(), &buf, &size, &offset);
        if (r == ARCHIVE_EOF) break;
        if (r < ARCHIVE_WARN)
          throw Error(archive_path.string() + ": corrupt or truncated archive at " + name + ": " +
                      archive_message(in.get()));
        const std::uint64_t end = static_cast<std::uint64_t>(offset) + size;
        if (offset < 0 || (sized && end > declared))
          throw Error(archive_path.string() + ": corrupt archive: " + name + " has data beyond its size of " +
                      std::to_string(declared) + " bytes (a bad sparse map?)");
        if (end > charged) {  // only for members of unknown size
          if (options.budget) options.budget->charge(end - charged, label);
          charged = end;
        }
        if (archive_write_data_block(out.get(), buf, size, offset) < ARCHIVE_WARN)
          throw Error(archive_path.string() + ": cannot write " + name + ": " + archive_message(out.get()));
      }
    }
    if (archive_write_finish_entry(out.get()) < ARCHIVE_WARN)
      throw Error(archive_path.string() + ": cannot finish " + name + ": " + archive_message(out.get()));
    ++entries;
    if (options.on_progress && (entries % 256) == 0)
      options.on_progress(static_cast<std::uint64_t>(archive_filter_bytes(in.get(), -1)), total);
  }
  if (archive_write_close(out.get()) != ARCHIVE_OK)
    throw Error(archive_path.string() + ": cannot finish extraction: " + archive_message(out.get()));
  if (entries == 0) throw Error(archive_path.string() + ": archive holds no files");
  if (options.on_progress) options.on_progress(total, total);
  return entries;
}

std::string archive_message(struct archive* a) {
  const char* message = archive_error_string(a);
  return message ? message : "no message from libarchive (corrupt or truncated data)";
}

}  // namespace tailor::image
