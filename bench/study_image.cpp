#include "bench/study_image.h"

#include <fmt/core.h>

#include "bench/guest_programs.h"
#include "common/error.h"
#include "common/fs.h"
#include "common/sha256.h"

namespace tailor::bench {

namespace stdfs = std::filesystem;

image::Manifest bench_manifest(image::Manifest app, const stdfs::path& cache, image::PayloadSpec extra_payload) {
  app.app.argv = {"/bench/smpbench", "plan"};
  image::PayloadSpec runner;
  runner.index = static_cast<int>(app.payloads.size()) + 1;
  runner.where = {app.path.string(), 0, 0};
  runner.files.emplace_back("/bench/smpbench", guest_program(cache, "smpbench").string());
  app.payloads.push_back(std::move(runner));
  extra_payload.index = static_cast<int>(app.payloads.size()) + 1;
  extra_payload.where = {app.path.string(), 0, 0};
  extra_payload.deb_where.assign(extra_payload.deb.size(), extra_payload.where);
  app.payloads.push_back(std::move(extra_payload));
  app.check = {};
  return app;
}

image::Manifest builtin_manifest(const std::string& toml, const stdfs::path& file) {
  write_file_atomic(file, toml);
  return image::load_manifest(file);
}

BuiltImage build_study_image(const StudyCommon& common, const image::Manifest& m, const image::Manifest& config_manifest,
                             const std::string& label, Progress& progress) {
  image::ImageBuildOptions o;
  const std::string tag = sha256_hex(stdfs::absolute(common.out_dir).lexically_normal().string()).substr(0, 12);
  o.out_dir = common.cache / "bench" / "images" / (m.name + "-" + label + "-" + tag);
  const image::KernelConfigSource source = common.config_source;
  o.config_source = [source, config_manifest](const image::Manifest&, const image::PayloadTree& tree) {
    return source(config_manifest, tree);
  };
  o.kml_series = image::default_kml_series();
  o.ccache = common.ccache;
  o.jobs = common.jobs;
  o.notice = common.notice;
  BuiltImage b;
  b.result = image::build_image(m, o, common.cache, progress);
  progress.clear();
  const image::ImageBuildResult& r = b.result;
  b.guest = image::guest_image(r, m);
  stdfs::create_directories(common.out_dir / "configs");
  copy_file_atomic(r.kernel_config, common.out_dir / "configs" / (label + ".config"));
  b.details = {{"kernel_key", r.kernel.key},
               {"kernel_version", r.kernel.version},
               {"kernel_config", "configs/" + label + ".config"},
               {"config_source", common.config_origin},
               {"bzimage_bytes", stdfs::file_size(r.bzimage)},
               {"initramfs_bytes", stdfs::file_size(r.initramfs)},
               {"memory_mib", m.run.memory_mib}};
  if (m.kernel.kml) b.details["kml"] = true;
  return b;
}

}  // namespace tailor::bench
