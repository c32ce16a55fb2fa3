// Strict manifest parsing with toml++: every key is known, every value has the
// right type, and every error points at file:line:column.
#include "image-builder/manifest.h"

#include <algorithm>
#include <cctype>
#include <set>
#include <toml++/toml.h>

#include "common/error.h"
#include "common/fs.h"
#include "image-builder/deb_package.h"
#include "image-builder/payload_tree.h"

namespace tailor::image {
namespace {

namespace stdfs = std::filesystem;

std::string type_name(const toml::node& n) {
  switch (n.type()) {
    case toml::node_type::table: return "a table";
    case toml::node_type::array: return "an array";
    case toml::node_type::string: return "a string";
    case toml::node_type::integer: return "an integer";
    case toml::node_type::floating_point: return "a float";
    case toml::node_type::boolean: return "a boolean";
    case toml::node_type::date: return "a date";
    case toml::node_type::time: return "a time";
    case toml::node_type::date_time: return "a date-time";
    default: return "nothing";
  }
}

// Reads one table: hands out typed values and remembers which keys were used,
// so that finish() can reject the rest.
class TableReader {
 public:
  TableReader(const toml::table& table, std::string context, const std::string& file)
      : table_(table), context_(std::move(context)), file_(file) {}

  SourceLocation where(const toml::node& n) const { return at(n.source()); }
  SourceLocation where_table() const { return at(table_.source()); }

  [[noreturn]] void fail(const toml::node& n, const std::string& what) const {
    throw Error(where(n).str() + ": " + context_ + what);
  }
  [[noreturn]] void fail_table(const std::string& what) const {
    throw Error(where_table().str() + ": " + context_ + what);
  }

  const toml::node* get(const std::string& key) {
    seen_.insert(key);
    return table_.get(key);
  }

  std::optional<std::string> string(const std::string& key) {
    const toml::node* n = get(key);
    if (!n) return std::nullopt;
    if (!n->is_string()) fail(*n, key + " must be a string, not " + type_name(*n));
    return n->as_string()->get();
  }

  std::optional<bool> boolean(const std::string& key) {
    const toml::node* n = get(key);
    if (!n) return std::nullopt;
    if (!n->is_boolean()) fail(*n, key + " must be true or false, not " + type_name(*n));
    return n->as_boolean()->get();
  }

  std::optional<int> integer(const std::string& key, long min, long max) {
    const toml::node* n = get(key);
    if (!n) return std::nullopt;
    if (!n->is_integer()) fail(*n, key + " must be an integer, not " + type_name(*n));
    long v = static_cast<long>(n->as_integer()->get());
    if (v < min || v > max)
      fail(*n, key + " = " + std::to_string(v) + " is out of range (" + std::to_string(min) + ".." +
                   std::to_string(max) + ")");
    return static_cast<int>(v);
  }

  // An array of strings, each with its location.
  std::optional<std::vector<std::pair<std::string, SourceLocation>>> strings(const std::string& key) {
    const toml::node* n = get(key);
    if (!n) return std::nullopt;
    if (!n->is_array()) fail(*n, key + " must be an array of strings, not " + type_name(*n));
    std::vector<std::pair<std::string, SourceLocation>> out;
    size_t i = 0;
    for (const toml::node& e : *n->as_array()) {
      if (!e.is_string())
        fail(e, key + "[" + std::to_string(i) + "] must be a string, not " + type_name(e));
      out.emplace_back(e.as_string()->get(), where(e));
      ++i;
    }
    return out;
  }

  // An inline or standard table of strings ({ KEY = "value" }), in file order.
  std::optional<std::vector<std::tuple<std::string, std::string, SourceLocation>>> string_table(
      const std::string& key) {
    const toml::node* n = get(key);
    if (!n) return std::nullopt;
    if (!n->is_table()) fail(*n, key + " must be a table of strings ({ NAME = \"value\" }), not " + type_name(*n));
    std::vector<std::tuple<std::string, std::string, SourceLocation>> out;
    for (auto&& [k, v] : *n->as_table()) {
      if (!v.is_string())
        fail(v, key + "." + std::string(k.str()) + " must be a string, not " + type_name(v));
      out.emplace_back(std::string(k.str()), v.as_string()->get(), where(v));
    }
    // toml++ keeps tables ordered by key; sort by position so the manifest's order is kept.
    std::stable_sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
      const auto& la = std::get<2>(a);
      const auto& lb = std::get<2>(b);
      return std::tie(la.line, la.column) < std::tie(lb.line, lb.column);
    });
    return out;
  }

