// `tailor build`, `tailor run`, `tailor image ls`: manifests into images, and
// images booted with the runner.
#include <CLI/CLI.hpp>
#include <fmt/core.h>

#include <cstdio>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "common/error.h"
#include "common/human_bytes.h"
#include "common/progress.h"
#include "common/sha256.h"
#include "image-builder/fleet/fleet_build.h"
#include "image-builder/image_build.h"
#include "image-builder/volume_image.h"
#include "image-builder/image_check.h"
#include "image-builder/image_plan.h"
#include "image-builder/manifest.h"
#include "pipeline/config_choice.h"
#include "runner/boot_cli.h"
#include "runner/boot_profile.h"
#include "runner/runner.h"

namespace tailor::cli {
namespace {

namespace stdfs = std::filesystem;

// --max-unpacked-size: build, run and image ls read the same archives.
void add_max_unpacked_option(CLI::App& cmd, std::uint64_t& bytes) {
  cmd.add_option("--max-unpacked-size", bytes,
                 "Most that one .deb or container image may unpack to (file bytes, sparse holes included, plus 4 KiB "
                 "per member), e.g. 4G or 512M (default: " + image::size_text(image::kDefaultMaxUnpackedBytes) +
                     "); more is refused as a likely decompression bomb")
      ->transform(CLI::AsSizeValue(false));
}

// Options shared by build and run: how the image is made.
struct BuildFlags {
  std::string out;
  std::string kernel_config;
  bool fixed_config = false;  // the generous built-in fragments instead of the analyzer
  bool kml = false;
  bool no_ccache = false;
  int jobs = 0;
  std::uint64_t max_unpacked = image::kDefaultMaxUnpackedBytes;
  ClusterFlags cluster;

  void add_to(CLI::App& cmd, const std::string& out_help) {
    cmd.add_option("-o,--output", out, out_help);
    cmd.add_option("--kernel-config", kernel_config,
                   "Use this full kernel .config instead of the analyzer's (e.g. one `tailor analyze` wrote)");
    cmd.add_flag("--fixed-config", fixed_config,
                 "Use the generous built-in fragments (tinyconfig + small.config + apps.config) instead of the "
                 "analyzer");
    cmd.add_flag("--kml", kml, "Build with Kernel-Mode-Linux (as if the manifest said [kernel] kml = true)");
    cmd.add_flag("--no-ccache", no_ccache, "Do not compile the kernel through ccache");
    cmd.add_option("-j,--jobs", jobs, "Parallel jobs for the kernel build (default: number of CPUs)");
    cluster.add_to(cmd);
    add_max_unpacked_option(cmd, max_unpacked);
  }

