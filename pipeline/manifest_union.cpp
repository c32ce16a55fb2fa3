#include "pipeline/manifest_union.h"

#include <fmt/core.h>

#include <memory>

#include "common/error.h"
#include "image-builder/image_plan.h"
#include "image-builder/manifest.h"
#include "pipeline/image_analysis.h"

namespace tailor::pipeline {

app::UnionResult analyze_manifest_union(const ManifestUnionRequest& request, Progress& progress) {
  if (request.manifests.size() < 2) throw Error("--union: give two or more manifests");
  std::vector<app::AppInput> inputs;
  app::AnalyzeOptions options;
  std::string tree_id;
  std::filesystem::path tree_from;
  // An AppInput reads its files through its plan's tree: the plans live as long as the inputs.
  std::vector<std::unique_ptr<image::ImagePlan>> plans;
  for (const auto& path : request.manifests) {
    image::Manifest m = image::load_manifest(path);
    plans.push_back(std::make_unique<image::ImagePlan>(image::plan_image(m, request.cache, progress)));
    inputs.push_back(app_input_from_image(m, plans.back()->tree));
    if (request.kernel_src) continue;
    // One kernel serves them all, so they must want the same tree (KML or not).
    image::KernelTree tree = kernel_tree_for(m, request.kernel_version, request.cache, progress);
    if (tree_id.empty()) {
      tree_id = tree.id, tree_from = path;
      options.kernel_tree = tree.dir;
    } else if (tree.id != tree_id) {
      throw Error(fmt::format("--union: {} and {} need different kernel trees ([kernel] kml differs); one kernel "
                              "cannot serve both",
                              tree_from.string(), path.string()));
    }
  }
  if (request.kernel_src) options.kernel_tree = *request.kernel_src;
  options.cache = request.cache;
  options.rules = request.rules;
  return app::analyze_union(std::move(inputs), options, progress);
}

}  // namespace tailor::pipeline
