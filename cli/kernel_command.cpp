// `tailor kernel ...`: provisioning source trees, building kernels, the cache.
#include <fmt/core.h>

#include <chrono>
#include <cstdlib>
#include <ctime>

#include "cli/commands.h"
#include "common/error.h"
#include "common/human_bytes.h"
#include "common/progress.h"
#include "image-builder/fleet/kernel_store.h"
#include "image-builder/kernel_build.h"
#include "image-builder/kernel_cache.h"
#include "image-builder/kernel_source.h"
#include "image-builder/patch_series.h"

namespace tailor::cli {
namespace {

namespace stdfs = std::filesystem;

// The mutually exclusive ways to name a source tree, shared by source/build.
struct SourceOptions {
  std::string version = "6.1";
  std::string kernel_src;
  std::string tarball;
  std::string patches;

  void add_to(CLI::App& cmd) {
    auto* v = cmd.add_option("--version", version, "Debian linux-source version to use: 6.1 or 6.12")
                  ->check(CLI::IsMember({"6.1", "6.12"}))
                  ->capture_default_str();
    auto* d = cmd.add_option("--kernel-src", kernel_src, "Use an existing kernel source directory as is");
    auto* t = cmd.add_option("--tarball", tarball, "Unpack this kernel source tarball (.tar.xz, .tar.gz, ...)");
    d->excludes(t);
    v->excludes(d)->excludes(t);
    cmd.add_option("--patches", patches,
                   "Apply a quilt-style patch series (path of its 'series' file) to a separate, cached copy");
  }

  image::KernelSourceSpec spec() const {
    image::KernelSourceSpec s;
    if (!kernel_src.empty()) {
      s.kind = image::KernelSourceSpec::Kind::Directory;
      s.path = kernel_src;
    } else if (!tarball.empty()) {
      s.kind = image::KernelSourceSpec::Kind::Tarball;
      s.path = tarball;
    } else {
      s.version = version;
    }
    return s;
  }

