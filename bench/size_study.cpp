#include "bench/size_study.h"

#include <fmt/core.h>

#include <cstdlib>
#include <functional>
#include <map>
#include <sstream>

#include "bench/backend_choice.h"
#include "bench/image_rows.h"
#include "bench/report.h"
#include "bench/size_union.h"
#include "bench/study_runner.h"
#include "common/error.h"
#include "common/fs.h"
#include "image-builder/kernel_build.h"
#include "image-builder/kernel_source.h"
#include "kconfig-analyzer/kconfig/kconfig.h"
#include "kconfig-analyzer/kconfig/tinyconfig.h"
#include "runner/boot_profile.h"

namespace tailor::bench {

// The QEMU machine of the size study's boots (see the note it writes).
constexpr const char* kSizeStudyQemuMachine = "pc";

namespace {

namespace stdfs = std::filesystem;
namespace kc = tailor::kconfig;

// Every size and time here is better smaller.
Measurement key(const std::string& workload, const std::string& variant, const std::string& metric, int target) {
  return Measurement::wanted(workload, variant, metric, false, target);
}

// A source tree's Kconfig, loaded by tailor's engine (parsed-tree cache).
std::shared_ptr<const kc::Tree> engine_tree(const stdfs::path& srctree, const stdfs::path& cache) {
  kc::TreeOptions o;
  o.srctree = srctree;
  o.arch = "x86_64";
  o.shell_cache_dir = cache / "kconfig-shell";
  o.tree_cache_dir = cache / "kconfig-tree";
  return kc::Tree::load(o);
}

// Options on in a .config, as the engine reads it on the tree it is for.
int options_on(const std::shared_ptr<const kc::Tree>& tree, const std::string& dotconfig) {
  kc::Config config(tree);
  config.read(dotconfig);
  return config.options_on();
}

// The generic configurations as conf would write them, from tailor's engine.
struct GenericConfigs {
  std::string tinyconfig, defconfig, microvm;
};

GenericConfigs engine_configs(const std::shared_ptr<const kc::Tree>& t, const std::optional<stdfs::path>& microvm) {
  GenericConfigs g;
  g.tinyconfig = kc::tinyconfig(*t).output;
  const stdfs::path defconfig = t->env().srctree / "arch" / t->env().srcarch / "configs" / t->env().defconfig;
  g.defconfig = kc::run_mode(t->model_ptr(), kc::Mode::DefConfig, kc::ConfigText{defconfig.string(), read_file(defconfig)})
                    .output;
  if (microvm)
    g.microvm = kc::run_mode(t->model_ptr(), kc::Mode::OldDefConfig, kc::ConfigText{microvm->string(), read_file(*microvm)})
                    .output;
  return g;
}

// One deterministic boot (virtual time is the same on every run): the
// guest's own clock at /init's exec of the app.
void measure_virtual_boot(Study& study, StudyRun& run, const std::string& variant, const GuestImage& guest) {
  Measurement& m = study.measurement(key("boot-to-app (virtual)", variant, "ms", 1));
  if (!m.samples.empty()) return;
  run.show_progress(variant + ": deterministic boot");
  const runner::BootResult r = runner::boot(deterministic_boot(guest, guest.memory_mib, std::chrono::seconds(600)));
  const runner::BootProfile p = runner::profile_boot(r.console, r.timings.guest_clock);
  if (!p.app_exec_ns) {
    m.errors.push_back(fmt::format("{}: {} (no clock stamp from /init)", runner::outcome_name(r.outcome), r.detail));
    run.save();
    throw Error(fmt::format("size: {} did not report its virtual boot time: {}: {}", variant,
                            runner::outcome_name(r.outcome), r.detail));
  }
  m.samples = {static_cast<double>(*p.app_exec_ns) / 1e6};
  run.save();
}

}  // namespace

std::filesystem::path shipped_manifest(const std::string& name) {
  return stdfs::path(TAILOR_SOURCE_DIR) / "manifests" / (name + ".toml");
}

std::optional<std::filesystem::path> default_microvm_config() {
  if (const char* env = std::getenv("TAILOR_MICROVM_CONFIG"); env && *env) return stdfs::path(env);
  return std::nullopt;
}

void run_size_study(const SizeStudyOptions& opt, Progress& progress) {
  const StudyCommon& c = opt.common;
  check_study_dir(c.out_dir, "size", c.restart);
  const bool full = c.full;
  const int repeats = opt.repeats > 0 ? opt.repeats : full ? 10 : 3;
  if (opt.manifests.empty()) throw Error("bench size: no app manifest given (--manifest FILE)");
  if (opt.union_kernel && opt.manifests.size() < 2)
    throw Error("bench size --union: give two or more apps (--manifest, repeatable)");
  if (opt.microvm_config) {
    std::error_code ec;
    if (!stdfs::is_regular_file(*opt.microvm_config, ec))
      throw Error(opt.microvm_config->string() + ": --microvm-config: no such file");
  }
  BackendChoice backend = choose_backend(c.backend);

  Study fresh;
  fresh.name = "size";
  fresh.title = "Specialized vs generic kernels: options, image sizes, boot-to-app time";
  fresh.mode = full ? "full" : "quick";
  fresh.machine = describe_machine();
  fresh.backend = backend.description;

  // The per-app images (kernels from the study's config source).
  struct App {
    std::string variant;
    BuiltImage image;
  };
  std::vector<App> apps;
  for (const auto& path : opt.manifests) {
    image::Manifest m = image::load_manifest(path);
    m.check = {};
    const std::string label = "app-" + m.name;
    BuiltImage img = build_study_image(c, m, m, label, progress);
    Variant v{label, "per-app kernel and image of " + m.name, img.details};
    v.details["cmdline"] = img.guest.cmdline;
    v.details["backend"] = backend.description.value("name", "");
    v.details["manifest"] = stdfs::path(path).filename().string();
    fresh.variants.push_back(v);
    apps.push_back({label, std::move(img)});
  }
  std::optional<UnionImages> on_union;
  // The deterministic yardstick, when QEMU can run it: virtual time does not
  // depend on this machine's load, so own and union kernels compare exactly.
  bool virtual_boots = false;
  std::string no_virtual_boots;
  if (opt.union_kernel) {
    on_union = build_union_images(c, opt.manifests, progress);
    const runner::Capabilities caps = runner::probe_capabilities();
    virtual_boots = caps.qemu.usable;
    no_virtual_boots = caps.qemu.reason;
  }

  // The generic kernels: counted with the engine; built and booted in full mode.
  Progress quiet(false);
  image::KernelSourceSpec spec;
  image::KernelTree tree = provision_source(spec, c.cache, quiet);
  if (c.notice) c.notice("counting the options of tinyconfig, x86_64_defconfig and the microVM config (Kconfig engine)");
  // The engine on the trees the kernels were built from: the plain tree, and
  // the KML-patched one for a kml = true app (its KML options count too).
  std::map<bool, std::shared_ptr<const kc::Tree>> engine_trees;
  auto engine_for = [&](bool kml) -> std::shared_ptr<const kc::Tree> {
    auto& t = engine_trees[kml];
    if (t) return t;
    if (!kml) return t = engine_tree(tree.dir, c.cache);
    image::Manifest km;
    km.kernel.kml = true;
    return t = engine_tree(image::manifest_kernel_tree(km, spec.version, image::default_kml_series(), c.cache, quiet).dir, c.cache);
  };
  GenericConfigs generic = engine_configs(engine_for(false), opt.microvm_config);
  stdfs::create_directories(c.out_dir / "configs");
  struct Generic {
    std::string variant, what, config;
    image::ConfigBase base;
    std::vector<stdfs::path> files;
    bool bootable;
  };
  std::vector<Generic> generics = {
      {"tinyconfig", "make tinyconfig", generic.tinyconfig, image::ConfigBase::Tinyconfig, {}, false},
      {"x86_64_defconfig", "make defconfig (arch/x86/configs/x86_64_defconfig)", generic.defconfig,
       image::ConfigBase::Defconfig, {}, true}};
  if (opt.microvm_config)
    generics.push_back({"microvm-reference", "microVM reference config " + opt.microvm_config->filename().string() +
                                                 " (olddefconfig on this tree)",
                        generic.microvm, image::ConfigBase::None, {*opt.microvm_config}, true});
  else
    fresh.notes.push_back("No microVM reference config was given (--microvm-config FILE, or TAILOR_MICROVM_CONFIG): "
                          "that column is left out.");
  for (const auto& g : generics) {
    write_file_atomic(c.out_dir / "configs" / (g.variant + ".config"), g.config);
    Variant v{g.variant, g.what, {{"kernel_config", "configs/" + g.variant + ".config"}, {"kernel_version", tree.version}}};
    if (!g.files.empty()) v.details["reference_file"] = g.files.front().string();
    fresh.variants.push_back(v);
  }
  if (on_union) {
    for (const auto& u : on_union->apps) {
      Variant v{u.variant, "the image of " + u.name + " on the union kernel of all the study's apps", u.image.details};
      v.details["cmdline"] = u.image.guest.cmdline;
      v.details["union_config"] = "configs/union.config";
      v.details["options_added"] = u.cost.extra;
      v.details["options_missing"] = u.cost.missing;
      fresh.variants.push_back(v);
      fresh.comparisons.push_back({u.name + " on the union kernel against its own (positive: what the union costs it)",
                                   "app-" + u.name, u.variant});
    }
    fresh.notes.push_back(
        "union-APP: APP's image on one kernel for all the study's apps (the analyzer's union, as `tailor analyze "
        "--union`); options-added counts the options on in the union and off in APP's own kernel (the variant's "
        "details list them, and options_missing those its own kernel had that the union met another way).");
    fresh.notes.push_back(
        virtual_boots
            ? "boot-to-app (virtual): the deterministic yardstick, QEMU -M microvm under TCG with instruction counting "
              "(1 ns per instruction, idle skipped): one boot each, the same number on every run, so a difference "
              "between an app's own and union kernel is a difference of work."
            : "boot-to-app (virtual) was not measured: QEMU is not usable here (" + no_virtual_boots + ").");
  }
  for (const auto& g : generics)
    for (const auto& a : apps)
      fresh.comparisons.push_back({a.variant + " against " + g.variant + " (negative: smaller or faster)", g.variant,
                                   a.variant});
  fresh.notes.push_back(
      "options-on: CONFIG_ symbols set to y or m in the final .config (per-app kernels: the .config they were built "
      "with; generic ones: what conf writes for them on the same tree, computed with tailor's Kconfig engine).");
  fresh.notes.push_back(fmt::format(
      "boot-to-app: from the monitor's start to /init executing the app (the guest's boot mark), {} boots each; the "
      "generic kernels boot {}'s initramfs.",
      repeats, apps.front().variant));
  if (!full)
    fresh.notes.push_back("Quick mode builds no generic kernel (x86_64_defconfig and the microVM config take 15-30 "
                          "minutes each here): their bzImage and boot-to-app cells say so; --full builds them.");
  fresh.notes.push_back(fmt::format(
      "Under QEMU every kernel boots on -M {}: x86_64_defconfig stalls on -M microvm under TCG (no PIT or HPET "
      "reference to calibrate the TSC against), and one machine type for all keeps the boot times comparable.",
      kSizeStudyQemuMachine));
  fresh.notes.push_back("tinyconfig cannot boot an app (no console, initramfs or ELF support): its boot-to-app "
                        "cell says so.");
  if (backend.description.value("meaningful", true) && backend.description.contains("why"))
    fresh.notes.push_back(backend.description.value("why", ""));

  Study study = open_study(c.out_dir, fresh, c.restart);
  StudyRun run(study, c.out_dir, progress);

  // Every image measured: each app's own, then (--union) each on the union kernel.
  std::vector<std::pair<std::string, std::reference_wrapper<const BuiltImage>>> images;
  for (const auto& a : apps) images.emplace_back(a.variant, std::cref(a.image));
  if (on_union)
    for (const auto& u : on_union->apps) images.emplace_back(u.variant, std::cref(u.image));

  // Sizes and counts: one exact sample each.
  for (const auto& entry : images) {
    // Named, not a structured binding: the lambda below captures it (C++20
    // leaves capturing a binding to the compiler; clang 14 refuses).
    const std::string& variant = entry.first;
    const BuiltImage& image = entry.second.get();
    const image::ImageBuildResult& r = image.result;
    const std::string config = read_file(r.kernel_config);
    auto set = [&](const std::string& w, const std::string& metric, double v) {
      Measurement& m = study.measurement(key(w, variant, metric, 1));
      m.samples = {v};
    };
    set("options-on", "options", options_on(engine_for(image.details.value("kml", false)), config));
    set("bzImage", "bytes", static_cast<double>(stdfs::file_size(r.bzimage)));
    set("initramfs", "bytes", static_cast<double>(stdfs::file_size(r.initramfs)));
  }
  if (on_union)
    for (const auto& u : on_union->apps)
      study.measurement(key("options-added", u.variant, "options", 1)).samples = {
          static_cast<double>(u.cost.extra.size())};
  for (const auto& g : generics) {
    study.measurement(key("options-on", g.variant, "options", 1)).samples = {static_cast<double>(options_on(engine_for(false), g.config))};
    Measurement& bz = study.measurement(key("bzImage", g.variant, "bytes", 1));
    if (!full) bz.note = "not built in quick mode";
    Measurement& boot = study.measurement(key("boot-to-app", g.variant, "ms", repeats));
    if (!g.bootable) boot.note = "cannot boot an app";
    else if (!full) boot.note = "not built in quick mode";
  }
  run.save();

  // Boots: every per-app image, then (full mode) each generic kernel built
  // with the first app's initramfs.
  std::vector<std::pair<std::string, GuestImage>> boots;
  for (const auto& [variant, image] : images) boots.emplace_back(variant, image.get().guest);
  if (full) {
    for (const auto& g : generics) {
      image::KernelBuildRequest req;
      req.tree = tree;
      req.base = g.base;
      req.configs = g.files;
      req.jobs = c.jobs;
      req.toolchain = image::detect_toolchain(c.ccache);
      if (c.notice) c.notice("building the " + g.variant + " kernel (long; cached afterwards)");
      image::KernelArtifacts k = build_kernel(req, c.cache, progress);
      progress.clear();
      study.measurement(key("bzImage", g.variant, "bytes", 1)).samples = {static_cast<double>(stdfs::file_size(k.bzimage))};
      for (auto& v : study.variants)
        if (v.name == g.variant) v.details["kernel_key"] = k.key;
      if (!g.bootable) continue;
      GuestImage gi = apps.front().image.guest;
      gi.kernel = k.bzimage;
      boots.emplace_back(g.variant, gi);
    }
    run.save();
  }
  measure_then_report(study, c.out_dir, progress, [&] {
    if (virtual_boots)
      for (const auto& [variant, image] : images) measure_virtual_boot(study, run, variant, image.get().guest);
    for (const auto& [variant, image] : boots) {
      Measurement& m = study.measurement(key("boot-to-app", variant, "ms", repeats));
      while (static_cast<int>(m.samples.size()) < repeats) {
        run.show_progress(variant + ": boot " + std::to_string(m.samples.size() + 1));
        runner::BootSpec spec = captured_boot(image, std::chrono::seconds(300));
        spec.backend = backend.backend;
        spec.qemu_machine = kSizeStudyQemuMachine;
        runner::BootResult r = runner::boot(spec);
        if (r.timings.app_exec) {
          m.samples.push_back(r.timings.app_exec->count() / 1000.0);
          run.save();
          continue;
        }
        m.errors.push_back(fmt::format("boot {}: {}: {} (no boot mark from /init)", m.samples.size() + 1,
                                       runner::outcome_name(r.outcome), r.detail));
        run.save();
        throw Error(fmt::format("size: {} did not reach its app: {}: {}; console ends:\n{}samples taken are kept in {}",
                                variant, runner::outcome_name(r.outcome), r.detail,
                                r.console.size() > 600 ? r.console.substr(r.console.size() - 600) : r.console,
                                (c.out_dir / "results.json").string()));
      }
    }
  });
}

}  // namespace tailor::bench