  // Rejects keys nobody asked for; `known` lists them for the message.
  void finish(const std::string& known) const {
    for (auto&& [k, v] : table_) {
      std::string key(k.str());
      if (!seen_.count(key))
        throw Error(at(k.source()).str() + ": unknown key '" + key + "' in " + scope() + " (known keys: " + known + ")");
    }
  }

 private:
  SourceLocation at(const toml::source_region& r) const {
    return SourceLocation{file_, static_cast<int>(r.begin.line), static_cast<int>(r.begin.column)};
  }
  std::string scope() const {
    std::string s = context_;
    while (!s.empty() && (s.back() == ' ' || s.back() == ':')) s.pop_back();
    return s.empty() ? "the manifest's top level" : s;
  }

  const toml::table& table_;
  std::string context_;
  const std::string& file_;
  std::set<std::string> seen_;
};

// A table-valued key: returns nullptr when absent, fails when not a table.
const toml::table* subtable(TableReader& top, const std::string& key) {
  const toml::node* n = top.get(key);
  if (!n) return nullptr;
  if (!n->is_table()) top.fail(*n, "[" + key + "] must be a table, not " + type_name(*n));
  return n->as_table();
}

bool is_absolute_image_path(const std::string& p) {
  if (p.empty() || p.front() != '/') return false;
  size_t start = 1;
  while (start <= p.size()) {
    size_t slash = p.find('/', start);
    std::string part = p.substr(start, slash == std::string::npos ? std::string::npos : slash - start);
    if (part == ".." || part == ".") return false;
    if (slash == std::string::npos) break;
    start = slash + 1;
  }
  return true;
}

// A path inside the image must survive the trip into the initramfs intact:
// no NUL (the member name would end there), within Linux's length limits.
void check_image_path(const std::string& p, const SourceLocation& where, const std::string& field) {
  if (std::string problem = image_path_problem(p); !problem.empty()) throw Error(where.str() + ": " + field + ": " + problem);
}

// A host path or a string for the guest: a NUL byte would silently cut it
// short in every C interface it passes through.
void check_no_nul(const std::string& s, const SourceLocation& where, const std::string& field) {
  if (s.find('\0') != std::string::npos)
    throw Error(where.str() + ": " + field + ": " + quoted_image_path(s) + " holds a NUL byte");
}

// Paths tailor writes itself: /init and its configuration under /tailor. A
// manifest that names them would be overruled without a trace of its intent.
void check_not_reserved(const std::string& cleaned, const SourceLocation& where, const std::string& field) {
  if (cleaned == "/init" || cleaned == "/tailor" || cleaned.rfind("/tailor/", 0) == 0)
    throw Error(where.str() + ": " + field + ": '" + cleaned +
                "' is reserved: tailor writes its own /init and /tailor/init.conf (name the program in [app] argv "
                "instead)");
}

// "/usr//bin/" -> "/usr/bin".
std::string clean_image_path(const std::string& p) {
  std::string out;
  for (char c : p) {
    if (c == '/' && !out.empty() && out.back() == '/') continue;
    out += c;
  }
  while (out.size() > 1 && out.back() == '/') out.pop_back();
  return out;
}

MountSpec parse_mount(const std::string& text, const SourceLocation& where) {
  static const std::vector<std::pair<std::string, std::string>> defaults = {
      {"proc", "/proc"}, {"sysfs", "/sys"}, {"devtmpfs", "/dev"}, {"tmpfs", "/tmp"}};
  std::string type = text, target;
  size_t colon = text.find(':');
  if (colon != std::string::npos) {
    type = text.substr(0, colon);
    target = text.substr(colon + 1);
  }
  auto it = std::find_if(defaults.begin(), defaults.end(), [&](const auto& d) { return d.first == type; });
  if (it == defaults.end())
    throw Error(where.str() + ": [app] mounts: unknown file system '" + type +
                "' (choose proc, sysfs, devtmpfs or tmpfs, optionally as TYPE:/path)");
  if (target.empty()) target = it->second;
  check_image_path(target, where, "[app] mounts");
  if (!is_absolute_image_path(target))
    throw Error(where.str() + ": [app] mounts: '" + target + "' must be an absolute path without '.' or '..'");
  return MountSpec{type, clean_image_path(target)};
}