  image::KernelTree provision(const stdfs::path& cache, Progress& progress) const {
    image::KernelTree tree = provision_source(spec(), cache, progress);
    if (!patches.empty()) tree = image::apply_series(tree, image::load_series(patches), cache, progress);
    return tree;
  }
};

void add_source(CLI::App& kernel, const GlobalOptions& global) {
  auto* cmd = kernel.add_subcommand("source", "Provision a kernel source tree in the cache and print its path");
  cmd->footer(
      "Default: Debian's /usr/src/linux-source-6.1.tar.xz, unpacked once into <cache>/sources.\n"
      "Unpacking goes to a temporary directory renamed when complete, so an interrupted run\n"
      "never leaves a tree that looks finished. With --patches, the series is applied to a\n"
      "separate tree keyed by the patches' content; a patch that does not apply is reported\n"
      "with its name and failing hunk, and nothing is kept.");
  auto opts = std::make_shared<SourceOptions>();
  opts->add_to(*cmd);
  cmd->callback([opts, &global] {
    Progress progress;
    image::KernelTree tree = opts->provision(global.cache(), progress);
    fmt::print("{}\n", tree.dir.string());
    fmt::print(stderr, "tailor: Linux {} ready (id {})\n", tree.version, tree.id);
  });
}

void add_build(CLI::App& kernel, const GlobalOptions& global) {
  auto* cmd = kernel.add_subcommand("build", "Build a kernel (bzImage, vmlinux, System.map, .config), cached by content");
  cmd->footer(
      "Config files are applied in order on top of --base:\n"
      "  none          the first --config is a full .config; then 'make olddefconfig'\n"
      "  allnoconfig   fragments only; everything they do not name is off\n"
      "  tinyconfig    'make tinyconfig', then the fragments in allnoconfig mode\n"
      "  alldefconfig  fragments; everything else gets its Kconfig default\n"
      "  defconfig     x86_64_defconfig, then the fragments\n"
      "The build runs out of tree (O=) with -j<CPUs>, through ccache when installed (in depend\n"
      "mode: no second preprocessor pass on a miss), with a fixed build timestamp/user/host.\n"
      "--distcc HOSTS / --icecc run the compiles on a cluster (ccache's prefix command, or CC=\"distcc\n"
      "gcc\" with --no-ccache) with -j sized to it; the result is the same bytes and the same key.\n"
      "Results are cached under <cache>/kernels by a key over the source identity, the\n"
      "patches, the final .config and the compiler version; a repeated build returns the\n"
      "cached files in well under a second.");
  auto opts = std::make_shared<SourceOptions>();
  opts->add_to(*cmd);
  auto configs = std::make_shared<std::vector<std::string>>();
  auto base = std::make_shared<std::string>("none");
  auto out = std::make_shared<std::string>();
  auto jobs = std::make_shared<int>(0);
  auto no_ccache = std::make_shared<bool>(false);
  auto strict = std::make_shared<bool>(false);
  auto json = std::make_shared<bool>(false);
  cmd->add_option("--config,-c", *configs, "A .config or config fragment (repeatable, applied in order)");
  cmd->add_option("--base", *base, "Starting point: none, allnoconfig, tinyconfig, alldefconfig, defconfig")
      ->capture_default_str();
  cmd->add_option("-o,--output", *out, "Also copy bzImage, vmlinux, System.map and .config into this directory");
  cmd->add_option("-j,--jobs", *jobs, "Parallel jobs for make (default: number of CPUs)");
  cmd->add_flag("--no-ccache", *no_ccache, "Do not compile through ccache even when it is installed");
  auto cluster = std::make_shared<ClusterFlags>();
  cluster->add_to(*cmd);
  cmd->add_flag("--strict", *strict, "Fail if a symbol a fragment sets did not get that value");
  cmd->add_flag("--json", *json, "Print the result as JSON");
  cmd->callback([=, &global] {
    const stdfs::path cache = global.cache();
    image::KernelBuildRequest req;
    req.base = image::parse_config_base(*base);
    for (const auto& c : *configs) {
      std::error_code ec;
      if (!stdfs::is_regular_file(c, ec)) throw Error("--config " + c + ": no such file");
      req.configs.push_back(stdfs::absolute(c));
    }
    if (req.base == image::ConfigBase::None && req.configs.empty())
      throw Error("no configuration: pass --config FILE (a .config), or --base tinyconfig|allnoconfig|... with fragments");
    req.jobs = *jobs;
    req.toolchain = image::detect_toolchain(!*no_ccache);
    image::use_cluster(req.toolchain, cluster->options());
    req.store = cluster->store();
    Progress progress;
    req.tree = opts->provision(cache, progress);
    image::KernelArtifacts a = build_kernel(req, cache, progress);
    for (const auto& u : a.unmet_requests) fmt::print(stderr, "tailor: warning: {}\n", u);
    if (*strict && !a.unmet_requests.empty())
      throw Error(fmt::format("{} requested config value(s) not met (see warnings above)", a.unmet_requests.size()));
    if (!out->empty()) image::export_artifacts(a, *out);
    const stdfs::path shown = out->empty() ? a.dir : stdfs::path(*out);
    if (*json) {
      fmt::print("{}\n", image::artifacts_json(a, shown).dump(2));
      return;
    }
    fmt::print("Linux {} {} (key {})\n", a.version,
               a.fetched     ? "fetched from the remote cache"
               : a.cache_hit ? "from cache"
                             : fmt::format("built in {:.0f} s", a.build_seconds),
               a.key.substr(0, 16));
    fmt::print("  bzImage     {}\n  vmlinux     {}\n  System.map  {}\n  .config     {}\n", (shown / "bzImage").string(),
               (shown / "vmlinux").string(), (shown / "System.map").string(), (shown / ".config").string());
  });
}

void add_cache(CLI::App& kernel, const GlobalOptions& global) {
  auto* cache_cmd = kernel.add_subcommand("cache", "List or clean the kernel build cache");
  cache_cmd->require_subcommand(1);

  auto* list = cache_cmd->add_subcommand("list", "List cached kernel builds, most recently used first");
  auto json = std::make_shared<bool>(false);
  list->add_flag("--json", *json, "Print the entries as JSON");
  list->callback([json, &global] {
    auto entries = image::list_kernel_cache(global.cache());
    if (*json) {
      fmt::print("{}\n", image::cache_entries_json(entries).dump(2));
      return;
    }
    if (entries.empty()) {
      fmt::print("kernel cache is empty ({})\n", image::kernel_cache_dir(global.cache()).string());
      return;
    }
    fmt::print("{:<16}  {:<9}  {:<12}  {:>9}  {:>7}  {:<16}  {}\n", "KEY", "VERSION", "BASE", "SIZE", "BUILD",
               "LAST USED (UTC)", "CONFIG");
    std::uintmax_t total = 0;
    for (const auto& e : entries) {
      total += e.bytes;
      std::string config = e.configs.empty() ? "-" : stdfs::path(e.configs.back()).filename().string();
      if (e.configs.size() > 1) config += fmt::format(" (+{})", e.configs.size() - 1);
      fmt::print("{:<16}  {:<9}  {:<12}  {:>9}  {:>6.0f}s  {:<16}  {}\n", e.key.substr(0, 16), e.version, e.base,
                 human_bytes(e.bytes), e.build_seconds, image::utc_minute(e.last_used), config);
    }
    fmt::print("{} kernel(s), {}\n", entries.size(), human_bytes(total));
  });

  auto* gc = cache_cmd->add_subcommand("gc", "Remove unused kernel builds and leftovers of interrupted runs");
  gc->footer(
      "Always removes temporary directories left by processes that died, broken entries and\n"
      "index links that point nowhere. Entries another tailor process holds are never touched.");
  auto days = std::make_shared<double>(30);
  auto all = std::make_shared<bool>(false);
  auto dry = std::make_shared<bool>(false);
  auto sources = std::make_shared<bool>(false);
  gc->add_option("--older-than", *days, "Remove builds not used for this many days")->capture_default_str();
  gc->add_flag("--all", *all, "Remove every cached build");
  gc->add_flag("--sources", *sources, "Also remove unpacked source trees unused for that long");
  gc->add_flag("-n,--dry-run", *dry, "Only list what would be removed");
  gc->callback([=, &global] {
    image::GcOptions o;
    o.older_than = std::chrono::hours(static_cast<long>(*days * 24));
    o.all = *all;
    o.dry_run = *dry;
    o.include_sources = *sources;
    image::GcReport r = gc_kernel_cache(global.cache(), o);
    for (const auto& p : r.removed) fmt::print("{} {}\n", *dry ? "would remove" : "removed", p);
    fmt::print("{} item(s), {} {}\n", r.removed.size(), human_bytes(r.bytes), *dry ? "would be freed" : "freed");
  });
}

}  // namespace

std::shared_ptr<image::KernelStore> ClusterFlags::store() const {
  const image::ClusterOptions o = options();
  return o.remote_cache.empty() ? nullptr : fleet::kernel_store(o.remote_cache, "--remote-cache");
}

void ClusterFlags::add_to(CLI::App& cmd) {
  cmd.add_option("--distcc", distcc,
                 "Compile the kernel on these distcc hosts ('HOST[:PORT]/SLOTS ...', as DISTCC_HOSTS; default: "
                 "$DISTCC_HOSTS when set), through ccache, with -j the hosts' slots");
  cmd.add_flag("--icecc", icecc, "Compile the kernel through the icecream cluster (iceccd and its scheduler)");
  cmd.add_option("--remote-cache", remote_cache,
                 "A cache store shared between machines: redis://HOST[:PORT] or http(s)://HOST[:PORT]/PATH "
                 "(default: $TAILOR_REMOTE_CACHE): ccache's remote storage, and tailor's kernels are fetched "
                 "from it (digests checked) and published to it");
}

image::ClusterOptions ClusterFlags::options() const {
  image::ClusterOptions o;
  o.distcc_hosts = distcc;
  o.icecc = icecc;
  o.remote_cache = remote_cache;
  // The environment speaks only when the command line does not.
  if (o.distcc_hosts.empty() && !o.icecc)
    if (const char* env = std::getenv("DISTCC_HOSTS"); env && *env) o.distcc_hosts = env;
  if (o.remote_cache.empty())
    if (const char* env = std::getenv("TAILOR_REMOTE_CACHE"); env && *env) o.remote_cache = env;
  return o;
}

void add_kernel_command(CLI::App& app, const GlobalOptions& global) {
  auto* kernel = app.add_subcommand("kernel", "Kernel source trees, cached kernel builds");
  kernel->require_subcommand(1);
  add_source(*kernel, global);
  add_build(*kernel, global);
  add_cache(*kernel, global);
}

}  // namespace tailor::cli