  image::ImageBuildOptions options(const image::Manifest& m, const stdfs::path& default_out, const stdfs::path& cache) const {
    image::ImageBuildOptions o;
    o.out_dir = out.empty() ? default_out : stdfs::path(out);
    o.config_source = pipeline::choose_config_source({kernel_config, fixed_config}, cache, o.kernel_version,
                                                     [](const std::string& line) {
                                                       std::fprintf(stderr, "tailor: %s\n", line.c_str());
                                                     })
                          .source;
    o.kml_series = image::default_kml_series();
    o.ccache = !no_ccache;
    o.jobs = jobs;
    o.cluster = cluster.options();
    o.kernel_store = cluster.store();
    o.max_unpacked_bytes = max_unpacked;
    o.notice = [](const std::string& line) { std::fprintf(stderr, "tailor: %s\n", line.c_str()); };
    (void)m;
    return o;
  }
};

image::Manifest load(const std::string& path, bool force_kml) {
  image::Manifest m = image::load_manifest(path);
  if (force_kml) m.kernel.kml = true;
  return m;
}

void print_build_summary(const image::Manifest& m, const image::ImageBuildResult& r) {
  std::fprintf(stderr, "tailor: built %s in %s\n", m.name.c_str(), r.out_dir.string().c_str());
  std::fprintf(stderr, "  kernel     %s (%s), bzImage %s\n", r.kernel.version.c_str(),
               r.kernel.fetched     ? "fetched from the remote cache"
               : r.kernel.cache_hit ? "cached"
                                    : fmt::format("built in {:.0f} s", r.kernel.build_seconds).c_str(),
               human_bytes(stdfs::file_size(r.bzimage)).c_str());
  std::fprintf(stderr, "  initramfs  %s: %llu entries, %s (%s uncompressed)%s\n", r.initramfs.filename().c_str(),
               static_cast<unsigned long long>(r.initramfs_info.entries), human_bytes(r.initramfs_info.bytes).c_str(),
               human_bytes(r.initramfs_info.cpio_bytes).c_str(), r.embedded ? ", built into bzImage" : "");
  std::fprintf(stderr, "  boots      %s%s\n", r.boot_kernel.filename().c_str(),
               r.boot_kernel == r.vmlinux ? " (PVH entry: no decompressor)" : "");
  std::fprintf(stderr, "  cmdline    %s\n", r.cmdline.c_str());
}

void add_build(CLI::App& app, const GlobalOptions& global) {
  auto* cmd = app.add_subcommand("build", "Build a manifest's image: kernel + initramfs, deterministic");
  cmd->footer(
      "Writes DIR/{bzImage, vmlinux, initramfs.cpio.<gz|zst|lz4>, kernel.config, image.lock.json}.\n"
      "The payload ([[payload]]: host files, manifest files, Debian packages, container images)\n"
      "is completed with the shared libraries its programs need (from the payload, then the\n"
      "packages' library dependencies, then the host), tailor's /init is added, and the tree is\n"
      "written as a sorted cpio with fixed metadata. The kernel comes from the content-addressed\n"
      "kernel cache (built once per distinct configuration). Everything is staged and moved into\n"
      "DIR only when all of it succeeded; the same manifest gives byte-identical initramfs and\n"
      "image.lock.json. Default DIR: out/<name>.\n"
      "Several manifests (`tailor build manifests/*.toml`) build a fleet into DIR/<name> (default DIR:\n"
      "out), one image after the other: each distinct kernel is compiled once and shared by every image\n"
      "that needs it; the summary counts distinct kernels and how many were compiled.");
  auto manifests = std::make_shared<std::vector<std::string>>();
  auto flags = std::make_shared<BuildFlags>();
  auto json = std::make_shared<bool>(false);
  cmd->add_option("manifest", *manifests, "The application manifest (TOML); several build a fleet")->required();
  flags->add_to(*cmd, "Output directory (default: out/<name>; for several manifests the parent, default out)");
  cmd->add_flag("--json", *json, "Print the lock file (image.lock.json) on stdout");
  cmd->callback([=, &global] {
    if (manifests->size() > 1) {
      if (*json) throw Error("--json prints one image's lock file: give one manifest (each image has its own)");
      Progress progress;
      std::vector<image::Manifest> fleet;
      for (const auto& path : *manifests) fleet.push_back(load(path, flags->kml));
      auto result = fleet::build_fleet(
          fleet, flags->out.empty() ? stdfs::path("out") : stdfs::path(flags->out),
          [&](const image::Manifest& m) { return flags->options(m, {}, global.cache()); },
          global.cache(), progress, [](const image::Manifest& m, const image::ImageBuildResult& r) { print_build_summary(m, r); });
      std::fputs(fleet::fleet_summary(result).c_str(), stderr);
      return;
    }
    image::Manifest m = load(manifests->front(), flags->kml);
    Progress progress;
    image::ImageBuildResult r = build_image(m, flags->options(m, stdfs::path("out") / m.name, global.cache()), global.cache(), progress);
    if (*json) std::fputs(r.lock_json.c_str(), stdout);
    print_build_summary(m, r);
  });
}

// [net] and [[volume]] as the runner's devices. Forwarded ports are checked
// here, before a volume is made, so that a taken port leaves nothing behind.
void add_service_devices(const image::Manifest& m, runner::BootSpec& spec) {
  if (!m.net.present) return;
  runner::NetDevice net;
  net.tap = m.net.tap;
  net.user = m.net.tap.empty();
  net.guest_cidr = m.net.address;
  net.gateway = m.net.gateway;
  net.dns = m.net.dns;
  for (const auto& p : m.net.ports) {
    runner::PortForward f;
    f.protocol = p.protocol == "udp" ? runner::PortForward::Protocol::Udp : runner::PortForward::Protocol::Tcp;
    f.host_address = p.host_address;
    f.host_port = p.host_port;
    f.guest_port = p.guest_port;
    net.forwards.push_back(f);
  }
  spec.nets.push_back(net);
  try {
    runner::check_forward_ports(spec.nets);
  } catch (const Error& e) {
    throw Error(m.net.where.str() + ": [net] ports: " + e.what());
  }
}

void add_run(CLI::App& app, const GlobalOptions& global) {
  auto* cmd = app.add_subcommand("run", "Build a manifest's image if needed, boot it, and exit with the app's status");
  cmd->footer(
      "The console (the app's stdout and stderr) streams to stdout. The exit status is the app's\n"
      "(0..255), or one of the runner's codes when the guest ended otherwise (see `tailor boot\n"
      "--help`). With --check, the manifest's [check] decides instead: 0 when the console holds\n"
      "every expected string and the app's status is the expected one, 1 otherwise (the reason\n"
      "goes to stderr). The image is built into -o DIR, by default a directory in the cache.\n\n"
      "Services: [net] gives the guest a network device (user-mode NAT with the manifest's port\n"
      "forwards, which are printed, or a TAP interface) and [[volume]] an ext4 image each (made\n"
      "when missing, checked with e2fsck before the boot). A manifest with [net] and no\n"
      "timeout_s runs until stopped. Ctrl-C or SIGTERM asks the guest to stop: /init sends\n"
      "SIGTERM to the app, SIGKILL after [run] stop_timeout_s (default 10), unmounts the\n"
      "volumes, and tailor exits with the app's status; a second Ctrl-C stops at once.");
  auto manifest = std::make_shared<std::string>();
  auto flags = std::make_shared<BuildFlags>();
  auto check = std::make_shared<bool>(false);
  auto backend = std::make_shared<std::string>("auto");
  auto machine = std::make_shared<std::string>("microvm");
  auto timeout = std::make_shared<double>(-1);
  auto timings = std::make_shared<bool>(false);
  cmd->add_option("manifest", *manifest, "The application manifest (TOML)")->required();
  flags->add_to(*cmd, "Build the image into this directory (default: in the cache)");
  cmd->add_flag("--check", *check, "Verify the manifest's [check] and exit 0 (passed) or 1 (failed)");
  cmd->add_option("-b,--backend", *backend, "auto (KVM when usable, else QEMU), kvm, or qemu")
      ->check(CLI::IsMember({"auto", "kvm", "qemu"}))
      ->capture_default_str();
  cmd->add_option("--qemu-machine", *machine, "QEMU backend machine: microvm or pc")
      ->check(CLI::IsMember({"microvm", "pc"}))
      ->capture_default_str();
  cmd->add_option("-t,--timeout", *timeout, "Stop the guest after this many seconds (default: [run] timeout_s)");
  cmd->add_flag("--timings", *timings, "Print timing points (first instruction, app exec, exit) on stderr");
  auto deterministic = std::make_shared<bool>(false);
  auto profile = std::make_shared<bool>(false);
  runner::add_deterministic_flags(*cmd, *deterministic, *profile);
  cmd->callback([=, &global] {
    image::Manifest m = load(*manifest, flags->kml);
    if (*check && !m.check.present) throw Error(m.path.string() + ": --check, but the manifest has no [check] table");
    const stdfs::path cache = global.cache();
    const stdfs::path default_out = cache / "images" / (m.name + "-" + sha256_hex(m.path.string()).substr(0, 12));
    // Services first: a taken port or a bad volume stops the run before any build.
    runner::BootSpec spec;
    add_service_devices(m, spec);
    const std::vector<image::PreparedVolume> volumes = image::prepare_volumes(m);
    for (const auto& v : volumes) spec.disks.push_back({v.image, v.read_only});
    Progress progress;
    image::ImageBuildResult img;
    try {
      img = image::build_image(m, flags->options(m, default_out, cache), cache, progress);
    } catch (...) {
      image::remove_created_volumes(volumes);  // a failed run leaves no volume it made
      throw;
    }
    for (const auto& p : m.net.ports) std::fprintf(stderr, "tailor: %s: %s\n", m.name.c_str(), p.describe().c_str());
    std::fprintf(stderr, "tailor: %s: kernel %s, %s, %llu files; booting\n", m.name.c_str(),
                 img.kernel.cache_hit ? "cached" : "built", img.initramfs.filename().c_str(),
                 static_cast<unsigned long long>(img.initramfs_info.entries));

    spec.stop_channel = true;
    spec.stop_grace = std::chrono::seconds(m.run.stop_timeout_s + 5);
    runner::set_guest(spec, image::guest_image(img, m));
    // A service (with [net]) runs until it is stopped, unless the manifest says otherwise.
    const double seconds = *timeout >= 0 ? *timeout : (m.net.present && !m.run.timeout_set ? 0 : m.run.timeout_s);
    spec.timeout = std::chrono::milliseconds(static_cast<long long>(seconds * 1000));
    spec.backend = runner::parse_backend(*backend);
    spec.qemu_machine = *machine;
    spec.capture_console = *check;
    if (*deterministic || *profile) runner::make_deterministic(spec, *profile);
    spec.notice = [](const std::string& line) {
      std::fflush(stdout);
      std::fprintf(stderr, "tailor: notice: %s\n", line.c_str());
    };
    runner::BootResult r = runner::boot(spec);
    std::fflush(stdout);
    if (*timings) std::fprintf(stderr, "%s", runner::format_timings(r).c_str());
    if (*deterministic || *profile) {
      std::error_code ec;
      const bool have_map = stdfs::is_regular_file(img.kernel.system_map, ec);
      runner::print_virtual_timeline(r, *profile, have_map ? img.kernel.system_map : stdfs::path());
    }
    if (r.outcome != runner::Outcome::AppExited)
      std::fprintf(stderr, "tailor: %s: %s (exit code %d)\n", std::string(runner::outcome_name(r.outcome)).c_str(),
                   r.detail.c_str(), r.exit_code);
    int code = r.exit_code;
    if (*check) {
      image::CheckOutcome c = evaluate_check(m.check, r.console, r.app_status, r.detail);
      std::fprintf(stderr, "tailor: check %s: %s\n", m.name.c_str(), c.passed ? "passed" : ("FAILED: " + c.summary()).c_str());
      code = c.passed ? 0 : 1;
    }
    std::fflush(stderr);
    if (code != 0) throw CLI::RuntimeError(code);
  });
}

void add_image_ls(CLI::App& image, const GlobalOptions& global) {
  auto* cmd = image.add_subcommand("ls", "List what goes into a manifest's image, where each file comes from and why");
  cmd->footer(
      "Assembles the payload and its library closure exactly as `tailor build` does (downloading\n"
      "packages if needed) but builds no kernel and writes no image. Directories are left out\n"
      "unless --all.");
  auto manifest = std::make_shared<std::string>();
  auto json = std::make_shared<bool>(false);
  auto all = std::make_shared<bool>(false);
  auto max_unpacked = std::make_shared<std::uint64_t>(image::kDefaultMaxUnpackedBytes);
  cmd->add_option("manifest", *manifest, "The application manifest (TOML)")->required();
  cmd->add_flag("--json", *json, "Print JSON: one object per path");
  cmd->add_flag("--all", *all, "Also list directories");
  add_max_unpacked_option(*cmd, *max_unpacked);
  cmd->callback([=, &global] {
    image::Manifest m = image::load_manifest(*manifest);
    Progress progress;
    image::ImagePlan plan = plan_image(m, global.cache(), progress, *max_unpacked);
    nlohmann::ordered_json out = nlohmann::ordered_json::array();
    std::uint64_t files = 0, bytes = 0;
    for (const auto& [path, n] : plan.tree.nodes()) {
      if (n.type == image::NodeType::File) ++files, bytes += n.content.size;
      if (n.type == image::NodeType::Dir && !*all) continue;
      if (*json) {
        out.push_back({{"path", path}, {"type", image::node_type_name(n.type)}, {"size", n.content.size},
                       {"source", n.source}, {"reason", n.reason}});
        continue;
      }
      std::string size = n.type == image::NodeType::File ? human_bytes(n.content.size)
                         : n.type == image::NodeType::Symlink ? "-> " + n.link_target
                                                       : image::node_type_name(n.type);
      fmt::print("{:<56} {:>10}  {:<36}  {}\n", path, size, n.source, n.reason);
    }
    if (*json) {
      fmt::print("{}\n", out.dump(2, ' ', false, nlohmann::json::error_handler_t::replace));
    } else {
      fmt::print("{} files, {} in all; {} package(s)\n", files, human_bytes(bytes), plan.packages.size());
    }
    for (const auto& note : plan.notes) std::fprintf(stderr, "tailor: %s\n", note.c_str());
  });
}

}  // namespace

void add_image_command(CLI::App& app, const GlobalOptions& global) {
  add_build(app, global);
  add_run(app, global);
  auto* image = app.add_subcommand("image", "Inspect images");
  image->require_subcommand(1);
  add_image_ls(*image, global);
}

}  // namespace tailor::cli