std::string resolve_relative(const stdfs::path& dir, const std::string& p) {
  stdfs::path path(p);
  return (path.is_absolute() ? path : dir / path).lexically_normal().string();
}

void parse_app(const toml::table& t, const std::string& file, Manifest& m) {
  TableReader r(t, "[app] ", file);
  auto argv = r.strings("argv");
  if (!argv) r.fail_table("argv is missing (the program and its arguments; argv[0] is its path in the image)");
  if (argv->empty()) r.fail(*r.get("argv"), "argv must not be empty");
  m.argv_where = (*argv)[0].second;
  for (auto& [a, where] : *argv) {
    check_no_nul(a, where, "[app] argv");
    m.app.argv.push_back(a);
  }
  check_image_path(m.app.argv[0], m.argv_where, "[app] argv[0]");
  if (!is_absolute_image_path(m.app.argv[0]))
    throw Error(m.argv_where.str() + ": [app] argv[0] '" + m.app.argv[0] +
                "' must be the program's absolute path inside the image (e.g. /usr/bin/sqlite3)");
  if (auto env = r.string_table("env")) {
    for (auto& [k, v, where] : *env) {
      if (k.empty() || k.find('=') != std::string::npos || k.find('\0') != std::string::npos)
        throw Error(where.str() + ": [app] env: invalid variable name " + quoted_image_path(k));
      check_no_nul(v, where, "[app] env." + k);
      m.app.env.emplace_back(k, v);
    }
  }
  if (auto wd = r.string("workdir")) {
    check_image_path(*wd, r.where(*r.get("workdir")), "[app] workdir");
    if (!is_absolute_image_path(*wd))
      r.fail(*r.get("workdir"), "workdir '" + *wd + "' must be an absolute path without '.' or '..'");
    m.app.workdir = clean_image_path(*wd);
  }
  if (auto mounts = r.strings("mounts")) {
    for (auto& [text, where] : *mounts) m.app.mounts.push_back(parse_mount(text, where));
  } else {
    m.app.mounts = {{"devtmpfs", "/dev"}, {"proc", "/proc"}};
  }
  if (auto lo = r.boolean("loopback")) m.app.loopback = *lo;
  r.finish("argv, env, workdir, mounts, loopback");
}

