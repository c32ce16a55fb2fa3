// Planning an image: payload, tailor's files, closure; everything an
// initramfs holds, each path with its source and reason.
#include "image-builder/image_plan.h"

#include <optional>
#include <set>

#include <fmt/core.h>

#include "common/error.h"
#include "common/fs.h"
#include "common/sha256.h"
#include "image-builder/embedded.h"
#include "image-builder/kml_musl.h"
#include "image-builder/trusted_program.h"

namespace tailor::image {
namespace {

namespace stdfs = std::filesystem;

// A generated file, stored once by content under <cache>/generated.
PayloadNode tailor_node(NodeType type, std::uint32_t mode, const std::string& reason) {
  PayloadNode n;
  n.type = type;
  n.mode = mode;
  n.source = "tailor";
  n.reason = reason;
  return n;
}

// A directory /init needs (mount point, /dev, /tmp) unless the payload has one.
void ensure_dir(ImagePlan& plan, const std::string& path, std::uint32_t mode, const std::string& reason) {
  if (const PayloadNode* n = plan.tree.lookup(path); n && n->type == NodeType::Dir) return;
  if (const PayloadNode* n = plan.tree.find(path); n && n->type != NodeType::Dir && n->type != NodeType::Symlink)
    plan.notes.push_back(path + " from " + n->source + " replaced by a directory (" + reason + ")");
  plan.tree.put(path, tailor_node(NodeType::Dir, mode, reason));
}

// Files every Debian system has that no package ships (base-passwd and
// netbase write them at install time): the standard static users and groups
// with those the packages' scripts would add (package_setup.h), and
// localhost. Added only when the payload has none.
constexpr const char* kHosts = "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n";

void ensure_file(ImagePlan& plan, const std::filesystem::path& cache, const std::string& path, std::string_view bytes,
                 const std::string& reason) {
  if (plan.tree.lookup(path)) return;
  PayloadNode n = tailor_node(NodeType::File, 0644, reason);
  n.content = generated_file(cache, bytes);
  plan.tree.put(path, n);
}

}  // namespace

std::string trusted_path(const std::string& path) { return "/trusted" + path; }

std::string volume_device(size_t index) { return std::string("vd") + static_cast<char>('a' + index); }

std::string encode_init_config(const InitConfig& c) {
  std::string out;
  auto rec = [&](char tag, const std::string& value) {
    if (value.find('\0') != std::string::npos) throw Error("a NUL byte cannot be passed to the app: " + value);
    out += tag;
    out += value;
    out += '\0';
  };
  for (const auto& m : c.mounts) rec('m', m.type + ":" + m.target);
  if (c.loopback) rec('l', "1");
  rec('w', c.workdir);
  for (const auto& n : c.nets) rec('n', n);
  for (const auto& v : c.volumes) rec('v', v);
  rec('t', std::to_string(c.stop_timeout_s));
  rec('x', c.exec);
  for (const auto& a : c.argv) rec('a', a);
  for (const auto& e : c.env) rec('e', e);
  return out;
}

std::vector<std::pair<std::string, std::string>> app_environment(const Manifest& m) {
  auto env = m.app.env;
  auto has = [&](const std::string& k) {
    for (const auto& [name, v] : env)
      if (name == k) return true;
    return false;
  };
  if (!has("PATH")) env.emplace_back("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
  if (!has("HOME")) env.emplace_back("HOME", "/");
  if (!has("TERM")) env.emplace_back("TERM", "linux");
  return env;
}

ImagePlan plan_image(const Manifest& m, const stdfs::path& cache, Progress& progress, std::uint64_t max_unpacked_bytes) {
  AssembledPayload payload = assemble_payload(m, cache, progress, max_unpacked_bytes);
  ImagePlan plan;
  plan.tree = std::move(payload.tree);
  plan.images = std::move(payload.images);
  plan.notes = std::move(payload.notes);

  // The closure: argv[0] and every ELF file, completed from the pool and the host.
  ClosureOptions options;
  options.argv0 = m.app.argv[0];
  options.argv0_where = m.argv_where.str();
  options.pool = payload.pool.empty() ? nullptr : &payload.pool;
  for (const auto& [k, v] : app_environment(m)) {
    if (k != "LD_LIBRARY_PATH") continue;
    size_t start = 0;
    while (start <= v.size()) {
      size_t colon = v.find(':', start);
      std::string dir = v.substr(start, colon == std::string::npos ? std::string::npos : colon - start);
      if (!dir.empty() && dir.front() == '/') options.ld_library_path.push_back(dir);
      if (colon == std::string::npos) break;
      start = colon + 1;
    }
  }
  try {
    plan.closure = complete_closure(plan.tree, options);
  } catch (const Error& e) {
    // Name the manifest when the message does not already point into it.
    const std::string file = m.argv_where.file;
    std::string msg = e.what();
    if (file.empty() || msg.rfind(file, 0) == 0) throw;
    throw Error(file + ": " + msg);
  }
  for (const auto& w : plan.closure.warnings) plan.notes.push_back("warning: " + w);

  // tailor's own files. /init last-writer-wins over a payload /init.
  if (const PayloadNode* old = plan.tree.find("/init"))
    plan.notes.push_back("/init from " + old->source + " is replaced by tailor's /init (the app runs as argv says)");
  PayloadNode init = tailor_node(NodeType::File, 0755, "the image's /init: mounts, runs the app, reports its status");
  init.content = generated_file(cache, embedded_init_binary());
  plan.tree.put("/init", init);

  ensure_dir(plan, "/dev", 0755, "holds the console");
  PayloadNode console = tailor_node(NodeType::CharDev, 0600, "the kernel opens it for /init's stdin/stdout/stderr");
  console.rdev_major = 5;
  console.rdev_minor = 1;
  plan.tree.put("/dev/console", console);
  ensure_dir(plan, "/tmp", 01777, "scratch space for the app");
  ensure_dir(plan, "/run", 0755, "run-time state (pid files, sockets), as base-files would create it");
  for (const auto& mount : m.app.mounts) ensure_dir(plan, mount.target, 0755, "mount point for " + mount.type);
  ensure_dir(plan, m.app.workdir, 0755, "the app's working directory");
  const std::string accounts = payload.setup.users.empty() && payload.setup.groups.empty()
                                   ? ", as base-passwd would install them"
                                   : ", as base-passwd and the packages' scripts would install them";
  ensure_file(plan, cache, "/etc/passwd", passwd_file(payload.setup), "standard users (getpwnam)" + accounts);
  ensure_file(plan, cache, "/etc/group", group_file(payload.setup), "standard groups (getgrnam)" + accounts);
  ensure_file(plan, cache, "/etc/hosts", kHosts, "localhost resolves without DNS");
  if (m.net.present)
    ensure_file(plan, cache, "/etc/resolv.conf", "nameserver " + m.net.dns + "\n", "[net] dns: the resolver's name server");

  // A volume is mounted over its path: the payload must not have files there,
  // which the mount would hide.
  for (size_t i = 0; i < m.volumes.size(); ++i) {
    const VolumeSpec& v = m.volumes[i];
    std::string real = v.path;
    if (const PayloadNode* n = plan.tree.lookup(v.path, &real); n && n->type != NodeType::Dir)
      throw Error(v.where.str() + ": [[volume]] #" + std::to_string(i + 1) + ": path " + v.path + " is a " +
                  node_type_name(n->type) + " of the payload (" + n->source + "); mount the volume elsewhere");
    for (const auto& [path, node] : plan.tree.nodes())
      if (path.size() > real.size() && path.compare(0, real.size() + 1, real + "/") == 0)
        throw Error(v.where.str() + ": [[volume]] #" + std::to_string(i + 1) + ": path " + v.path +
                    " collides with the payload's " + path + " (" + node.source +
                    "), which the volume would hide; mount it elsewhere or move those files into the volume's seed");
    ensure_dir(plan, v.path, 0755, "mount point of [[volume]] #" + std::to_string(i + 1));
    plan.init.volumes.push_back(volume_device(i) + " ext4 " + v.path + (v.read_only ? " ro" : " rw"));
  }
  if (m.net.present) plan.init.nets.push_back("eth0 " + m.net.address + " " + m.net.gateway);
  plan.init.stop_timeout_s = m.run.stop_timeout_s;

  plan.init.mounts = m.app.mounts;
  plan.init.loopback = m.app.loopback;
  plan.init.workdir = m.app.workdir;
  plan.init.argv = m.app.argv;
  plan.init.exec = m.app.argv[0];
  for (const auto& [k, v] : app_environment(m)) plan.init.env.push_back(k + "=" + v);

  if (m.kernel.kml) {
    // KML runs programs under /trusted at CPL 0: the app's program goes
    // there, with the rewritten copies of its closure (trusted_program.h);
    // argv[0] stays as written.
    if (plan.closure.exec_chain.size() > 1)
      throw Error(m.argv_where.str() + ": [kernel] kml = true needs argv[0] to be an ELF program, but " + m.app.argv[0] +
                  " is a #! script; name its interpreter first instead (argv = [\"" + plan.closure.exec_chain.back() +
                  "\", \"" + m.app.argv[0] + "\", ...])");
    // The copies keep the names they are run by (/usr/bin/redis-server is a
    // symlink to redis-check-rdb, which looks at its name). A musl program
    // gets the KML-aware musl, built (or found in the cache) when one needs it.
    std::optional<stdfs::path> built_musl;
    const KmlMuslSource kml_musl = [&]() {
      if (!built_musl) built_musl = kml_musl_libc(default_kml_musl_script(), cache, progress);
      return *built_musl;
    };
    plan.trusted.push_back(place_trusted_program(plan.tree, m.app.argv[0], m.app.argv, cache, kml_musl));
    plan.init.exec = plan.trusted.front().exec;
    plan.init.argv = plan.trusted.front().argv;
    for (size_t i = 0; i < m.kernel.trusted.size(); ++i) {
      const std::string where = m.kernel.trusted_where[i].str() + ": [kernel] trusted: ";
      const PayloadNode* n = plan.tree.lookup(m.kernel.trusted[i]);
      if (!n || n->type != NodeType::File)
        throw Error(where + m.kernel.trusted[i] + " is not a file of the image; add it to a [[payload]]");
      try {
        plan.trusted.push_back(place_trusted_program(plan.tree, m.kernel.trusted[i], {m.kernel.trusted[i]}, cache, kml_musl));
      } catch (const Error& e) {
        throw Error(where + e.what());
      }
    }
    size_t rewritten = 0, left = 0, files = 0;
    for (const TrustedProgram& t : plan.trusted) {
      rewritten += t.rewritten();
      left += t.left();
      files += t.files.size();
    }
    plan.notes.push_back(fmt::format("KML: {} syscall sites of the trusted programs and their libraries rewritten to call "
                                     "the kernel, {} left as they are ({} files; image.lock.json lists them)",
                                     rewritten, left, files));
  }

  // /tailor is tailor's: a payload file or symlink there (which would send
  // init.conf somewhere else in the image) makes way for the directory.
  if (const PayloadNode* t = plan.tree.find("/tailor"); t && t->type != NodeType::Dir) {
    plan.notes.push_back("/tailor from " + t->source + " is replaced by tailor's directory (it holds /init's configuration)");
    plan.tree.remove("/tailor");
  }
  PayloadNode conf = tailor_node(NodeType::File, 0644, "what /init mounts and runs");
  conf.content = generated_file(cache, encode_init_config(plan.init));
  plan.tree.put("/tailor/init.conf", conf);

  // Every package of every install set: kept ones gave files, left-out ones
  // are listed with the rule that left them out.
  plan.packages = std::move(payload.packages);
  return plan;
}

}  // namespace tailor::image
