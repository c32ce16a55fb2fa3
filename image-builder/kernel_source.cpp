#include "image-builder/kernel_source.h"

#include <sys/stat.h>

#include <algorithm>
#include <sstream>

#include "common/error.h"
#include "common/file_lock.h"
#include "common/fs.h"
#include "common/kernel_version.h"
#include "common/sha256.h"
#include "common/subprocess.h"
#include "image-builder/archive_extract.h"

namespace tailor::image {
namespace {

namespace stdfs = std::filesystem;

// Written into every tree we create, last, before the rename that publishes it:
// "id <id>\nversion <version>\n".
constexpr const char* kStampName = ".tailor-source";

struct Stamp {
  std::string id;
  std::string version;
};

std::optional<Stamp> read_stamp(const stdfs::path& tree) {
  std::error_code ec;
  if (!stdfs::is_regular_file(tree / kStampName, ec)) return std::nullopt;
  std::istringstream in(read_file(tree / kStampName));
  Stamp s;
  std::string key;
  while (in >> key) {
    if (key == "id") in >> s.id;
    else if (key == "version") in >> s.version;
  }
  if (s.id.empty()) return std::nullopt;
  return s;
}

void write_stamp(const stdfs::path& tree, const Stamp& s) {
  write_file_atomic(tree / kStampName, "id " + s.id + "\nversion " + s.version + "\n");
}

void check_kernel_tree(const stdfs::path& dir, const std::string& what) {
  std::error_code ec;
  if (!stdfs::is_directory(dir, ec)) throw Error(what + ": no such directory");
  for (const char* required : {"Makefile", "Kconfig", "arch/x86/Kconfig", "scripts/kconfig"}) {
    if (!stdfs::exists(dir / required, ec))
      throw Error(what + ": not a Linux source tree (" + required + " is missing)");
  }
}

// sha256 of a tarball, remembered per (path, size, mtime, inode) so that a
// 140 MB file is read once, not on every cache lookup.
std::string tarball_digest(const stdfs::path& tarball, const stdfs::path& cache) {
  struct stat st {};
  if (::stat(tarball.c_str(), &st) != 0) throw Error(errno_message(tarball.string(), errno));
  std::string memo_key = Sha256()
                             .field(stdfs::absolute(tarball).string())
                             .field(std::to_string(st.st_size))
                             .field(std::to_string(st.st_mtim.tv_sec) + "." + std::to_string(st.st_mtim.tv_nsec))
                             .field(std::to_string(st.st_ino))
                             .hex();
  stdfs::path memo = cache / "sources" / "digests" / memo_key;
  std::error_code ec;
  if (stdfs::is_regular_file(memo, ec)) {
    std::string d = read_file(memo);
    if (d.size() == 64) return d;
  }
  std::string digest = sha256_file(tarball);
  write_file_atomic(memo, digest);
  return digest;
}

// Identity of a user's directory: every file's relative path, size and mtime.
// Any edit changes it, so a modified tree never hits a stale cached kernel.
std::string directory_fingerprint(const stdfs::path& dir) {
  Sha256 h;
  h.field("tailor-dir-v1");
  std::vector<std::string> rows;
  std::error_code ec;
  auto it = stdfs::recursive_directory_iterator(dir, stdfs::directory_options::skip_permission_denied, ec);
  if (ec) throw Error(dir.string() + ": cannot read directory: " + ec.message());
  for (; it != stdfs::recursive_directory_iterator(); it.increment(ec)) {
    if (ec) throw Error(dir.string() + ": cannot read directory: " + ec.message());
    const auto& p = it->path();
    std::string name = p.filename().string();
    if (it->is_directory(ec) && (name == ".git" || name == kStampName)) {
      it.disable_recursion_pending();
      continue;
    }
    struct stat st {};
    if (::lstat(p.c_str(), &st) != 0 || S_ISDIR(st.st_mode)) continue;
    rows.push_back(p.lexically_relative(dir).string() + "\t" + std::to_string(st.st_size) + "\t" +
                   std::to_string(st.st_mtim.tv_sec) + "." + std::to_string(st.st_mtim.tv_nsec));
  }
  std::sort(rows.begin(), rows.end());
  for (const auto& r : rows) h.field(r);
  return h.hex();
}

KernelTree unpack_tarball(const stdfs::path& tarball, const stdfs::path& cache, Progress& progress) {
  std::error_code ec;
  if (!stdfs::is_regular_file(tarball, ec)) throw Error(tarball.string() + ": no such source tarball");
  std::string digest = tarball_digest(tarball, cache);
  stdfs::path final_dir = cache / "sources" / ("tar-" + digest.substr(0, 16));
  if (auto stamp = read_stamp(final_dir)) return {final_dir, stamp->id, stamp->version};

  // Serialise unpacks of the same tarball; a second process waits, then finds the tree.
  FileLock lock = FileLock::acquire(cache / "locks" / ("source-" + digest.substr(0, 16) + ".lock"),
                                    FileLock::Mode::Exclusive, [&] {
                                      progress.clear();
                                      std::fprintf(stderr, "tailor: waiting for another process unpacking %s\n",
                                                   tarball.c_str());
                                    });
  if (auto stamp = read_stamp(final_dir)) return {final_dir, stamp->id, stamp->version};
  // A directory without a stamp is the remains of an older, broken run.
  remove_tree(final_dir);

  TempDir temp(final_dir);
  ExtractOptions opts;
  opts.strip_components = 1;  // Debian's tarball holds linux-source-6.1/...
  opts.on_progress = [&](std::uint64_t done, std::uint64_t total) {
    progress.update("unpack", total ? static_cast<int>(done * 100 / total) : -1, tarball.filename().string());
  };
  extract_archive(tarball, temp.path(), opts);
  check_kernel_tree(temp.path(), tarball.string() + " (unpacked)");
  std::string version = kernel_version_from_makefile(read_file(temp.path() / "Makefile"), tarball.string());
  Stamp stamp{"linux-" + version + "-tar-" + digest.substr(0, 16), version};
  write_stamp(temp.path(), stamp);
  temp.commit();
  progress.clear();
  return {final_dir, stamp.id, stamp.version};
}

}  // namespace

stdfs::path debian_source_tarball(const std::string& version) {
  return stdfs::path("/usr/src") / ("linux-source-" + version + ".tar.xz");
}

KernelTree provision_source(const KernelSourceSpec& spec, const stdfs::path& cache, Progress& progress) {
  switch (spec.kind) {
    case KernelSourceSpec::Kind::Version: {
      if (spec.version != "6.1" && spec.version != "6.12")
        throw Error("unknown kernel version '" + spec.version + "' (supported: 6.1, 6.12; or use --kernel-src/--tarball)");
      stdfs::path tarball = debian_source_tarball(spec.version);
      std::error_code ec;
      if (!stdfs::exists(tarball, ec))
        throw Error(tarball.string() + " is missing: install Debian's linux-source-" + spec.version +
                    " package (./setup.sh does), or pass --kernel-src DIR / --tarball FILE");
      return unpack_tarball(tarball, cache, progress);
    }
    case KernelSourceSpec::Kind::Tarball:
      return unpack_tarball(spec.path, cache, progress);
    case KernelSourceSpec::Kind::Directory: {
      stdfs::path dir = stdfs::absolute(spec.path).lexically_normal();
      check_kernel_tree(dir, "--kernel-src " + spec.path.string());
      std::string version = kernel_version_from_makefile(read_file(dir / "Makefile"), dir.string());
      if (auto stamp = read_stamp(dir)) return {dir, stamp->id, stamp->version};
      progress.update("source", -1, "fingerprinting " + dir.string());
      std::string fp = directory_fingerprint(dir);
      progress.clear();
      return {dir, "linux-" + version + "-dir-" + fp.substr(0, 16), version};
    }
  }
  throw Error("unknown kernel source kind");
}

KernelTree apply_series(const KernelTree& base, const PatchSeries& series, const stdfs::path& cache,
                        Progress& progress) {
  if (series.patches.empty()) return base;
  std::string id = base.id + "+p" + series.content_hash.substr(0, 16);
  stdfs::path final_dir = cache / "sources" / id;
  if (auto stamp = read_stamp(final_dir)) return {final_dir, stamp->id, stamp->version};

  FileLock lock = FileLock::acquire(cache / "locks" / ("source-" + id + ".lock"));
  if (auto stamp = read_stamp(final_dir)) return {final_dir, stamp->id, stamp->version};
  remove_tree(final_dir);

  TempDir temp(final_dir);
  progress.update("patch", 0, "linking " + base.dir.filename().string());
  std::error_code ec;
  stdfs::copy(base.dir, temp.path(), stdfs::copy_options::recursive | stdfs::copy_options::create_hard_links |
                                         stdfs::copy_options::copy_symlinks, ec);
  if (ec) throw Error("cannot copy " + base.dir.string() + " for patching: " + ec.message());
  stdfs::remove(temp.path() / kStampName, ec);

  size_t done = 0;
  for (const auto& p : series.patches) {
    progress.update("patch", static_cast<int>(done * 100 / series.patches.size()), p.name);
    ProcessOptions o;
    o.cwd = temp.path();
    o.capture = true;
    const stdfs::path rejects = temp.path() / ".tailor-rejects";
    ProcessResult r = run_process({"patch", "-p" + std::to_string(p.strip), "--batch", "--forward",
                                   "--no-backup-if-mismatch", "-r", rejects.string(), "-i", p.file.string()},
                                  o);
    if (!r.ok()) {
      progress.clear();
      // The first line says what failed and where; then patch's report and
      // the first rejected hunk itself, so the author sees what did not match.
      std::string summary, details, current_file;
      std::istringstream lines(r.output);
      std::string line;
      while (std::getline(lines, line)) {
        if (line.rfind("patching file ", 0) == 0) current_file = line.substr(14);
        bool problem = line.find("FAILED") != std::string::npos || line.find("can't find file") != std::string::npos ||
                       line.find("malformed") != std::string::npos || line.find("Reversed") != std::string::npos ||
                       line.find("No such file") != std::string::npos || line.find("Only garbage") != std::string::npos;
        if (problem && summary.empty()) summary = (current_file.empty() ? "" : current_file + ": ") + line;
        if (problem || line.rfind("patching file ", 0) == 0) details += "  " + line + "\n";
      }
      if (summary.empty()) summary = "patch(1) failed (" + r.describe() + ")";
      if (details.empty()) details = r.output;
      std::string rej = stdfs::exists(rejects, ec) ? read_file(rejects) : std::string();
      if (size_t at = rej.find("\n@@"); at != std::string::npos) {
        size_t stop = rej.find("\n@@", at + 3);
        std::string hunk = rej.substr(at + 1, stop == std::string::npos ? std::string::npos : stop - at);
        if (std::count(hunk.begin(), hunk.end(), '\n') > 24) {
          size_t cut = 0;
          for (int i = 0; i < 24; ++i) cut = hunk.find('\n', cut) + 1;
          hunk = hunk.substr(0, cut) + "...\n";
        }
        details += "first failing hunk:\n" + hunk;
      }
      while (!details.empty() && details.back() == '\n') details.pop_back();
      throw Error("patch " + p.name + " (" + series.series_file.string() + ":" + std::to_string(p.line) +
                  ") does not apply to Linux " + base.version + ": " + summary + "; nothing was kept\n" + details);
    }
    ++done;
  }
  write_stamp(temp.path(), {id, base.version});
  temp.commit();
  progress.clear();
  return {final_dir, id, base.version};
}

}  // namespace tailor::image