PayloadSpec parse_payload(const toml::table& t, int index, const std::string& file, const stdfs::path& dir) {
  PayloadSpec p;
  p.index = index;
  TableReader r(t, "[[payload]] #" + std::to_string(index) + ": ", file);
  p.where = r.where_table();
  if (auto host = r.strings("host")) {
    for (auto& [h, where] : *host) {
      check_no_nul(h, where, "[[payload]] host");
      if (h.empty() || h.front() != '/')
        throw Error(where.str() + ": [[payload]] host: '" + h + "' must be an absolute host path");
      check_image_path(h, where, "[[payload]] host");
      const std::string normal = stdfs::path(h).lexically_normal().string();
      check_not_reserved(clean_image_path(normal), where, "[[payload]] host");
      p.host.push_back(normal);
    }
  }
  if (auto debs = r.strings("deb")) {
    for (auto& [d, where] : *debs) {
      if (d.empty()) throw Error(where.str() + ": [[payload]] deb: empty package name");
      check_no_nul(d, where, "[[payload]] deb");
      bool is_file = d.size() > 4 && d.compare(d.size() - 4, 4, ".deb") == 0;
      // A name goes to apt-get on the command line: only Debian's grammar passes.
      if (!is_file)
        if (std::string problem = package_spec_problem(d); !problem.empty())
          throw Error(where.str() + ": [[payload]] deb: " + problem);
      p.deb.push_back(is_file ? resolve_relative(dir, d) : d);
      p.deb_where.push_back(where);
    }
  }
  if (auto deps = r.boolean("deb_deps")) p.deb_deps = *deps;
  if (auto rec = r.boolean("deb_recommends")) p.deb_recommends = *rec;
  for (auto [key, list] : {std::pair{"deb_include", &p.deb_include}, std::pair{"deb_exclude", &p.deb_exclude}}) {
    auto names = r.strings(key);
    if (!names) continue;
    for (auto& [name, where] : *names) {
      if (!is_debian_package_name(name))
        throw Error(where.str() + ": [[payload]] " + key + ": '" + name.substr(0, 80) +
                    "' is not a Debian package name (a-z, 0-9, '+', '-', '.')");
      list->push_back(name);
    }
    if (p.deb.empty()) r.fail(*r.get(key), std::string(key) + " needs deb = [...] in the same table");
    if (!p.deb_deps) r.fail(*r.get(key), std::string(key) + " chooses among resolved dependencies; it needs deb_deps = true");
  }
  if (p.deb_recommends && !p.deb_deps)
    r.fail(*r.get("deb_recommends"), "deb_recommends = true needs deb_deps = true (recommended packages are dependencies)");
  if (auto oci = r.string("oci")) {
    if (oci->empty()) r.fail(*r.get("oci"), "oci must name an image archive or OCI layout directory");
    check_no_nul(*oci, r.where(*r.get("oci")), "[[payload]] oci");
    p.oci = resolve_relative(dir, *oci);
  }
  if (auto ref = r.string("oci_ref")) {
    if (p.oci.empty()) r.fail(*r.get("oci_ref"), "oci_ref needs oci = \"archive\" in the same table");
    p.oci_ref = *ref;
  }
  if (auto files = r.string_table("files")) {
    for (auto& [image_path, host_path, where] : *files) {
      check_image_path(image_path, where, "[[payload]] files");
      check_no_nul(host_path, where, "[[payload]] files." + quoted_image_path(image_path));
      if (!is_absolute_image_path(image_path))
        throw Error(where.str() + ": [[payload]] files: image path '" + image_path +
                    "' must be absolute, without '.' or '..'");
      if (host_path.empty()) throw Error(where.str() + ": [[payload]] files: empty source path for " + image_path);
      check_not_reserved(clean_image_path(image_path), where, "[[payload]] files");
      p.files.emplace_back(clean_image_path(image_path), resolve_relative(dir, host_path));
    }
  }
  r.finish("host, deb, deb_deps, deb_recommends, deb_include, deb_exclude, oci, oci_ref, files");
  if (p.host.empty() && p.deb.empty() && p.oci.empty() && p.files.empty())
    r.fail_table("empty payload: give at least one of host, deb, oci, files");
  return p;
}

void parse_kernel(const toml::table& t, const std::string& file, const stdfs::path& dir, Manifest& m) {
  TableReader r(t, "[kernel] ", file);
  if (auto smp = r.integer("smp", 1, 64)) m.kernel.smp = *smp;
  if (auto kml = r.boolean("kml")) m.kernel.kml = *kml;
  if (auto extra = r.strings("extra")) {
    for (auto& [sym, where] : *extra) {
      try {
        m.kernel.extra.push_back(normalize_config_symbol(sym));
      } catch (const Error& e) {
        throw Error(where.str() + ": [kernel] extra: " + e.what());
      }
    }
  }
  if (auto cmdline = r.string("cmdline")) {
    if (cmdline->find('\n') != std::string::npos || cmdline->find('\0') != std::string::npos)
      r.fail(*r.get("cmdline"), "cmdline must be one line, without NUL bytes");
    m.kernel.cmdline = *cmdline;
  }
  if (auto config = r.string("config")) {
    check_no_nul(*config, r.where(*r.get("config")), "[kernel] config");
    m.kernel.config = resolve_relative(dir, *config);
  }
  if (auto comp = r.string("compression")) {
    auto c = parse_compression(*comp);
    if (!c) r.fail(*r.get("compression"), "compression '" + *comp + "' is not one of gzip, zstd, lz4, none");
    m.kernel.compression = c;
  }
  if (auto embed = r.boolean("embed_initramfs")) m.kernel.embed_initramfs = *embed;
  if (auto trusted = r.strings("trusted")) {
    if (!m.kernel.kml) r.fail(*r.get("trusted"), "trusted lists programs for KML: it needs kml = true");
    for (auto& [path, where] : *trusted) {
      check_image_path(path, where, "[kernel] trusted");
      if (!is_absolute_image_path(path))
        throw Error(where.str() + ": [kernel] trusted: '" + path + "' must be an absolute image path, without '.' or '..'");
      m.kernel.trusted.push_back(clean_image_path(path));
      m.kernel.trusted_where.push_back(where);
    }
  }
  r.finish("smp, kml, extra, cmdline, config, compression, embed_initramfs, trusted");
}

