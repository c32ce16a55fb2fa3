// Payload assembly from host files, manifest files, Debian packages (fetched
// by name or given as files) and container images.
#include "image-builder/payload_sources.h"

#include <sys/stat.h>

#include <algorithm>
#include <set>

#include "common/error.h"
#include "common/sha256.h"
#include "image-builder/apt_fetch.h"
#include "image-builder/deb_package.h"
#include "image-builder/deb_selection.h"
#include "common/fs.h"
#include "image-builder/oci_image.h"

namespace tailor::image {
namespace {

namespace stdfs = std::filesystem;

// Puts an unpacked package's members into `tree`; hard links share the bytes
// of their target (earlier in the same package).
void add_package(PayloadTree& tree, const UnpackedTree& pkg, const std::string& source, const std::string& reason,
                 bool skip_docs, const std::string& what) {
  std::map<std::string, FileContent> seen;
  for (const auto& e : pkg.entries) {
    if (skip_docs && is_package_doc_path(e.path)) continue;
    PayloadNode n = payload_node(e, pkg.blob_dir(), source, reason);
    if (e.type == NodeType::File) {
      if (!e.hardlink.empty()) {
        auto it = seen.find(e.hardlink);
        if (it == seen.end()) throw Error(what + ": hard link " + e.path + " to " + e.hardlink + ", which it does not hold");
        n.content = it->second;
      }
      seen[e.path] = n.content;
    }
    tree.put(e.path, n);
  }
}

std::string where_prefix(const SourceLocation& where) { return where.str() + ": "; }

bool is_deb_file(const std::string& spec) { return spec.find('/') != std::string::npos; }

}  // namespace

bool is_package_doc_path(const std::string& path) {
  static const std::vector<std::string> prefixes = {"/usr/share/doc/", "/usr/share/man/", "/usr/share/info/",
                                                    "/usr/share/lintian/", "/usr/share/bug/", "/usr/share/locale/"};
  for (const auto& p : prefixes)
    if (path.rfind(p, 0) == 0 || path + "/" == p) return true;
  return false;
}

void add_host_path(PayloadTree& tree, const std::string& image_path, const stdfs::path& host,
                   const std::string& source_prefix, const std::string& what, const stdfs::path& label_base) {
  auto label = [&](const stdfs::path& p) {
    return source_prefix + " " + (label_base.empty() ? p.string() : p.lexically_relative(label_base).string());
  };
  std::error_code ec;
  const auto status = stdfs::status(host, ec);  // follows a symlink named directly
  if (ec || !stdfs::exists(status)) throw Error(what + ": " + host.string() + " does not exist on this host");
  if (stdfs::is_regular_file(status)) {
    tree.put(image_path, host_file_node(host, label(host), "payload"));
    return;
  }
  if (!stdfs::is_directory(status))
    throw Error(what + ": " + host.string() + " is neither a file nor a directory (devices and sockets are not copied)");

  auto put_dir = [&](const std::string& path, const stdfs::path& from) {
    struct stat st {};
    ::stat(from.c_str(), &st);
    PayloadNode d;
    d.type = NodeType::Dir;
    d.mode = st.st_mode & 07777;
    d.source = label(from);
    d.reason = "payload";
    tree.put(path, d);
  };
  put_dir(image_path, host);
  // Sorted walk, so that the result does not depend on directory order.
  std::vector<stdfs::path> items;
  for (auto it = stdfs::recursive_directory_iterator(host, stdfs::directory_options::none, ec);
       !ec && it != stdfs::recursive_directory_iterator(); it.increment(ec))
    items.push_back(it->path());
  if (ec) throw Error(what + ": cannot read directory " + host.string() + ": " + ec.message());
  std::sort(items.begin(), items.end());
  for (const auto& p : items) {
    const std::string target = normalize_image_path(image_path + "/" + p.lexically_relative(host).string());
    auto st = stdfs::symlink_status(p, ec);
    if (stdfs::is_symlink(st)) {
      PayloadNode l;
      l.type = NodeType::Symlink;
      l.link_target = stdfs::read_symlink(p, ec).string();
      l.source = label(p);
      l.reason = "payload";
      tree.put(target, l);
    } else if (stdfs::is_directory(st)) {
      put_dir(target, p);
    } else if (stdfs::is_regular_file(st)) {
      tree.put(target, host_file_node(p, label(p), "payload"));
    }
  }
}

namespace {

// The deb list of one [[payload]] table with deb_deps = true: apt's install
// set, each package kept (into `out.tree`) or left out (into `out.pool`).
void add_resolved_debs(const PayloadSpec& p, const std::string& what, const stdfs::path& cache, Progress& progress,
                       std::uint64_t max_unpacked_bytes, AssembledPayload& out,
                       std::vector<PackageSetupInput>& setup_inputs) {
  // .deb files are read first: they must be well-formed before apt sees them,
  // and their package names are roots of the walk.
  InstallRequest request;
  request.recommends = p.deb_recommends;
  std::map<std::string, std::pair<stdfs::path, UnpackedTree>> local;  // package -> file, unpacked
  std::vector<std::string> named;
  for (size_t i = 0; i < p.deb.size(); ++i) {
    const std::string& spec = p.deb[i];
    if (!is_deb_file(spec)) {
      request.specs.push_back(spec);
      named.push_back(spec.substr(0, spec.find_first_of(":=")));
      continue;
    }
    UnpackedTree pkg;
    try {
      pkg = unpack_deb(spec, cache, max_unpacked_bytes);
    } catch (const Error& e) {
      throw Error(where_prefix(p.deb_where[i]) + e.what());
    }
    const DebControl control = control_of(pkg);
    // apt reads the file's Depends as data, but a name outside Debian's grammar
    // marks a broken or hostile package: say so rather than let apt guess.
    for (const auto& group : control.depends)
      for (const auto& dep : group)
        if (!is_debian_package_name(dep))
          throw Error(where_prefix(p.deb_where[i]) + "package " + control.package + ": its Depends/Pre-Depends names '" +
                      dep.substr(0, 80) + "', which is not a Debian package name (a broken or hostile package; set "
                      "deb_deps = false to ignore its dependencies)");
    const std::string name = control.package;
    request.deb_files.push_back(spec);
    named.push_back(name);
    local[name] = {spec, std::move(pkg)};
  }

  progress.update("resolve", -1, "apt-get (simulated, empty status)");
  std::vector<ResolvedPackage> resolved;
  try {
    resolved = resolve_install_set(request, cache);
  } catch (const Error& e) {
    // Point at the manifest entry apt complained about.
    const std::string msg = e.what();
    const std::string first_line = msg.substr(0, msg.find('\n'));
    for (size_t i = 0; i < p.deb.size(); ++i)
      if (first_line.find("'" + named[i] + "'") != std::string::npos ||
          first_line.find("]: " + named[i] + " ") != std::string::npos)
        throw Error(where_prefix(p.deb_where[i]) + msg);
    throw Error(what + " deb: " + msg);
  }

  // Download what is not a local file, at exactly the versions apt chose.
  std::vector<std::string> specs;
  for (const auto& r : resolved)
    if (!r.local) specs.push_back(r.package + "=" + r.version);
  std::vector<AptDeb> fetched = fetch_debs(specs, cache, progress);

  std::vector<DebControl> controls;
  std::map<std::string, std::pair<UnpackedTree, PackageRecord>> unpacked;
  size_t next_fetched = 0;
  for (const auto& r : resolved) {
    UnpackedTree pkg;
    PackageRecord record;
    if (r.local) {
      auto it = local.find(r.package);
      if (it == local.end()) throw Error(what + " deb: apt-get planned a local package '" + r.package + "' it was not given");
      pkg = it->second.second;
      record.file = it->second.first.filename().string();
    } else {
      const AptDeb& d = fetched[next_fetched++];
      progress.update("package", -1, d.filename);
      pkg = unpack_deb(d.file, cache, max_unpacked_bytes);
      record.file = d.filename;
    }
    DebControl control = control_of(pkg);
    if (control.package != r.package)
      throw Error(what + " deb: " + record.file + " holds package '" + control.package + "', not '" + r.package + "'");
    record.package = control.package;
    record.version = control.version;
    record.architecture = control.architecture;
    record.sha256 = pkg.meta.value("sha256", "");
    controls.push_back(control);
    unpacked[control.package] = {std::move(pkg), record};
  }

  std::vector<SelectedPackage> selection;
  try {
    selection = select_packages(controls, {named, p.deb_include, p.deb_exclude});
  } catch (const Error& e) {
    throw Error(what + ": " + e.what());
  }
  for (const auto& s : selection) {
    auto& [pkg, record] = unpacked.at(s.package);
    const DebControl control = control_of(pkg);
    const std::string source = "deb " + control.package + " " + control.version;
    if (s.kept) {
      record.role = s.named ? "payload" : "dependency";
      record.chain = chain_text(s.chain);
      add_package(out.tree, pkg, source, s.named ? "payload" : "dependency: " + record.chain, true, what);
      PackageSetupInput input{control.package, control.scripts, {}, {}};
      for (const auto& e : pkg.entries) {
        if (e.type != NodeType::File || !e.hardlink.empty() || e.size > kMaxControlFileBytes) continue;
        const bool sysusers = e.path.rfind("/usr/lib/sysusers.d/", 0) == 0;
        const bool tmpfiles = e.path.rfind("/usr/lib/tmpfiles.d/", 0) == 0;
        if (!sysusers && !tmpfiles) continue;
        (sysusers ? input.sysusers : input.tmpfiles).push_back(read_file(pkg.blob(e.sha256)));
      }
      setup_inputs.push_back(std::move(input));
    } else {
      record.role = "left out";
      record.left_out = s.why_left_out;
      try {
        add_package(out.pool, pkg, source, "left-out package (" + s.why_left_out + ")", true, record.file);
      } catch (const Error& e) {
        out.notes.push_back("left-out package " + record.file + " is not in the library pool either: " + e.what());
      }
    }
    out.packages.push_back(record);
  }
}

// Puts what installation would have created at `path`; a path the tree
// cannot take (a file where a directory should be) becomes a warning.
void put_derived(AssembledPayload& out, const std::string& path, const PayloadNode& node, const std::string& what) {
  try {
    out.tree.put(path, node);
  } catch (const Error& e) {
    out.notes.push_back("warning: " + what + ": " + e.what());
  }
}

PayloadNode derived_node(NodeType type, std::uint32_t mode, const std::string& package, const std::string& how) {
  PayloadNode n;
  n.type = type;
  n.mode = mode;
  n.source = "deb " + package;
  n.reason = "created at installation (" + how + ")";
  return n;
}

// What the kept packages' scripts and data would have created, where the
// payload does not have it already: directories, alternatives' and literal
// links whose target is in the image, copies of files the image has.
void apply_package_setup(AssembledPayload& out, const std::vector<PackageSetupInput>& inputs) {
  out.setup = derive_package_setup(inputs);
  for (const auto& d : out.setup.dirs)
    if (!out.tree.lookup(d.path))
      put_derived(out, d.path, derived_node(NodeType::Dir, d.mode, d.package, d.how),
                  d.package + " would create directory " + d.path);
  for (const auto& l : out.setup.links) {
    const std::string target = l.target.front() == '/' ? l.target : image_dirname(l.link) + "/" + l.target;
    if (out.tree.find(l.link) || out.tree.resolve(l.link) || !out.tree.lookup(normalize_image_path(target))) continue;
    PayloadNode n = derived_node(NodeType::Symlink, 0777, l.package, l.how);
    n.link_target = l.target;
    put_derived(out, l.link, n, l.package + " would link " + l.link);
  }
  for (const auto& c : out.setup.copies) {
    const PayloadNode* from = out.tree.lookup(c.from);
    if (out.tree.lookup(c.to) || !from || from->type != NodeType::File) continue;
    PayloadNode n = derived_node(NodeType::File, from->mode, c.package, "cp " + c.from);
    n.content = from->content;
    put_derived(out, c.to, n, c.package + " would copy " + c.from + " to " + c.to);
  }
  for (const auto& w : out.setup.warnings) out.notes.push_back("warning: " + w);
}

}  // namespace

AssembledPayload assemble_payload(const Manifest& m, const stdfs::path& cache, Progress& progress,
                                  std::uint64_t max_unpacked_bytes) {
  AssembledPayload out;
  std::vector<PackageSetupInput> setup_inputs;

  for (const PayloadSpec& p : m.payloads) {
    const std::string what = where_prefix(p.where) + "[[payload]] #" + std::to_string(p.index);

    if (!p.oci.empty()) {
      progress.update("image", -1, stdfs::path(p.oci).filename().string());
      UnpackedTree img;
      try {
        img = unpack_oci(p.oci, p.oci_ref, cache, max_unpacked_bytes);
      } catch (const Error& e) {
        throw Error(what + " oci: " + e.what());
      }
      const std::string source = "oci " + stdfs::path(p.oci).filename().string() + " " + img.meta.value("image", "");
      add_package(out.tree, img, source, "payload", false, what);
      nlohmann::json rec = img.meta;
      rec["path"] = stdfs::path(p.oci).filename().string();
      out.images.push_back(rec);
    }

    if (!p.deb.empty() && p.deb_deps) add_resolved_debs(p, what, cache, progress, max_unpacked_bytes, out, setup_inputs);
    if (!p.deb.empty() && !p.deb_deps) {
      std::vector<std::string> names;
      for (const auto& d : p.deb)
        if (!is_deb_file(d)) names.push_back(d);
      std::vector<AptDeb> fetched;
      try {
        fetched = fetch_debs(names, cache, progress);
      } catch (const Error& e) {
        // Point at the manifest entry apt complained about.
        std::string msg = e.what();
        for (size_t i = 0; i < p.deb.size(); ++i)
          if (msg.find("'" + p.deb[i] + "'") != std::string::npos) throw Error(where_prefix(p.deb_where[i]) + msg);
        throw Error(what + " deb: " + msg);
      }
      size_t next_fetched = 0;
      for (size_t i = 0; i < p.deb.size(); ++i) {
        const std::string& spec = p.deb[i];
        stdfs::path file = is_deb_file(spec) ? stdfs::path(spec) : fetched[next_fetched++].file;
        progress.update("package", -1, file.filename().string());
        UnpackedTree pkg;
        try {
          pkg = unpack_deb(file, cache, max_unpacked_bytes);
        } catch (const Error& e) {
          throw Error(where_prefix(p.deb_where[i]) + e.what());
        }
        DebControl control = control_of(pkg);
        add_package(out.tree, pkg, "deb " + control.package + " " + control.version, "payload", true, what);
        out.packages.push_back({control.package, control.version, control.architecture, file.filename().string(),
                                pkg.meta.value("sha256", ""), "payload", "", ""});
      }
    }

    for (const auto& h : p.host) add_host_path(out.tree, h, h, "host", what + " host");
    for (const auto& [image_path, host] : p.files)
      add_host_path(out.tree, image_path, host, "file", what + " files", m.dir);
  }

  apply_package_setup(out, setup_inputs);
  progress.clear();
  // Named packages first, then kept dependencies, then left-out ones; by name.
  auto rank = [](const std::string& role) { return role == "payload" ? 0 : role == "dependency" ? 1 : 2; };
  std::stable_sort(out.packages.begin(), out.packages.end(), [&](const PackageRecord& a, const PackageRecord& b) {
    if (rank(a.role) != rank(b.role)) return rank(a.role) < rank(b.role);
    return a.package < b.package;
  });
  return out;
}

}  // namespace tailor::image
