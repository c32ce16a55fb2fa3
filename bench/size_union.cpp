#include "bench/size_union.h"

#include <fmt/core.h>

#include <algorithm>

#include "common/error.h"
#include "common/fs.h"
#include "image-builder/kernel_config_source.h"
#include "pipeline/manifest_union.h"

namespace tailor::bench {

namespace stdfs = std::filesystem;

namespace {
// The study's variant name of an app on the union kernel.
std::string union_variant(const std::string& app) { return "union-" + app; }
}  // namespace

UnionImages build_union_images(const StudyCommon& c, const std::vector<stdfs::path>& manifests, Progress& progress) {
  if (c.notice) c.notice("deriving the union configuration of the apps (tailor analyze --union)");
  pipeline::ManifestUnionRequest request;
  request.manifests = manifests;
  request.cache = c.cache;
  const app::UnionResult u = pipeline::analyze_manifest_union(request, progress);
  progress.clear();
  if (!u.config.unmet.empty())
    throw Error(fmt::format("bench size --union: the union leaves {} requirement(s) unmet; `tailor analyze --union` "
                            "with the same manifests names them",
                            u.config.unmet.size()));
  UnionImages out;
  out.config = c.out_dir / "configs" / "union.config";
  stdfs::create_directories(out.config.parent_path());
  write_file_atomic(out.config, u.config.dotconfig);

  // Every app on the one union kernel: the union's .config, whatever the
  // manifest's [kernel] says (that is what one kernel for many apps means).
  StudyCommon on_union = c;
  const stdfs::path config = stdfs::absolute(out.config);
  on_union.config_source = [config](const image::Manifest&, const image::PayloadTree&) { return image::config_file_plan(config); };
  on_union.config_origin = "the union of the study's apps (configs/union.config)";
  for (const auto& path : manifests) {
    image::Manifest m = image::load_manifest(path);
    m.check = {};
    const auto cost = std::find_if(u.costs.begin(), u.costs.end(), [&](const auto& k) { return k.app == m.name; });
    if (cost == u.costs.end()) throw Error(path.string() + ": the union analysis has no app named " + m.name);
    UnionApp a{m.name, union_variant(m.name), build_study_image(on_union, m, m, union_variant(m.name), progress), *cost};
    out.apps.push_back(std::move(a));
  }
  return out;
}

}  // namespace tailor::bench