void parse_run(const toml::table& t, const std::string& file, Manifest& m) {
  TableReader r(t, "[run] ", file);
  if (auto mem = r.integer("memory_mib", 32, 65536)) m.run.memory_mib = *mem;
  if (auto timeout = r.integer("timeout_s", 1, 86400)) {
    m.run.timeout_s = *timeout;
    m.run.timeout_set = true;
  }
  if (auto stop = r.integer("stop_timeout_s", 1, 3600)) m.run.stop_timeout_s = *stop;
  r.finish("memory_mib, timeout_s, stop_timeout_s");
}

void parse_net(const toml::table& t, const std::string& file, Manifest& m) {
  TableReader r(t, "[net] ", file);
  m.net.present = true;
  m.net.where = r.where_table();
  if (auto mode = r.string("mode")) {
    if (mode->rfind("tap:", 0) == 0 && is_interface_name(mode->substr(4))) m.net.tap = mode->substr(4);
    else if (*mode != "user")
      r.fail(*r.get("mode"), "mode '" + mode->substr(0, 40) +
                                 "' is not \"user\" (rootless NAT, the default) or \"tap:NAME\" (an existing TAP "
                                 "interface, NAME of 1-15 letters, digits, '_', '.', '-')");
  }
  if (auto ports = r.strings("ports")) {
    for (auto& [text, where] : *ports) {
      try {
        m.net.ports.push_back(parse_port_mapping(text));
      } catch (const Error& e) {
        throw Error(where.str() + ": [net] ports: " + e.what());
      }
      for (size_t i = 0; i + 1 < m.net.ports.size(); ++i)
        if (m.net.ports[i].host_port == m.net.ports.back().host_port &&
            m.net.ports[i].protocol == m.net.ports.back().protocol)
          throw Error(where.str() + ": [net] ports: host port " + std::to_string(m.net.ports.back().host_port) + "/" +
                      m.net.ports.back().protocol + " is forwarded twice");
    }
    if (!m.net.tap.empty() && !m.net.ports.empty())
      r.fail(*r.get("ports"), "ports forward through user-mode networking; with mode = \"tap:...\" the guest is "
                              "reached at its own address instead");
  }
  if (auto address = r.string("address")) {
    if (!is_ipv4_cidr(*address))
      r.fail(*r.get("address"), "address '" + address->substr(0, 40) + "' is not an IPv4 address with a prefix length (e.g. 10.0.2.15/24)");
    m.net.address = *address;
  }
  for (auto [key, field] : {std::pair{"gateway", &m.net.gateway}, std::pair{"dns", &m.net.dns}}) {
    auto value = r.string(key);
    if (!value) continue;
    if (!is_ipv4_address(*value)) r.fail(*r.get(key), std::string(key) + " '" + value->substr(0, 40) + "' is not an IPv4 address");
    *field = *value;
  }
  r.finish("mode, ports, address, gateway, dns");
}

// Where the guest's own file systems are: a volume there would hide them.
bool is_system_mount_point(const std::string& path) {
  for (const char* p : {"/", "/dev", "/proc", "/sys", "/tailor", "/init", "/run", "/tmp"})
    if (path == p) return true;
  return path.rfind("/tailor/", 0) == 0;
}

