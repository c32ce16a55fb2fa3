// Fetching and unpacking the L1 kernel package: the .deb is an ar archive
// whose data.tar.xz is read as a stream straight out of it (libarchive on top
// of libarchive), keeping only the few members the harness needs.
#include "tests/runner/nested/l1_kernel.h"

#include <archive.h>
#include <archive_entry.h>

#include <map>
#include <memory>
#include <regex>

#include "common/error.h"
#include "common/file_lock.h"
#include "common/fs.h"
#include "common/subprocess.h"

namespace tailor::testing {
namespace {

namespace stdfs = std::filesystem;

struct ReadDeleter {
  void operator()(archive* a) const { archive_read_free(a); }
};
using Reader = std::unique_ptr<archive, ReadDeleter>;

// Inner-archive read callback: pulls bytes from the outer archive's entry.
la_ssize_t read_from_outer(archive*, void* outer, const void** buffer) {
  static thread_local char chunk[1 << 16];
  *buffer = chunk;
  return archive_read_data(static_cast<archive*>(outer), chunk, sizeof chunk);
}

// The file name a data.tar member is kept under, or "" to skip it.
std::string wanted(const std::string& path) {
  static const std::regex vmlinuz(R"(^\.?/?boot/vmlinuz-.*$)");
  if (std::regex_match(path, vmlinuz)) return "vmlinuz";
  const auto slash = path.rfind('/');
  const std::string base = slash == std::string::npos ? path : path.substr(slash + 1);
  for (const auto& m : l1_module_names())
    if (base == m && path.find("/kernel/") != std::string::npos) return m;
  return {};
}

void extract(const stdfs::path& deb, const stdfs::path& dest) {
  Reader outer(archive_read_new());
  archive_read_support_format_ar(outer.get());
  archive_read_support_filter_none(outer.get());
  if (archive_read_open_filename(outer.get(), deb.c_str(), 1 << 16) != ARCHIVE_OK)
    throw Error(deb.string() + ": not a .deb (ar) archive: " + archive_error_string(outer.get()));
  archive_entry* entry;
  while (archive_read_next_header(outer.get(), &entry) == ARCHIVE_OK) {
    const std::string name = archive_entry_pathname(entry);
    if (name.rfind("data.tar", 0) != 0) continue;
    Reader inner(archive_read_new());
    archive_read_support_format_tar(inner.get());
    archive_read_support_filter_all(inner.get());
    if (archive_read_open(inner.get(), outer.get(), nullptr, read_from_outer, nullptr) != ARCHIVE_OK)
      throw Error(deb.string() + ": cannot read " + name + ": " + archive_error_string(inner.get()));
    std::size_t found = 0;
    const std::size_t needed = 1 + l1_module_names().size();
    archive_entry* member;
    int r;
    while (found < needed && (r = archive_read_next_header(inner.get(), &member)) == ARCHIVE_OK) {
      if (archive_entry_filetype(member) != AE_IFREG) continue;
      const std::string keep = wanted(archive_entry_pathname(member));
      if (keep.empty()) continue;
      std::string bytes(static_cast<std::size_t>(archive_entry_size(member)), '\0');
      if (archive_read_data(inner.get(), bytes.data(), bytes.size()) != static_cast<la_ssize_t>(bytes.size()))
        throw Error(deb.string() + ": truncated member " + archive_entry_pathname(member));
      write_file_atomic(dest / keep, bytes);
      ++found;
    }
    if (found < needed)
      throw Error(deb.string() + ": found only " + std::to_string(found) + " of vmlinuz and the KVM modules");
    return;
  }
  throw Error(deb.string() + ": no data.tar member");
}

}  // namespace

const std::vector<std::string>& l1_module_names() {
  static const std::vector<std::string> names = {"irqbypass.ko", "kvm.ko", "ccp.ko", "kvm-amd.ko"};
  return names;
}

std::string current_l1_package() {
  const std::string out = run_capture({"apt-cache", "depends", "linux-image-amd64"});
  std::smatch m;
  static const std::regex dep(R"(Depends: (linux-image-[0-9.]+-[0-9]+-amd64))");
  if (!std::regex_search(out, m, dep))
    throw Error("cannot find the package linux-image-amd64 depends on (apt-cache depends said: " + out + ")");
  return m[1];
}

L1Kernel prepare_l1_kernel(const stdfs::path& cache, const std::string& package, const stdfs::path& deb) {
  const stdfs::path dir = cache / "nested" / package;
  L1Kernel k{package, dir / "vmlinuz", {}};
  for (const auto& m : l1_module_names()) k.modules.push_back(dir / m);
  stdfs::create_directories(cache / "nested");
  FileLock lock = FileLock::acquire(cache / "nested" / (package + ".lock"));
  if (stdfs::exists(dir / "complete")) return k;
  remove_tree(dir);  // never complete: left by a crash

  TempDir work(dir);
  stdfs::path source = deb;
  if (source.empty()) {
    ProcessOptions o;
    o.cwd = work.path();
    o.capture = true;
    ProcessResult r = run_process({"apt-get", "download", package}, o);
    if (!r.ok()) throw Error("apt-get download " + package + " failed (" + r.describe() + "):\n" + r.output);
    for (const auto& e : stdfs::directory_iterator(work.path()))
      if (e.path().extension() == ".deb") source = e.path();
    if (source.empty()) throw Error("apt-get download " + package + " left no .deb");
  }
  extract(source, work.path());
  if (deb.empty()) stdfs::remove(source);
  write_file_atomic(work.path() / "complete", package + "\n");
  work.commit();
  return k;
}

}  // namespace tailor::testing
