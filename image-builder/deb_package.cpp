// .deb reading: an outer libarchive reader walks the ar members; the tar
// members are read by inner readers fed from the outer one, so nothing is
// extracted twice.
#include "image-builder/deb_package.h"

#include <archive.h>
#include <archive_entry.h>

#include <cerrno>
#include <memory>
#include <sstream>

#include "common/error.h"
#include "common/sha256.h"

namespace tailor {
namespace {

namespace stdfs = std::filesystem;

struct ReaderDeleter {
  void operator()(archive* a) const { archive_read_free(a); }
};
using Reader = std::unique_ptr<archive, ReaderDeleter>;

std::string trim(const std::string& s) {
  size_t b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return {};
  size_t e = s.find_last_not_of(" \t\r\n");
  return s.substr(b, e - b + 1);
}

// "libc6 (>= 2.34), python3:any | foo" -> {{"libc6"}, {"python3", "foo"}}
std::vector<std::vector<std::string>> parse_depends(const std::string& field) {
  std::vector<std::vector<std::string>> groups;
  std::stringstream all(field);
  std::string group;
  while (std::getline(all, group, ',')) {
    std::vector<std::string> alternatives;
    std::stringstream alts(group);
    std::string alt;
    while (std::getline(alts, alt, '|')) {
      alt = trim(alt);
      size_t cut = alt.find_first_of(" (:[<");
      std::string name = trim(alt.substr(0, cut));
      if (!name.empty()) alternatives.push_back(name);
    }
    if (!alternatives.empty()) groups.push_back(alternatives);
  }
  return groups;
}

// An inner reader pulls the current member's bytes from the outer ar reader.
la_ssize_t read_from_outer(archive* inner, void* client, const void** buffer) {
  auto* outer = static_cast<archive*>(client);
  size_t size = 0;
  la_int64_t offset = 0;
  int r = archive_read_data_block(outer, buffer, &size, &offset);
  if (r == ARCHIVE_EOF) return 0;
  if (r < ARCHIVE_WARN) {
    archive_set_error(inner, EIO, "%s", archive_error_string(outer));
    return -1;
  }
  return static_cast<la_ssize_t>(size);
}

Reader open_member(archive* outer, const std::string& what) {
  Reader inner(archive_read_new());
  archive_read_support_filter_all(inner.get());
  archive_read_support_format_tar(inner.get());
  if (archive_read_open(inner.get(), outer, nullptr, read_from_outer, nullptr) != ARCHIVE_OK)
    throw Error(what + ": corrupt or truncated (not a readable tar archive): " + archive_error_string(inner.get()));
  return inner;
}

std::string read_control_text(archive* outer, const std::string& what) {
  Reader inner = open_member(outer, what);
  archive_entry* e = nullptr;
  for (;;) {
    int r = archive_read_next_header(inner.get(), &e);
    if (r == ARCHIVE_EOF) break;
    if (r < ARCHIVE_WARN) throw Error(what + ": corrupt or truncated: " + archive_error_string(inner.get()));
    std::string name = archive_entry_pathname(e);
    if (name == "./control" || name == "control") {
      std::string text;
      char buf[8192];
      la_ssize_t n;
      while ((n = archive_read_data(inner.get(), buf, sizeof buf)) > 0) text.append(buf, static_cast<size_t>(n));
      if (n < 0) throw Error(what + ": corrupt or truncated: " + archive_error_string(inner.get()));
      return text;
    }
  }
  throw Error(what + ": has no control file");
}

}  // namespace

DebControl parse_control(const std::string& text) {
  DebControl c;
  std::istringstream in(text);
  std::string line, key, value;
  auto commit = [&] {
    if (key == "Package") c.package = trim(value);
    else if (key == "Version") c.version = trim(value);
    else if (key == "Architecture") c.architecture = trim(value);
    else if (key == "Section") c.section = trim(value);
    else if (key == "Depends" || key == "Pre-Depends") {
      auto groups = parse_depends(value);
      c.depends.insert(c.depends.end(), groups.begin(), groups.end());
    }
    key.clear();
    value.clear();
  };
  while (std::getline(in, line)) {
    if (line.empty()) break;  // end of the stanza
    if (line[0] == ' ' || line[0] == '\t') {
      value += " " + line;
      continue;
    }
    commit();
    size_t colon = line.find(':');
    if (colon == std::string::npos) continue;
    key = line.substr(0, colon);
    value = line.substr(colon + 1);
  }
  commit();
  return c;
}

std::pair<DebControl, std::vector<TreeEntry>> read_deb(const stdfs::path& deb, BlobStore& blobs) {
  const std::string what = deb.string();
  std::error_code ec;
  if (!stdfs::is_regular_file(deb, ec)) throw Error(what + ": no such .deb file");
  Reader outer(archive_read_new());
  archive_read_support_format_ar(outer.get());
  if (archive_read_open_filename(outer.get(), deb.c_str(), 1 << 16) != ARCHIVE_OK)
    throw Error(what + ": not a Debian package (not an ar archive: " + archive_error_string(outer.get()) + ")");

  bool have_version = false, have_data = false, have_control = false;
  DebControl control;
  std::vector<TreeEntry> entries;
  for (int index = 0;; ++index) {
    archive_entry* e = nullptr;
    int r = archive_read_next_header(outer.get(), &e);
    if (r == ARCHIVE_EOF) break;
    if (r < ARCHIVE_WARN)
      throw Error(what + ": corrupt or truncated Debian package: " + archive_error_string(outer.get()));
    std::string name = archive_entry_pathname(e);
    while (!name.empty() && name.back() == '/') name.pop_back();  // GNU ar style
    if (index == 0) {
      if (name != "debian-binary") throw Error(what + ": not a Debian package (first member is '" + name + "', not debian-binary)");
      char buf[16] = {};
      la_ssize_t n = archive_read_data(outer.get(), buf, sizeof buf - 1);
      if (n < 2 || buf[0] != '2' || buf[1] != '.')
        throw Error(what + ": unsupported Debian package format (debian-binary is not 2.x)");
      have_version = true;
    } else if (name.rfind("control.tar", 0) == 0) {
      control = parse_control(read_control_text(outer.get(), what + " (" + name + ")"));
      have_control = true;
    } else if (name.rfind("data.tar", 0) == 0) {
      Reader inner = open_member(outer.get(), what + " (" + name + ")");
      entries = read_tar_entries(inner.get(), blobs, what + " (" + name + ")");
      have_data = true;
    }
  }
  if (!have_version) throw Error(what + ": not a Debian package (empty archive)");
  if (!have_control) throw Error(what + ": corrupt Debian package: no control.tar member");
  if (!have_data) throw Error(what + ": corrupt Debian package: no data.tar member");
  if (control.package.empty()) throw Error(what + ": corrupt Debian package: the control file has no Package field");
  return {control, entries};
}

UnpackedTree unpack_deb(const stdfs::path& deb, const stdfs::path& cache) {
  std::error_code ec;
  if (!stdfs::is_regular_file(deb, ec)) throw Error(deb.string() + ": no such .deb file");
  const std::string sha = sha256_file(deb);
  return cached_unpack(cache, "deb-" + sha, [&](BlobStore& blobs) {
    auto [control, entries] = read_deb(deb, blobs);
    nlohmann::json meta = {{"package", control.package},   {"version", control.version},
                           {"architecture", control.architecture}, {"section", control.section},
                           {"depends", control.depends},  {"sha256", sha}};
    return std::make_pair(entries, meta);
  });
}

DebControl control_of(const UnpackedTree& tree) {
  DebControl c;
  c.package = tree.meta.value("package", "");
  c.version = tree.meta.value("version", "");
  c.architecture = tree.meta.value("architecture", "");
  c.section = tree.meta.value("section", "");
  c.depends = tree.meta.value("depends", std::vector<std::vector<std::string>>{});
  return c;
}

}  // namespace tailor
