// .deb reading: an outer libarchive reader walks the ar members; the tar
// members are read by inner readers fed from the outer one, so nothing is
// extracted twice.
#include "image-builder/deb_package.h"
#include "image-builder/archive_extract.h"

#include <archive.h>
#include <archive_entry.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <memory>
#include <sstream>

#include "common/error.h"
#include "common/sha256.h"

namespace tailor::image {
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
    archive_set_error(inner, EIO, "%s", archive_message(outer).c_str());
    return -1;
  }
  return static_cast<la_ssize_t>(size);
}

Reader open_member(archive* outer, const std::string& what) {
  Reader inner(archive_read_new());
  archive_read_support_filter_all(inner.get());
  archive_read_support_format_tar(inner.get());
  if (archive_read_open(inner.get(), outer, nullptr, read_from_outer, nullptr) != ARCHIVE_OK)
    throw Error(what + ": corrupt or truncated (not a readable tar archive): " + archive_message(inner.get()));
  return inner;
}

// The control file and the preinst/postinst scripts of a control.tar member,
// each at most kMaxControlFileBytes. Other members are skipped (libarchive
// decompresses them to do so), so each is charged to the budget: a bomb there
// is bounded too. Returns name -> text ("control", "preinst", "postinst").
std::map<std::string, std::string> read_control_member(archive* outer, UnpackBudget& budget, const std::string& what) {
  Reader inner = open_member(outer, what);
  std::map<std::string, std::string> found;
  archive_entry* e = nullptr;
  for (;;) {
    int r = archive_read_next_header(inner.get(), &e);
    if (r == ARCHIVE_EOF) break;
    if (r < ARCHIVE_WARN) throw Error(what + ": corrupt or truncated: " + archive_message(inner.get()));
    const char* raw = archive_entry_pathname(e);
    std::string name = raw ? raw : "";
    budget.charge_member(name, "", what);
    if (name.rfind("./", 0) == 0) name.erase(0, 2);
    if (name == "control" || name == "preinst" || name == "postinst") {
      const auto too_big = [&] {
        return Error(what + ": the " + name + " file is larger than " + size_text(kMaxControlFileBytes) +
                     " (real ones are a few KiB): not a usable package");
      };
      if (archive_entry_size_is_set(e) && static_cast<std::uint64_t>(archive_entry_size(e)) > kMaxControlFileBytes)
        throw too_big();
      std::string text;
      char buf[8192];
      la_ssize_t n;
      while ((n = archive_read_data(inner.get(), buf, sizeof buf)) > 0) {
        if (text.size() + static_cast<size_t>(n) > kMaxControlFileBytes) throw too_big();
        text.append(buf, static_cast<size_t>(n));
      }
      if (n < 0) throw Error(what + ": corrupt or truncated: " + archive_message(inner.get()));
      if (found.count(name)) throw Error(what + ": two " + name + " files: refusing an ambiguous package");
      // Scripts are only read for the commands they run, which are ASCII; other
      // bytes (a binary script, another encoding) would not survive the JSON
      // metadata, so they become '?'.
      if (name != "control")
        for (char& c : text)
          if (static_cast<unsigned char>(c) >= 0x80 || c == '\0') c = '?';
      found[name] = std::move(text);
      continue;
    }
    if (archive_entry_size_is_set(e)) budget.charge(static_cast<std::uint64_t>(archive_entry_size(e)), what);
  }
  if (!found.count("control")) throw Error(what + ": has no control file");
  return found;
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
    } else if (key == "Provides") {
      for (const auto& group : parse_depends(value)) c.provides.insert(c.provides.end(), group.begin(), group.end());
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

bool is_debian_package_name(std::string_view name) {
  auto alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  return name.size() >= 2 && alnum(name[0]) &&
         std::all_of(name.begin(), name.end(), [&](char c) { return alnum(c) || c == '+' || c == '-' || c == '.'; });
}

bool is_debian_version(std::string_view v) {
  auto alnum = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; };
  auto all_of = [](std::string_view s, auto ok) { return std::all_of(s.begin(), s.end(), ok); };
  if (size_t colon = v.find(':'); colon != std::string_view::npos) {
    std::string_view epoch = v.substr(0, colon);
    if (epoch.empty() || !all_of(epoch, [](char c) { return c >= '0' && c <= '9'; })) return false;
    v.remove_prefix(colon + 1);
  }
  std::string_view upstream = v;
  if (size_t dash = v.rfind('-'); dash != std::string_view::npos) {
    std::string_view revision = v.substr(dash + 1);
    if (revision.empty() || !all_of(revision, [&](char c) { return alnum(c) || c == '+' || c == '.' || c == '~'; }))
      return false;
    upstream = v.substr(0, dash);
  }
  return !upstream.empty() && upstream[0] >= '0' && upstream[0] <= '9' &&
         all_of(upstream, [&](char c) { return alnum(c) || c == '+' || c == '.' || c == '~' || c == '-'; });
}

