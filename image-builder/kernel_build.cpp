#include "image-builder/kernel_build.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <fstream>
#include <cmath>
#include <cstdio>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "common/config_line.h"
#include "common/error.h"
#include "common/file_lock.h"
#include "common/fs.h"
#include "common/sha256.h"
#include "common/store_url.h"
#include "common/subprocess.h"
#include "image-builder/kernel_cache.h"

namespace tailor::image {
namespace {

namespace stdfs = std::filesystem;
using SteadyClock = std::chrono::steady_clock;

// Fixed build identity, so that the same inputs give the same bytes
// (Documentation/kbuild/reproducible-builds.rst).
const std::vector<std::pair<std::string, std::string>> kReproducibleEnv = {
    {"KBUILD_BUILD_TIMESTAMP", "Thu Jan  1 00:00:00 UTC 1970"},
    {"KBUILD_BUILD_USER", "tailor"},
    {"KBUILD_BUILD_HOST", "tailor"},
    {"KBUILD_BUILD_VERSION", "1"},
    {"SOURCE_DATE_EPOCH", "0"},
    {"LC_ALL", "C"},
    {"TZ", "UTC"},
};
// Variables that would redirect kbuild away from what we ask for.
// Also what would send compiles or cache traffic somewhere the request did
// not ask for: only the Toolchain decides that.
const std::vector<std::string> kUnsetEnv = {"KCONFIG_CONFIG", "KBUILD_OUTPUT", "KCONFIG_ALLCONFIG", "ARCH",
                                            "CROSS_COMPILE", "O", "KBUILD_EXTMOD", "CCACHE_DISABLE",
                                            "CCACHE_PREFIX", "CCACHE_REMOTE_STORAGE", "CCACHE_REMOTE_ONLY",
                                            "DISTCC_HOSTS"};

constexpr int kObjSlots = 4;

std::string first_line(const std::string& s) { return s.substr(0, s.find('\n')); }

int cpu_count() {
  unsigned n = std::thread::hardware_concurrency();
  return n == 0 ? 1 : static_cast<int>(n);
}

// Which part of a kbuild invocation's output says what it is doing.
bool is_kbuild_step(std::string_view line) {
  return line.size() > 4 && line[0] == ' ' && line[1] == ' ' && line[2] >= 'A' && line[2] <= 'Z';
}

std::map<std::string, std::string> config_assignments(const std::string& text) {
  std::map<std::string, std::string> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
    if (auto c = parse_config_line(line)) out[c->symbol()] = std::move(c->value);
  }
  return out;
}

// Files a config builds into the image (CONFIG_INITRAMFS_SOURCE): their bytes
// must be part of the key, not just their names.
std::vector<std::string> embedded_file_digests(const std::string& config) {
  std::vector<std::string> digests;
  auto values = config_assignments(config);
  auto it = values.find("CONFIG_INITRAMFS_SOURCE");
  if (it == values.end()) return digests;
  std::string v = it->second;
  if (v.size() >= 2 && v.front() == '"') v = v.substr(1, v.size() - 2);
  std::istringstream words(v);
  std::string path;
  while (words >> path) {
    std::error_code ec;
    if (stdfs::is_regular_file(path, ec)) {
      digests.push_back(path + "=" + sha256_file(path));
    } else if (stdfs::is_directory(path, ec)) {
      Sha256 h;
      std::vector<stdfs::path> files;
      for (const auto& e : stdfs::recursive_directory_iterator(path, ec)) files.push_back(e.path());
      std::sort(files.begin(), files.end());
      for (const auto& f : files) {
        h.field(f.lexically_relative(path).string());
        if (stdfs::is_regular_file(f, ec)) h.field(sha256_file(f));
      }
      digests.push_back(path + "=" + h.hex());
    } else {
      throw Error("CONFIG_INITRAMFS_SOURCE names " + path + ", which does not exist (use an absolute path)");
    }
  }
  return digests;
}

struct Make {
  const KernelBuildRequest& req;
  stdfs::path obj;
  stdfs::path log;

