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
#include "image-builder/oci_image.h"

namespace tailor {
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

AssembledPayload assemble_payload(const Manifest& m, const stdfs::path& cache, Progress& progress,
                                  std::uint64_t max_unpacked_bytes) {
  AssembledPayload out;
  std::vector<DebControl> pool_roots;
  std::set<std::string> named_packages;

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

    if (!p.deb.empty()) {
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
                                pkg.meta.value("sha256", ""), "payload"});
        named_packages.insert(control.package);
        if (p.deb_deps) pool_roots.push_back(control);
      }
    }

    for (const auto& h : p.host) add_host_path(out.tree, h, h, "host", what + " host");
    for (const auto& [image_path, host] : p.files)
      add_host_path(out.tree, image_path, host, "file", what + " files", m.dir);
  }

  if (!pool_roots.empty()) {
    progress.update("dependencies", -1, "apt-cache");
    std::vector<std::string> deps = library_dependencies(pool_roots, apt_cache_lookup(cache));
    deps.erase(std::remove_if(deps.begin(), deps.end(), [&](const std::string& d) { return named_packages.count(d) > 0; }),
               deps.end());
    std::vector<AptDeb> fetched = fetch_debs(deps, cache, progress);
    for (const auto& d : fetched) {
      progress.update("package", -1, d.filename);
      UnpackedTree pkg = unpack_deb(d.file, cache, max_unpacked_bytes);
      DebControl control = control_of(pkg);
      try {
        add_package(out.pool, pkg, "deb " + control.package + " " + control.version, "library pool", true, d.filename);
      } catch (const Error& e) {
        out.notes.push_back("dependency " + d.filename + " left out of the library pool: " + e.what());
        continue;
      }
      out.packages.push_back({control.package, control.version, control.architecture, d.filename, d.sha256, "dependency"});
    }
  }
  progress.clear();
  std::sort(out.packages.begin(), out.packages.end(), [](const PackageRecord& a, const PackageRecord& b) {
    if (a.role != b.role) return a.role > b.role;  // "payload" before "dependency"
    return a.package < b.package;
  });
  return out;
}

}  // namespace tailor
