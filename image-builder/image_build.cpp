// The image pipeline: plan, configure, build (cached), write, publish.
#include "image-builder/image_build.h"

#include <cstdlib>

#include "common/config_line.h"
#include "common/error.h"
#include "common/fs.h"
#include "common/sha256.h"
#include "image-builder/image_lock.h"
#include "image-builder/volume_image.h"
#include "image-builder/kernel_source.h"
#include "image-builder/patch_series.h"

#ifndef TAILOR_SOURCE_DIR
#define TAILOR_SOURCE_DIR "."
#endif

namespace tailor::image {
namespace {

namespace stdfs = std::filesystem;

const Compression kPreference[] = {Compression::Zstd, Compression::Gzip, Compression::Lz4};

std::string rd_symbol(Compression c) {
  switch (c) {
    case Compression::Gzip: return "CONFIG_RD_GZIP";
    case Compression::Zstd: return "CONFIG_RD_ZSTD";
    case Compression::Lz4: return "CONFIG_RD_LZ4";
    case Compression::None: return "";
  }
  return "";
}

// [net] without IPv4 or virtio-net, [[volume]] without virtio-blk or ext4.
void require_service_options(const Manifest& m, const std::string& config_text, const std::string& origin) {
  auto missing = missing_service_options(m, config_text);
  if (missing.empty()) return;
  std::string list;
  for (const auto& o : missing) list += (list.empty() ? "" : ", ") + o;
  throw Error(m.path.string() + ": [net]/[[volume]] need " + list + ", which the kernel config (" + origin +
              ") lacks; add them to [kernel] extra, or let `tailor analyze` derive the config");
}

std::string joined_text(const std::vector<ConfigFragment>& fragments) {
  std::string all;
  for (const auto& f : fragments) all += f.text + "\n";
  return all;
}

// The manifest's choice. Else an initramfs the monitor loads stays
// uncompressed: the monitor copies it into guest memory on the host, while
// unpacking costs guest time at every boot (hello's 1 MB zstd archive: 42 ms
// of virtual time, its whole boot without it 31 ms). One built into the
// kernel (`config_text` not final yet) takes the best the config decompresses.
Compression choose_compression(const Manifest& m, const std::string& config_text, bool final_config) {
  if (m.kernel.compression) {
    Compression c = *m.kernel.compression;
    if (final_config && c != Compression::None && !config_enables(config_text, rd_symbol(c)))
      throw Error(m.path.string() + ": [kernel] compression = \"" + compression_name(c) + "\", but the kernel config has no " +
                  rd_symbol(c) + "; add \"" + rd_symbol(c).substr(7) + "\" to [kernel] extra or pick another");
    return c;
  }
  if (final_config) return Compression::None;
  for (Compression c : kPreference)
    if (config_enables(config_text, rd_symbol(c))) return c;
  return Compression::Gzip;
}

void notice(const ImageBuildOptions& o, const std::string& line) {
  if (o.notice) o.notice(line);
}

// Moves every file of `staging` into `out_dir`, the lock file last, and drops
// initramfs files of another compression.
void publish(const stdfs::path& staging, const stdfs::path& out_dir, const std::string& initramfs_name) {
  std::error_code ec;
  stdfs::create_directories(out_dir, ec);
  if (ec) throw Error("cannot create output directory " + out_dir.string() + ": " + ec.message());
  for (const char* f : {"bzImage", "vmlinux", "kernel.config"}) stdfs::rename(staging / f, out_dir / f);
  stdfs::rename(staging / initramfs_name, out_dir / initramfs_name);
  for (const auto& e : stdfs::directory_iterator(out_dir, ec)) {
    const std::string name = e.path().filename().string();
    if (name.rfind("initramfs.cpio", 0) == 0 && name != initramfs_name) stdfs::remove(e.path(), ec);
  }
  stdfs::rename(staging / "image.lock.json", out_dir / "image.lock.json");
}

}  // namespace

std::string image_cmdline(const Manifest& m) {
  std::string c = "console=ttyS0 panic=-1 quiet";
  // Boot time (bench/README.md, "Where boot time goes"). The IO-APIC timer
  // check waits for ticks to prove a timer works that both monitors provide
  // (KVM guests skip it too): 20 ms. With one vCPU the tick can come from the
  // PIT, so the local APIC timer need not be calibrated against it: that
  // calibration polls for 2 x HZ/10 ticks, 216 ms of hello's 412 ms. (On KVM,
  // tailor-vmm's TSC-deadline timer skips it as well; QEMU's TCG has none.)
  c += " no_timer_check";
  if (m.kernel.smp <= 1) c += " noapictimer";
  // KML refuses to run trusted programs at CPL 0 under page table isolation.
  if (m.kernel.kml) c += " pti=off";
  if (!m.kernel.cmdline.empty()) c += " " + m.kernel.cmdline;
  return c;
}

runner::GuestImage guest_image(const ImageBuildResult& r, const Manifest& m) {
  runner::GuestImage g;
  g.kernel = r.boot_kernel;
  if (!r.embedded) g.initrd = r.initramfs;
  g.cmdline = r.cmdline;
  g.memory_mib = static_cast<std::uint32_t>(m.run.memory_mib);
  g.cpus = static_cast<std::uint32_t>(m.kernel.smp);
  return g;
}

stdfs::path default_kml_series() {
  if (const char* env = std::getenv("TAILOR_KML_PATCHES"); env && *env) return env;
  return stdfs::path(TAILOR_SOURCE_DIR) / "kml-patches" / "series";
}

std::optional<PatchSeries> kml_patches(const Manifest& m, const stdfs::path& series_file) {
  if (!m.kernel.kml) return std::nullopt;
  std::error_code ec;
  if (!stdfs::is_regular_file(series_file, ec))
    throw Error(m.path.string() + ": [kernel] kml = true, but there is no KML patch series at " +
                series_file.string() + " (set TAILOR_KML_PATCHES to its series file)");
  return load_series(series_file);
}

KernelTree manifest_kernel_tree(const Manifest& m, const std::string& version, const stdfs::path& series_file,
                                const stdfs::path& cache, Progress& progress) {
  const std::optional<PatchSeries> patches = kml_patches(m, series_file);  // before minutes of unpacking
  KernelSourceSpec spec;
  spec.version = version;
  KernelTree tree = provision_source(spec, cache, progress);
  if (patches) tree = apply_series(tree, *patches, cache, progress);
  return tree;
}

ImageBuildResult build_image(const Manifest& m, const ImageBuildOptions& options, const stdfs::path& cache,
                             Progress& progress) {
  if (options.out_dir.empty()) throw Error("no output directory given");
  ImageBuildResult result;
  result.out_dir = options.out_dir;

  // 1. What goes in.
  ImagePlan plan = plan_image(m, cache, progress, options.max_unpacked_bytes);
  for (const auto& n : plan.notes) notice(options, n);

  // 2. The kernel configuration: the source's, then what this image needs.
  KernelConfigPlan config = options.config_source(m, plan.tree);
  std::vector<ConfigFragment> fragments = config.fragments;
  if (!m.kernel.extra.empty()) {
    std::string text;
    for (const auto& line : m.kernel.extra) text += line + "\n";
    fragments.push_back({"[kernel] extra", text});
  }
  const std::optional<PatchSeries> patches = kml_patches(m, options.kml_series);
  if (patches) {
    // The series' own fragment (kml-patches/kml.config) when it has one.
    std::error_code ec;
    const stdfs::path kml_config = options.kml_series.parent_path() / "kml.config";
    fragments.push_back({"kml.config", stdfs::is_regular_file(kml_config, ec) ? read_file(kml_config)
                                                                            : std::string("CONFIG_KERNEL_MODE_LINUX=y\n")});
  }

  result.embedded = m.kernel.embed_initramfs;
  result.cmdline = image_cmdline(m);
  std::string initramfs_name;
  stdfs::path embedded_cpio;
  if (result.embedded) {
    // Built into bzImage: the archive's path is part of the config text, so it
    // lives at a content address and equal archives give equal configs.
    result.compression = choose_compression(m, joined_text(fragments), false);
    progress.update("initramfs", -1, compression_name(result.compression));
    stdfs::create_directories(cache / "initramfs");
    const stdfs::path temp = sibling_temp_path(cache / "initramfs" / "incoming.cpio");  // gc knows the name
    result.initramfs_info = write_initramfs(plan.tree, result.compression, temp);
    embedded_cpio = cache / "initramfs" / (result.initramfs_info.sha256 + ".cpio" + compression_suffix(result.compression));
    stdfs::rename(temp, embedded_cpio);
    std::string text = "CONFIG_BLK_DEV_INITRD=y\nCONFIG_INITRAMFS_SOURCE=\"" + embedded_cpio.string() + "\"\n";
    if (result.compression == Compression::None) text += "CONFIG_INITRAMFS_COMPRESSION_NONE=y\n";
    else text += rd_symbol(result.compression) + "=y\n";
    fragments.push_back({"embedded initramfs", text});
  } else if (m.kernel.compression && *m.kernel.compression != Compression::None &&
             !config_enables(joined_text(fragments), rd_symbol(*m.kernel.compression))) {
    fragments.push_back({"[kernel] compression", rd_symbol(*m.kernel.compression) + "=y\n"});
  }

  // A full .config is known before the build: a service it cannot serve
  // stops here rather than after minutes of kbuild.
  if (config.base == ConfigBase::None) require_service_options(m, joined_text(fragments), config.origin);

  // 3. The kernel, from the cache when these inputs were built before.
  KernelSourceSpec spec;
  spec.version = options.kernel_version;
  KernelBuildRequest req;
  req.tree = provision_source(spec, cache, progress);
  if (patches) req.tree = apply_series(req.tree, *patches, cache, progress);
  req.base = config.base;
  req.configs = materialize_fragments(fragments, cache);
  req.jobs = options.jobs;
  req.toolchain = detect_toolchain(options.ccache);
  use_cluster(req.toolchain, options.cluster);
  req.store = options.kernel_store;
  result.kernel = build_kernel(req, cache, progress);
  for (const auto& u : result.kernel.unmet_requests) {
    bool from_manifest = false;
    for (const auto& line : m.kernel.extra)
      if (auto c = parse_config_line(line); c && u.rfind(c->symbol() + ":", 0) == 0) from_manifest = true;
    if (from_manifest)
      throw Error(m.path.string() + ": [kernel] extra: " + u + " (a symbol it depends on is off; add that too)");
    notice(options, "kernel config: " + u);
  }
  const std::string final_config = read_file(result.kernel.config);
  if (!config_enables(final_config, "CONFIG_BLK_DEV_INITRD"))
    throw Error("the kernel config has no CONFIG_BLK_DEV_INITRD: it cannot unpack an initramfs");
  require_service_options(m, final_config, config.origin);

  // 4. The initramfs (for an initrd: in the best compression the kernel reads),
  // staged beside the output directory; nothing exists there before this point.
  const stdfs::path out_path = stdfs::absolute(options.out_dir).lexically_normal();
  // A staging directory an interrupted build left beside DIR goes first.
  if (out_path.has_parent_path())
    for (const auto& left : abandoned_temps(out_path.parent_path(), "." + out_path.filename().string() + ".tmp-"))
      remove_tree(left);
  TempDir staging(out_path);
  if (!result.embedded) {
    result.compression = choose_compression(m, final_config, true);
    initramfs_name = "initramfs.cpio" + compression_suffix(result.compression);
    progress.update("initramfs", -1, initramfs_name);
    result.initramfs_info = write_initramfs(plan.tree, result.compression, staging.path() / initramfs_name);
  } else {
    initramfs_name = "initramfs.cpio" + compression_suffix(result.compression);
    copy_file_atomic(embedded_cpio, staging.path() / initramfs_name);
  }

  // 5. Kernel files and the lock, then publish.
  progress.update("output", -1, options.out_dir.string());
  copy_file_atomic(result.kernel.bzimage, staging.path() / "bzImage");
  copy_file_atomic(result.kernel.vmlinux, staging.path() / "vmlinux");
  copy_file_atomic(result.kernel.config, staging.path() / "kernel.config");
  LockKernel lk;
  lk.version = result.kernel.version.empty() ? req.tree.version : result.kernel.version;
  lk.config_origin = config.origin;
  lk.fragments = fragments;
  lk.base = config_base_name(config.base);
  if (patches) lk.patches = patches->content_hash;
  lk.cache_key = result.kernel.key;
  lk.config_sha256 = sha256_hex(final_config);
  lk.bzimage_sha256 = sha256_file(result.kernel.bzimage);
  lk.vmlinux_sha256 = sha256_file(result.kernel.vmlinux);
  lk.cmdline = result.cmdline;
  // The embedded archive's path (in the cache) is not part of the lock: its digest is.
  for (auto& f : lk.fragments)
    if (f.name == "embedded initramfs") f.text = "CONFIG_INITRAMFS_SOURCE=<initramfs sha256 " + result.initramfs_info.sha256 + ">";
  LockInitramfs li{initramfs_name, result.compression, result.embedded, result.initramfs_info};
  result.lock_json = image_lock_json(m, plan, lk, li);
  write_file_atomic(staging.path() / "image.lock.json", result.lock_json);
  publish(staging.path(), options.out_dir, initramfs_name);
  progress.clear();

  result.bzimage = options.out_dir / "bzImage";
  result.vmlinux = options.out_dir / "vmlinux";
  result.boot_kernel = config_enables(final_config, "CONFIG_PVH") ? result.vmlinux : result.bzimage;
  result.initramfs = options.out_dir / initramfs_name;
  result.kernel_config = options.out_dir / "kernel.config";
  result.lock = options.out_dir / "image.lock.json";
  return result;
}

}  // namespace tailor::image