  std::vector<std::string> argv(const std::vector<std::string>& extra) const {
    std::vector<std::string> a = {"make", "--no-print-directory", "-C", req.tree.dir.string(), "O=" + obj.string(),
                                  "ARCH=" + req.arch};
    const Toolchain& t = req.toolchain;
    const char* distributor = t.distributor == Distributor::Distcc  ? "distcc"
                              : t.distributor == Distributor::Icecc ? "icecc"
                                                                    : nullptr;
    // With ccache the distributor is its prefix command (options()): a cache
    // hit never leaves this machine. Host tools (HOSTCC) always build here.
    if (t.ccache) a.push_back("CC=ccache gcc");
    else if (distributor) a.push_back(std::string("CC=") + distributor + " gcc");
    // kbuild writes `$(CC) --version | head -1` into the .config (and the
    // kernel's version string); distcc runs gcc as x86_64-linux-gnu-gcc, which
    // names itself so. Pinned to plain gcc's line (the toolchain identity's
    // first line), a distributed build has the local build's .config, key
    // and bytes.
    if (distributor) a.push_back("CC_VERSION_TEXT=" + first_line(t.identity));
    a.insert(a.end(), extra.begin(), extra.end());
    return a;
  }

  ProcessOptions options(const std::function<void(std::string_view)>& on_line = {}) const {
    ProcessOptions o;
    o.env = kReproducibleEnv;
    // Depend mode: ccache hashes the source and the headers the compiler
    // reports instead of running the preprocessor a second time on every miss.
    // A kernel config change alters include/generated/autoconf.h, so across
    // configs a preprocessed-output hit is rare, while the extra pass made an
    // empty-cache compile 1.25x gcc's time here, depend mode 1.07-1.14x
    // (bench/kernel_ccache_modes.sh).
    const Toolchain& t = req.toolchain;
    if (t.ccache) o.env.emplace_back("CCACHE_DEPEND", "true");
    if (t.ccache && t.distributor != Distributor::Local)
      o.env.emplace_back("CCACHE_PREFIX", t.distributor == Distributor::Distcc ? "distcc" : "icecc");
    if (t.distributor == Distributor::Distcc) o.env.emplace_back("DISTCC_HOSTS", t.distcc_hosts);
    if (t.ccache && !t.remote_cache.empty()) o.env.emplace_back("CCACHE_REMOTE_STORAGE", t.remote_cache);
    o.unset_env = kUnsetEnv;
    o.log_file = log;
    o.on_line = on_line;
    return o;
  }