VolumeSpec parse_volume(const toml::table& t, int index, const std::string& file, const stdfs::path& dir) {
  TableReader r(t, "[[volume]] #" + std::to_string(index) + ": ", file);
  VolumeSpec v;
  v.where = r.where_table();
  auto path = r.string("path");
  if (!path) r.fail_table("path is missing (where /init mounts the volume, e.g. path = \"/data\")");
  check_image_path(*path, r.where(*r.get("path")), "[[volume]] path");
  if (!is_absolute_image_path(*path)) r.fail(*r.get("path"), "path '" + *path + "' must be absolute, without '.' or '..'");
  v.path = clean_image_path(*path);
  if (v.path.find_first_of(" \t\n") != std::string::npos)
    r.fail(*r.get("path"), "path " + quoted_image_path(v.path) + " must not contain white space");
  if (is_system_mount_point(v.path))
    r.fail(*r.get("path"), "path " + v.path + " is where the guest's own files are; mount the volume elsewhere (e.g. /data)");
  auto image = r.string("image");
  if (!image || image->empty()) r.fail_table("image is missing (the volume's file on the host, e.g. image = \"data.img\")");
  check_no_nul(*image, r.where(*r.get("image")), "[[volume]] image");
  v.image = resolve_relative(dir, *image);
  if (auto size = r.integer("size_mib", 8, 65536)) v.size_mib = *size;
  if (auto seed = r.string("seed")) {
    check_no_nul(*seed, r.where(*r.get("seed")), "[[volume]] seed");
    v.seed = resolve_relative(dir, *seed);
  }
  if (auto ro = r.boolean("read_only")) v.read_only = *ro;
  r.finish("path, image, size_mib, seed, read_only");
  return v;
}

void parse_check(const toml::table& t, const std::string& file, Manifest& m) {
  TableReader r(t, "[check] ", file);
  m.check.present = true;
  if (auto out = r.strings("stdout"))
    for (auto& [s, where] : *out) {
      if (s.empty()) throw Error(where.str() + ": [check] stdout: empty string (it would match anything)");
      m.check.stdout_has.push_back(s);
    }
  if (auto code = r.integer("exit_code", 0, 255)) m.check.exit_code = *code;
  r.finish("stdout, exit_code");
}

// The name becomes a directory name (out/<name>, the cache's images/): so
// not "." or "..", nor anything else that starts with a dot.
bool valid_name(const std::string& n) {
  if (n.empty() || n.size() > 64 || !(std::islower(static_cast<unsigned char>(n[0])) || std::isdigit(static_cast<unsigned char>(n[0]))))
    return false;
  return std::all_of(n.begin(), n.end(), [](unsigned char c) {
    return std::islower(c) || std::isdigit(c) || c == '-' || c == '_' || c == '.';
  });
}

}  // namespace

std::string SourceLocation::str() const {
  if (line <= 0) return file;
  return file + ":" + std::to_string(line) + ":" + std::to_string(column);
}

std::string compression_name(Compression c) {
  switch (c) {
    case Compression::Gzip: return "gzip";
    case Compression::Zstd: return "zstd";
    case Compression::Lz4: return "lz4";
    case Compression::None: return "none";
  }
  return "?";
}

std::string compression_suffix(Compression c) {
  switch (c) {
    case Compression::Gzip: return ".gz";
    case Compression::Zstd: return ".zst";
    case Compression::Lz4: return ".lz4";
    case Compression::None: return "";
  }
  return "";
}

std::optional<Compression> parse_compression(const std::string& name) {
  if (name == "gzip") return Compression::Gzip;
  if (name == "zstd") return Compression::Zstd;
  if (name == "lz4") return Compression::Lz4;
  if (name == "none") return Compression::None;
  return std::nullopt;
}

