// The kernel config source of a build (see config_choice.h).
#include "pipeline/config_choice.h"

#include "common/error.h"
#include "pipeline/image_analysis.h"

namespace tailor::pipeline {

ConfigChoice choose_config_source(const ConfigChoiceFlags& flags, const std::filesystem::path& cache,
                                  const std::string& kernel_version, std::function<void(const std::string&)> notice) {
  if (!flags.kernel_config.empty()) {
    const std::filesystem::path file = std::filesystem::absolute(flags.kernel_config);
    std::error_code ec;
    if (!std::filesystem::is_regular_file(file, ec)) throw Error(flags.kernel_config + ": --kernel-config: no such file");
    return {[file](const image::Manifest&, const image::PayloadTree&) { return image::config_file_plan(file); },
            "the .config " + file.string()};
  }
  if (flags.fixed_config)
    return {image::manifest_or(image::fixed_app_config), "the fixed fragments (tinyconfig + small.config + apps.config)"};
  return {image::manifest_or(analyzer_config_source(cache, kernel_version, std::move(notice))),
          "the analyzer's per-app configuration"};
}

}  // namespace tailor::pipeline