  // Runs make; on failure throws with the end of the log.
  void run(const std::vector<std::string>& extra, const std::string& what,
           const std::vector<std::pair<std::string, std::string>>& env = {},
           const std::function<void(std::string_view)>& on_line = {}) const {
    ProcessOptions o = options(on_line);
    o.env.insert(o.env.end(), env.begin(), env.end());
    {
      std::ofstream(log, std::ios::app) << "\n### tailor: " << what << "\n";
    }
    ProcessResult r = run_process(argv(extra), o);
    if (!r.ok())
      throw Error(what + " failed (" + r.describe() + "); last lines of the log:\n" + tail_lines(log, 25) +
                  "full log: " + log.string());
  }
};

// Produces obj/.config from the request's base and files.
void configure(const Make& make, const std::vector<std::string>& texts, Progress& progress) {
  const auto& req = make.req;
  stdfs::path allconfig = make.obj / "tailor.allconfig";
  std::string joined;
  for (size_t i = 0; i < texts.size(); ++i) {
    joined += "# tailor: from " + req.configs[i].string() + "\n" + texts[i];
    if (!joined.empty() && joined.back() != '\n') joined += '\n';
  }
  progress.update("config", -1, config_base_name(req.base));
  switch (req.base) {
    case ConfigBase::None:
      write_file_atomic(make.obj / ".config", joined);
      make.run({"olddefconfig"}, "make olddefconfig");
      break;
    case ConfigBase::Allnoconfig:
    case ConfigBase::Alldefconfig: {
      write_file_atomic(allconfig, joined);
      const char* target = req.base == ConfigBase::Allnoconfig ? "allnoconfig" : "alldefconfig";
      make.run({target}, std::string("make ") + target, {{"KCONFIG_ALLCONFIG", allconfig.string()}});
      break;
    }
    case ConfigBase::Tinyconfig:
    case ConfigBase::Defconfig: {
      const bool tiny = req.base == ConfigBase::Tinyconfig;
      make.run({tiny ? "tinyconfig" : "defconfig"}, tiny ? "make tinyconfig" : "make defconfig");
      if (texts.empty()) break;
      // The base's result plus the fragments, resolved in the base's own mode.
      write_file_atomic(allconfig, read_file(make.obj / ".config") + joined);
      const char* target = tiny ? "allnoconfig" : "alldefconfig";
      make.run({target}, std::string("make ") + target + " with fragments",
               {{"KCONFIG_ALLCONFIG", allconfig.string()}});
      break;
    }
  }
}

// Estimated kbuild step count, from the ratio seen in the last build.
double estimate_steps(const stdfs::path& cache, const std::string& config) {
  auto values = config_assignments(config);
  double enabled = 0;
  for (const auto& [k, v] : values) enabled += (v == "y");
  double ratio = 3.5;  // kbuild steps per enabled option, seen on 6.1 x86_64
  try {
    ratio = std::stod(read_file(kernel_cache_dir(cache) / "steps-per-option"));
  } catch (const std::exception&) {
  }
  return std::max(100.0, enabled * ratio);
}

stdfs::path acquire_obj_slot(const stdfs::path& cache, const KernelTree& tree, FileLock& lock) {
  stdfs::path base = cache / "obj" / tree.id;
  for (int i = 0; i < kObjSlots; ++i) {
    stdfs::path slot = base / std::to_string(i);
    lock = FileLock::try_acquire(slot.string() + ".lock");
    if (lock.held()) return slot;
  }
  stdfs::path slot = base / "0";
  lock = FileLock::acquire(slot.string() + ".lock");
  return slot;
}

KernelArtifacts artifacts_of(const stdfs::path& entry, const std::string& key, bool hit) {
  KernelArtifacts a;
  a.key = key;
  a.dir = entry;
  a.bzimage = entry / "bzImage";
  a.vmlinux = entry / "vmlinux";
  a.system_map = entry / "System.map";
  a.config = entry / ".config";
  a.cache_hit = hit;
  try {
    auto j = nlohmann::json::parse(read_file(entry / "build.json"));
    a.version = j.value("version", "");
    a.build_seconds = j.value("build_seconds", 0.0);
  } catch (const std::exception&) {
  }
  return a;
}

bool entry_complete(const stdfs::path& entry) {
  std::error_code ec;
  for (const char* f : {"bzImage", "vmlinux", "System.map", ".config", "build.json"})
    if (!stdfs::is_regular_file(entry / f, ec)) return false;
  return true;
}

}  // namespace

ConfigBase parse_config_base(const std::string& name) {
  static const std::map<std::string, ConfigBase> names = {
      {"none", ConfigBase::None},           {"allnoconfig", ConfigBase::Allnoconfig},
      {"tinyconfig", ConfigBase::Tinyconfig}, {"alldefconfig", ConfigBase::Alldefconfig},
      {"defconfig", ConfigBase::Defconfig}};
  auto it = names.find(name);
  if (it == names.end())
    throw Error("unknown config base '" + name + "' (choose none, allnoconfig, tinyconfig, alldefconfig, defconfig)");
  return it->second;
}

std::string config_base_name(ConfigBase base) {
  switch (base) {
    case ConfigBase::None: return "none";
    case ConfigBase::Allnoconfig: return "allnoconfig";
    case ConfigBase::Tinyconfig: return "tinyconfig";
    case ConfigBase::Alldefconfig: return "alldefconfig";
    case ConfigBase::Defconfig: return "defconfig";
  }
  return "?";
}