std::string normalize_config_symbol(const std::string& text) {
  std::string name = text, value = "y";
  size_t eq = text.find('=');
  if (eq != std::string::npos) {
    name = text.substr(0, eq);
    value = text.substr(eq + 1);
  }
  if (name.rfind("CONFIG_", 0) == 0) name = name.substr(7);
  if (name.empty() ||
      !std::all_of(name.begin(), name.end(), [](unsigned char c) { return std::isupper(c) || std::isdigit(c) || c == '_'; }))
    throw Error("'" + text + "' is not a config symbol (expected NAME, NAME=y|m|n or NAME=value, e.g. IPV6 or NR_CPUS=8)");
  if (value.empty()) throw Error("'" + text + "': empty value");
  if (value.find('\n') != std::string::npos) throw Error("'" + text + "': value must be one line");
  if (value == "n") return "# CONFIG_" + name + " is not set";
  return "CONFIG_" + name + "=" + value;
}

Manifest parse_manifest(const std::string& text, const stdfs::path& path) {
  const std::string file = path.string();
  toml::table root;
  try {
    root = toml::parse(text, file);
  } catch (const toml::parse_error& e) {
    const auto& b = e.source().begin;
    throw Error(SourceLocation{file, static_cast<int>(b.line), static_cast<int>(b.column)}.str() +
                ": TOML syntax error: " + std::string(e.description()));
  }

  Manifest m;
  m.path = stdfs::absolute(path).lexically_normal();
  m.dir = m.path.parent_path();
  TableReader top(root, "", file);

  auto name = top.string("name");
  if (!name) throw Error(file + ": name is missing (e.g. name = \"hello\")");
  if (!valid_name(*name))
    top.fail(*top.get("name"), "name " + quoted_image_path(*name) +
                                   " must be 1-64 characters of a-z, 0-9, '-', '_', '.', starting with a letter or "
                                   "digit (it names the output directory, out/<name>)");
  m.name = *name;

  const toml::table* app = subtable(top, "app");
  if (!app) throw Error(file + ": [app] is missing (it says what to run: argv = [\"/usr/bin/prog\", ...])");
  parse_app(*app, file, m);

  if (const toml::node* payloads = top.get("payload")) {
    if (!payloads->is_array_of_tables())
      top.fail(*payloads, "payload must be written as [[payload]] tables, not " + type_name(*payloads));
    int index = 0;
    for (const toml::node& p : *payloads->as_array()) m.payloads.push_back(parse_payload(*p.as_table(), ++index, file, m.dir));
  }
  if (m.payloads.empty())
    throw Error(file + ": no [[payload]]: say where the app's files come from (host, deb, oci or files)");

  if (const toml::table* k = subtable(top, "kernel")) parse_kernel(*k, file, m.dir, m);
  if (const toml::table* r = subtable(top, "run")) parse_run(*r, file, m);
  if (const toml::table* n = subtable(top, "net")) parse_net(*n, file, m);
  if (const toml::node* volumes = top.get("volume")) {
    if (!volumes->is_array_of_tables())
      top.fail(*volumes, "volume must be written as [[volume]] tables, not " + type_name(*volumes));
    int index = 0;
    for (const toml::node& v : *volumes->as_array()) {
      m.volumes.push_back(parse_volume(*v.as_table(), ++index, file, m.dir));
      for (size_t i = 0; i + 1 < m.volumes.size(); ++i) {
        if (m.volumes[i].path == m.volumes.back().path)
          throw Error(m.volumes.back().where.str() + ": [[volume]] #" + std::to_string(index) + ": path " +
                      m.volumes.back().path + " is also volume #" + std::to_string(i + 1) + "'s");
        if (m.volumes[i].image == m.volumes.back().image)
          throw Error(m.volumes.back().where.str() + ": [[volume]] #" + std::to_string(index) + ": image " +
                      m.volumes.back().image.string() + " is also volume #" + std::to_string(i + 1) + "'s");
      }
    }
    if (m.volumes.size() > kMaxVolumes)
      top.fail(*volumes, "at most " + std::to_string(kMaxVolumes) + " [[volume]] tables (virtio disks vda..vdh)");
  }
  if (const toml::table* c = subtable(top, "check")) parse_check(*c, file, m);
  top.finish("name, app, payload, kernel, run, net, volume, check");
  return m;
}

Manifest load_manifest(const stdfs::path& path) {
  std::error_code ec;
  if (!stdfs::is_regular_file(path, ec)) throw Error(path.string() + ": no such manifest file");
  return parse_manifest(read_file(path), path);
}

}  // namespace tailor::image