std::string package_spec_problem(std::string_view spec) {
  const std::string quoted = "'" + std::string(spec.substr(0, 80)) + (spec.size() > 80 ? "...'" : "'");
  std::string_view name = spec, version, arch;
  const size_t eq = name.find('=');
  if (eq != std::string_view::npos) {
    version = name.substr(eq + 1);
    name = name.substr(0, eq);
  }
  const size_t colon = name.find(':');
  if (colon != std::string_view::npos) {
    arch = name.substr(colon + 1);
    name = name.substr(0, colon);
  }
  if (!is_debian_package_name(name))
    return quoted + " is not a Debian package name (two or more of a-z, 0-9, '+', '-', '.', starting with a letter "
                    "or digit; optionally :ARCH and =VERSION), nor a .deb file";
  if (colon != std::string_view::npos && !is_debian_package_name(arch))
    return quoted + ": '" + std::string(arch.substr(0, 80)) + "' is not an architecture name (e.g. amd64)";
  if (eq != std::string_view::npos && !is_debian_version(version))
    return quoted + ": '" + std::string(version.substr(0, 80)) +
           "' is not a Debian version ([epoch:]upstream[-revision], upstream starting with a digit)";
  return {};
}

std::pair<DebControl, std::vector<TreeEntry>> read_deb(const stdfs::path& deb, BlobStore& blobs, UnpackBudget& budget) {
  const std::string what = deb.string();
  std::error_code ec;
  if (!stdfs::is_regular_file(deb, ec)) throw Error(what + ": no such .deb file");
  Reader outer(archive_read_new());
  archive_read_support_format_ar(outer.get());
  if (archive_read_open_filename(outer.get(), deb.c_str(), 1 << 16) != ARCHIVE_OK)
    throw Error(what + ": not a Debian package (not an ar archive: " + archive_message(outer.get()) + ")");

  bool have_version = false;
  std::string control_member, data_member;  // the names read, to refuse a second one
  DebControl control;
  std::vector<TreeEntry> entries;
  for (int index = 0;; ++index) {
    archive_entry* e = nullptr;
    int r = archive_read_next_header(outer.get(), &e);
    if (r == ARCHIVE_EOF) break;
    if (r < ARCHIVE_WARN)
      throw Error(what + ": corrupt or truncated Debian package: " + archive_message(outer.get()));
    const char* raw = archive_entry_pathname(e);
    std::string name = raw ? raw : "";
    while (!name.empty() && name.back() == '/') name.pop_back();  // GNU ar style
    // dpkg reads the first control.tar and data.tar member and ignores what
    // follows; another reader could take the last. Such a package means two
    // things at once, so it is refused rather than read either way.
    auto refuse_second = [&](const std::string& first, const char* kind) {
      if (!first.empty())
        throw Error(what + ": two " + kind + " members ('" + first + "' and '" + name +
                    "'): dpkg would install the first, other tools the last; refusing an ambiguous package");
    };
    if (index == 0) {
      if (name != "debian-binary") throw Error(what + ": not a Debian package (first member is '" + name + "', not debian-binary)");
      char buf[16] = {};
      la_ssize_t n = archive_read_data(outer.get(), buf, sizeof buf - 1);
      if (n < 2 || buf[0] != '2' || buf[1] != '.')
        throw Error(what + ": unsupported Debian package format (debian-binary is not 2.x)");
      have_version = true;
    } else if (name.rfind("control.tar", 0) == 0) {
      refuse_second(control_member, "control.tar");
      auto files = read_control_member(outer.get(), budget, what + " (" + name + ")");
      control = parse_control(files["control"]);
      files.erase("control");
      control.scripts = std::move(files);
      control_member = name;
    } else if (name.rfind("data.tar", 0) == 0) {
      refuse_second(data_member, "data.tar");
      Reader inner = open_member(outer.get(), what + " (" + name + ")");
      entries = read_tar_entries(inner.get(), blobs, budget, what + " (" + name + ")");
      data_member = name;
    }
  }
  if (!have_version) throw Error(what + ": not a Debian package (empty archive)");
  if (control_member.empty()) throw Error(what + ": corrupt Debian package: no control.tar member");
  if (data_member.empty()) throw Error(what + ": corrupt Debian package: no data.tar member");
  if (control.package.empty()) throw Error(what + ": corrupt Debian package: the control file has no Package field");
  if (!is_debian_package_name(control.package))
    throw Error(what + ": corrupt Debian package: the control file's Package '" + control.package.substr(0, 80) +
                "' is not a Debian package name");
  return {control, entries};
}

UnpackedTree unpack_deb(const stdfs::path& deb, const stdfs::path& cache, std::uint64_t max_unpacked_bytes) {
  std::error_code ec;
  if (!stdfs::is_regular_file(deb, ec)) throw Error(deb.string() + ": no such .deb file");
  const std::string sha = sha256_file(deb);
  // "deb2-": entries made before provides and scripts were kept lack them.
  return cached_unpack(cache, "deb2-" + sha, deb.string(), max_unpacked_bytes, [&](BlobStore& blobs, UnpackBudget& budget) {
    auto [control, entries] = read_deb(deb, blobs, budget);
    nlohmann::json meta = {{"package", control.package},   {"version", control.version},
                           {"architecture", control.architecture}, {"section", control.section},
                           {"depends", control.depends},  {"provides", control.provides},
                           {"scripts", control.scripts},  {"sha256", sha}};
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
  c.provides = tree.meta.value("provides", std::vector<std::string>{});
  c.scripts = tree.meta.value("scripts", std::map<std::string, std::string>{});
  return c;
}

}  // namespace tailor::image