Toolchain detect_toolchain(bool want_ccache) {
  Toolchain t;
  if (!find_program("gcc")) throw Error("gcc not found: install build-essential (./setup.sh does)");
  if (!find_program("make")) throw Error("make not found: install build-essential (./setup.sh does)");
  t.identity = first_line(run_capture({"gcc", "--version"})) + "\n" + first_line(run_capture({"ld", "--version"}));
  t.ccache = want_ccache && find_program("ccache").has_value();
  return t;
}

void use_cluster(Toolchain& t, const ClusterOptions& c) {
  if (!c.distcc_hosts.empty() && c.icecc) throw Error("--distcc and --icecc: choose one distributor");
  if (!c.distcc_hosts.empty()) {
    // distcc's host syntax: HOST[:PORT][/LIMIT][,OPTIONS], @HOST for ssh,
    // --randomize, localhost; nothing else belongs in the list.
    for (char ch : c.distcc_hosts)
      if (!std::isalnum(static_cast<unsigned char>(ch)) && std::string_view(" .:/,@-_[]+=").find(ch) == std::string_view::npos)
        throw Error(std::string("--distcc '") + c.distcc_hosts + "': bad character '" + ch +
                    "' (expected distcc hosts such as '10.0.0.2/8 10.0.0.3:3632/8')");
    if (!find_program("distcc")) throw Error("--distcc: distcc is not installed (apt-get install distcc; ./setup.sh does)");
    t.distributor = Distributor::Distcc;
    t.distcc_hosts = c.distcc_hosts;
    // distcc itself counts the slots of the list ("distcc -j").
    ProcessOptions o;
    o.env = {{"DISTCC_HOSTS", c.distcc_hosts}};
    const std::string out = run_capture({"distcc", "-j"}, o);
    try {
      t.cluster_jobs = std::stoi(out);
    } catch (const std::exception&) {
      throw Error("--distcc '" + c.distcc_hosts + "': distcc -j answered '" + first_line(out) + "'");
    }
    if (t.cluster_jobs < 1) throw Error("--distcc '" + c.distcc_hosts + "': no compile slots in the host list");
  }
  if (c.icecc) {
    if (!find_program("icecc")) throw Error("--icecc: icecc is not installed (apt-get install icecc; ./setup.sh does)");
    t.distributor = Distributor::Icecc;
    // The scheduler places each job; more than the local CPUs keeps the
    // cluster busy, and icecc runs jobs here when it has no other slot.
    t.cluster_jobs = 4 * cpu_count();
  }
  if (!c.remote_cache.empty()) {
    parse_store_url(c.remote_cache, "--remote-cache");
    if (!t.ccache) throw Error("--remote-cache is ccache's remote storage: it needs ccache (not --no-ccache)");
    t.remote_cache = c.remote_cache;
  }
}

std::vector<std::string> unmet_config_requests(const std::vector<std::string>& fragments,
                                               const std::string& final_config) {
  std::map<std::string, std::string> requested;
  for (const auto& f : fragments)
    for (auto& [k, v] : config_assignments(f)) requested[k] = v;
  auto final_values = config_assignments(final_config);
  std::vector<std::string> unmet;
  for (const auto& [k, v] : requested) {
    auto it = final_values.find(k);
    std::string got = it == final_values.end() ? "n" : it->second;
    if (got != v) unmet.push_back(k + ": requested " + v + ", got " + (it == final_values.end() ? "(absent)" : got));
  }
  return unmet;
}

