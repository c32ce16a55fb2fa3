// cpio newc through libarchive.
#include "tests/runner/nested/cpio_writer.h"

#include <archive.h>
#include <archive_entry.h>
#include <sys/stat.h>

#include "common/error.h"
#include "common/fs.h"

namespace tailor::testing {

void CpioWriter::Deleter::operator()(archive* a) const { archive_write_free(a); }

CpioWriter::CpioWriter(const std::filesystem::path& path)
    : path_(path), temp_(sibling_temp_path(path)), out_(archive_write_new()) {
  archive_write_set_format_cpio_newc(out_.get());
  archive_write_add_filter_none(out_.get());
  if (archive_write_open_filename(out_.get(), temp_.c_str()) != ARCHIVE_OK)
    throw Error("cannot create " + temp_.string() + ": " + archive_error_string(out_.get()));
}

CpioWriter::~CpioWriter() {
  if (!finished_) {
    out_.reset();
    std::error_code ec;
    std::filesystem::remove(temp_, ec);
  }
}

void CpioWriter::header(const std::string& name, unsigned type, unsigned mode, std::int64_t size, const char* link) {
  archive_entry* e = archive_entry_new();
  archive_entry_set_pathname(e, name.c_str());
  archive_entry_set_filetype(e, type);
  archive_entry_set_perm(e, mode);
  archive_entry_set_size(e, size);
  archive_entry_set_mtime(e, 0, 0);
  archive_entry_set_uid(e, 0);
  archive_entry_set_gid(e, 0);
  archive_entry_set_nlink(e, type == AE_IFDIR ? 2 : 1);
  if (link) archive_entry_set_symlink(e, link);
  int r = archive_write_header(out_.get(), e);
  archive_entry_free(e);
  if (r != ARCHIVE_OK) throw Error("cpio: cannot add " + name + ": " + archive_error_string(out_.get()));
}

void CpioWriter::directory(const std::string& name, unsigned mode) { header(name, AE_IFDIR, mode, 0, nullptr); }

void CpioWriter::file(const std::string& name, std::string_view contents, unsigned mode) {
  header(name, AE_IFREG, mode, static_cast<std::int64_t>(contents.size()), nullptr);
  if (!contents.empty() &&
      archive_write_data(out_.get(), contents.data(), contents.size()) != static_cast<la_ssize_t>(contents.size()))
    throw Error("cpio: cannot write " + name + ": " + archive_error_string(out_.get()));
}

void CpioWriter::host_file(const std::string& name, const std::filesystem::path& source, unsigned mode) {
  struct stat st {};
  if (::stat(source.c_str(), &st) != 0) throw Error(errno_message("cpio: " + source.string(), errno));
  file(name, read_file(source), mode ? mode : (st.st_mode & 07777));
}

void CpioWriter::symlink(const std::string& name, const std::string& target) {
  header(name, AE_IFLNK, 0777, 0, target.c_str());
}

void CpioWriter::finish() {
  if (archive_write_close(out_.get()) != ARCHIVE_OK)
    throw Error("cpio: cannot finish " + temp_.string() + ": " + archive_error_string(out_.get()));
  std::filesystem::rename(temp_, path_);
  finished_ = true;
}

}  // namespace tailor::testing
