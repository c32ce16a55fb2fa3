// The lock file's JSON, field by field, in a fixed order.
#include "image-builder/image_lock.h"

#include <cstdio>
#include <nlohmann/json.hpp>

#include "common/fs.h"
#include "common/sha256.h"
#include "image-builder/deb_selection.h"

namespace tailor::image {
namespace {

using ordered = nlohmann::ordered_json;

std::string octal(std::uint32_t mode) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%04o", mode & 07777);
  return buf;
}

}  // namespace

std::string image_lock_json(const Manifest& m, const ImagePlan& plan, const LockKernel& k, const LockInitramfs& ir) {
  ordered j;
  j["lock_version"] = 1;
  j["name"] = m.name;
  j["manifest"] = {{"file", m.path.filename().string()}, {"sha256", sha256_file(m.path)}};

  ordered env = ordered::array();
  for (const auto& e : plan.init.env) env.push_back(e);
  ordered mounts = ordered::array();
  for (const auto& mt : plan.init.mounts) mounts.push_back(mt.type + ":" + mt.target);
  j["app"] = {{"argv", plan.init.argv},       {"exec", plan.init.exec},     {"exec_chain", plan.closure.exec_chain},
              {"program", plan.closure.app_elf}, {"env", env},             {"workdir", plan.init.workdir},
              {"mounts", mounts},              {"loopback", plan.init.loopback}};

  if (!plan.trusted.empty()) {
    // kml = true: each trusted program (the app first), how /init or a user
    // starts it, and every file of its closure with what the syscall site
    // rewriter did to it.
    ordered programs = ordered::array();
    size_t rewritten = 0, left = 0;
    for (const TrustedProgram& p : plan.trusted) {
      ordered files = ordered::array();
      for (const TrustedFile& f : p.files)
        files.push_back({{"path", f.path},
                         {"trusted_path", f.trusted_path.empty() ? ordered(nullptr) : ordered(f.trusted_path)},
                         {"sha256", f.original_sha256},
                         {"rewritten_sha256", f.rewritten_sha256},
                         {"syscall_sites", f.sites},
                         {"rewritten", f.rewritten},
                         {"left", f.sites - f.rewritten},
                         {"left_by_reason", f.left},
                         {"replaced_by", f.replaced_by.empty() ? ordered(nullptr) : ordered(f.replaced_by)}});
      programs.push_back({{"program", p.files.front().path}, {"argv", p.argv}, {"rewritten", p.rewritten()},
                          {"left", p.left()}, {"files", files}});
      rewritten += p.rewritten();
      left += p.left();
    }
    j["kml"] = {{"rewritten", rewritten}, {"left", left}, {"programs", programs}};
  }

  ordered fragments = ordered::array();
  for (const auto& f : k.fragments) fragments.push_back({{"name", f.name}, {"sha256", sha256_hex(f.text)}});
  j["kernel"] = {{"version", k.version},
                 {"config_source", k.config_origin},
                 {"base", k.base},
                 {"fragments", fragments},
                 {"patches", k.patches.empty() ? ordered(nullptr) : ordered(k.patches)},
                 {"kml", m.kernel.kml},
                 {"cache_key", k.cache_key},
                 {"config_sha256", k.config_sha256},
                 {"bzImage_sha256", k.bzimage_sha256},
                 {"vmlinux_sha256", k.vmlinux_sha256},
                 {"cmdline", k.cmdline},
                 {"smp", m.kernel.smp},
                 {"memory_mib", m.run.memory_mib}};

  j["initramfs"] = {{"file", ir.file},
                    {"compression", compression_name(ir.compression)},
                    {"embedded", ir.embedded},
                    {"entries", ir.info.entries},
                    {"cpio_bytes", ir.info.cpio_bytes},
                    {"bytes", ir.info.bytes},
                    {"sha256", ir.info.sha256}};

  ordered packages = ordered::array();
  bool resolved = false;
  for (const auto& p : plan.packages) {
    ordered rec = {{"package", p.package}, {"version", p.version}, {"architecture", p.architecture},
                   {"file", p.file},       {"sha256", p.sha256},   {"role", p.role}};
    if (!p.chain.empty()) rec["chain"] = p.chain;
    if (!p.left_out.empty()) rec["left_out"] = p.left_out;
    resolved = resolved || p.role != "payload";
    packages.push_back(rec);
  }
  j["packages"] = packages;
  if (resolved)
    j["deb_resolution"] = {
        {"resolver", "apt-get --simulate install against an empty dpkg status (Depends, Pre-Depends)"},
        {"kept", "packages reachable from the named ones without passing an installation-only or deb_exclude package"},
        {"installation_only", installation_only_packages()}};
  ordered images = ordered::array();
  for (const auto& i : plan.images) images.push_back(ordered::parse(i.dump()));
  j["images"] = images;

  ordered files = ordered::array();
  for (const auto& [path, n] : plan.tree.nodes()) {
    ordered f = {{"path", path}, {"type", node_type_name(n.type)}, {"mode", octal(n.mode)}};
    if (n.type == NodeType::File) {
      f["size"] = n.content.size;
      f["sha256"] = n.content.sha256;
    }
    if (n.type == NodeType::Symlink) f["target"] = n.link_target;
    if (n.type == NodeType::CharDev || n.type == NodeType::BlockDev)
      f["device"] = std::to_string(n.rdev_major) + ":" + std::to_string(n.rdev_minor);
    f["source"] = n.source;
    f["reason"] = n.reason;
    files.push_back(f);
  }
  j["files"] = files;
  j["notes"] = plan.notes;
  // File names from packages need not be UTF-8: invalid bytes become U+FFFD.
  return j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

}  // namespace tailor::image