KernelArtifacts build_kernel(const KernelBuildRequest& req, const stdfs::path& cache, Progress& progress) {
  std::vector<std::string> texts;
  for (const auto& c : req.configs) {
    std::error_code ec;
    if (!stdfs::is_regular_file(c, ec)) throw Error(c.string() + ": no such config file");
    texts.push_back(read_file(c));
  }
  if (req.base == ConfigBase::None && req.configs.empty())
    throw Error("no configuration given: pass --config FILE, or --base with fragments");

  const stdfs::path root = kernel_cache_dir(cache);
  const std::string rkey = request_key({req.tree.id, req.arch, config_base_name(req.base), req.toolchain.identity, texts});
  const stdfs::path index_file = root / "index" / rkey;

  auto lookup_index = [&]() -> std::optional<KernelArtifacts> {
    std::error_code ec;
    if (!stdfs::is_regular_file(index_file, ec)) return std::nullopt;
    std::string key = read_file(index_file);
    stdfs::path entry = root / key;
    if (key.size() != 64 || !entry_complete(entry)) return std::nullopt;
    touch_entry(entry);
    KernelArtifacts a = artifacts_of(entry, key, true);
    a.unmet_requests = unmet_config_requests(req.base == ConfigBase::None && !texts.empty()
                                                 ? std::vector<std::string>(texts.begin() + 1, texts.end())
                                                 : texts,
                                             read_file(entry / ".config"));
    return a;
  };
  // A local hit is shared too, so a machine that built before the store
  // existed still fills it.
  auto share = [&](const KernelArtifacts& a) {
    if (!req.store) return;
    try {
      if (!req.store->has(a.key)) {
        progress.update("publish", -1, req.store->describe());
        req.store->publish(a.key, a.dir);
        progress.clear();
      }
    } catch (const Error& e) {
      progress.clear();
      std::fprintf(stderr, "tailor: warning: kernel %s not published to %s: %s\n", a.key.substr(0, 16).c_str(),
                   req.store->describe().c_str(), e.what());
    }
  };
  if (auto hit = lookup_index()) {
    share(*hit);
    return *hit;
  }

  auto say_waiting = [&] {
    progress.clear();
    std::fprintf(stderr, "tailor: another tailor process is building this kernel; waiting for it\n");
  };
  FileLock request_lock = FileLock::acquire(cache / "locks" / ("request-" + rkey + ".lock"),
                                            FileLock::Mode::Exclusive, say_waiting);
  if (auto hit = lookup_index()) return *hit;

  // Keep the source tree from being garbage-collected while we use it.
  FileLock source_use;
  if (req.tree.dir.parent_path() == cache / "sources") {
    source_use = FileLock::acquire(cache / "locks" / ("source-use-" + req.tree.dir.filename().string() + ".lock"),
                                   FileLock::Mode::Shared);
    write_file_atomic(req.tree.dir / ".tailor-last-used", "");
  }

  FileLock slot_lock;
  stdfs::path obj = acquire_obj_slot(cache, req.tree, slot_lock);
  stdfs::create_directories(obj);
  write_file_atomic(obj / ".tailor-last-used", "");
  stdfs::create_directories(root / "logs");
  stdfs::path log = root / "logs" / (rkey.substr(0, 16) + ".log");
  write_file_atomic(log, "");
  Make make{req, obj, log};

  configure(make, texts, progress);
  const std::string final_config = normalize_config(read_file(obj / ".config"));
  const std::string key =
      build_key({req.tree.id, req.arch, req.toolchain.identity, final_config, embedded_file_digests(final_config)});
  const stdfs::path entry = root / key;
  std::vector<std::string> fragments =
      req.base == ConfigBase::None ? std::vector<std::string>(texts.begin() + 1, texts.end()) : texts;

  FileLock key_lock = FileLock::acquire(cache / "locks" / ("kernel-" + key + ".lock"), FileLock::Mode::Exclusive,
                                        say_waiting);
  bool fetched = false;
  if (req.store && !entry_complete(entry)) {
    progress.update("fetch", -1, req.store->describe());
    TempDir temp(entry);
    try {
      fetched = req.store->fetch(key, temp.path()) && entry_complete(temp.path());
    } catch (const Error& e) {
      progress.clear();
      // Never trust the store: a bad entry is refused (the temporary
      // directory goes away with `temp`), and loudly: someone must look.
      throw Error("kernel " + key + " from " + req.store->describe() + " refused: " + e.what() +
                  "\nNothing was cached. Remove that entry from the store, or build without --remote-cache.");
    }
    if (fetched) temp.commit();
    progress.clear();
  }
  const bool built = !entry_complete(entry);
  if (built) {
    const double expected = estimate_steps(cache, final_config);
    double steps = 0;
    std::string stage_detail;
    auto start = SteadyClock::now();
    const int jobs = req.jobs > 0 ? req.jobs : req.toolchain.cluster_jobs > 0 ? req.toolchain.cluster_jobs : cpu_count();
    make.run({"-j" + std::to_string(jobs), "bzImage"}, "kernel build (make bzImage)", {}, [&](std::string_view line) {
      if (!is_kbuild_step(line)) return;
      steps += 1;
      std::string_view detail = line.substr(2);
      int pct = static_cast<int>(std::min(99.0, steps * 100.0 / expected));
      progress.update("build", pct, std::string(detail));
    });
    const double seconds = std::chrono::duration<double>(SteadyClock::now() - start).count();

    progress.update("install", -1, entry.filename().string().substr(0, 12));
    TempDir temp(entry);
    copy_file_atomic(obj / "arch" / "x86" / "boot" / "bzImage", temp.path() / "bzImage");
    copy_file_atomic(obj / "vmlinux", temp.path() / "vmlinux");
    copy_file_atomic(obj / "System.map", temp.path() / "System.map");
    write_file_atomic(temp.path() / ".config", final_config);
    copy_file_atomic(log, temp.path() / "build.log");
    nlohmann::json meta = {
        {"key", key},
        {"version", req.tree.version},
        {"tree_id", req.tree.id},
        {"tree_dir", req.tree.dir.string()},
        {"arch", req.arch},
        {"base", config_base_name(req.base)},
        {"toolchain", req.toolchain.identity},
        {"ccache", req.toolchain.ccache},
        {"distributor", req.toolchain.distributor == Distributor::Distcc  ? "distcc"
                        : req.toolchain.distributor == Distributor::Icecc ? "icecc"
                                                                          : "local"},
        {"jobs", jobs},
        {"build_seconds", std::round(seconds * 10) / 10},
        {"kbuild_steps", steps},
    };
    std::vector<std::string> names;
    for (const auto& c : req.configs) names.push_back(stdfs::absolute(c).string());
    meta["configs"] = names;
    write_file_atomic(temp.path() / "build.json", meta.dump(2) + "\n");
    temp.commit();
    // Remember how many steps per enabled option this build took, for the next estimate.
    double enabled = 0;
    for (const auto& [k, v] : config_assignments(final_config)) enabled += (v == "y");
    if (enabled > 0) write_file_atomic(root / "steps-per-option", std::to_string(steps / enabled));
    stdfs::remove(log);
  }
  touch_entry(entry);
  write_file_atomic(index_file, key);
  progress.clear();
  KernelArtifacts a = artifacts_of(entry, key, !built);
  a.fetched = fetched;
  a.unmet_requests = unmet_config_requests(fragments, final_config);
  if (!fetched) share(a);
  return a;
}

void export_artifacts(const KernelArtifacts& a, const stdfs::path& out_dir) {
  std::error_code ec;
  stdfs::create_directories(out_dir, ec);
  if (ec) throw Error("cannot create output directory " + out_dir.string() + ": " + ec.message());
  copy_file_atomic(a.bzimage, out_dir / "bzImage");
  copy_file_atomic(a.vmlinux, out_dir / "vmlinux");
  copy_file_atomic(a.system_map, out_dir / "System.map");
  copy_file_atomic(a.config, out_dir / ".config");
}

nlohmann::json artifacts_json(const KernelArtifacts& a, const std::filesystem::path& shown) {
  return {{"key", a.key},
          {"version", a.version},
          {"cache_hit", a.cache_hit},
          {"fetched", a.fetched},
          {"build_seconds", a.build_seconds},
          {"bzImage", (shown / "bzImage").string()},
          {"vmlinux", (shown / "vmlinux").string()},
          {"System.map", (shown / "System.map").string()},
          {"config", (shown / ".config").string()},
          {"unmet_requests", a.unmet_requests}};
}

}  // namespace tailor::image
