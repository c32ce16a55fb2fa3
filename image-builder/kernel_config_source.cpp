// The configuration sources an image can use, and their fragments on disk.
#include "image-builder/kernel_config_source.h"

#include <sstream>

#include "common/config_line.h"
#include "common/error.h"
#include "common/fs.h"
#include "common/sha256.h"
#include "image-builder/embedded.h"

namespace tailor::image {

namespace stdfs = std::filesystem;

KernelConfigPlan fixed_app_config(const Manifest&, const PayloadTree&) {
  KernelConfigPlan plan;
  plan.base = ConfigBase::Tinyconfig;
  plan.fragments = {{"small.config", std::string(embedded_small_config())},
                    {"apps.config", std::string(embedded_apps_config())}};
  plan.origin = "fixed: tinyconfig + small.config + apps.config";
  return plan;
}

KernelConfigPlan config_file_plan(const stdfs::path& config) {
  std::error_code ec;
  if (!stdfs::is_regular_file(config, ec)) throw Error(config.string() + ": no such kernel config file");
  KernelConfigPlan plan;
  plan.base = ConfigBase::None;
  plan.fragments = {{config.filename().string(), read_file(config)}};
  plan.origin = "file: " + config.filename().string();
  return plan;
}

KernelConfigSource manifest_or(KernelConfigSource fallback) {
  return [fallback](const Manifest& m, const PayloadTree& tree) {
    if (!m.kernel.config.empty()) {
      try {
        return config_file_plan(m.kernel.config);
      } catch (const Error& e) {
        throw Error(m.path.string() + ": [kernel] config: " + e.what());
      }
    }
    return fallback(m, tree);
  };
}

std::vector<stdfs::path> materialize_fragments(const std::vector<ConfigFragment>& fragments, const stdfs::path& cache) {
  std::vector<stdfs::path> paths;
  for (const auto& f : fragments) {
    const stdfs::path file = cache / "fragments" / (sha256_hex(f.text) + ".config");
    std::error_code ec;
    if (!stdfs::is_regular_file(file, ec)) {
      stdfs::create_directories(file.parent_path());
      write_file_atomic(file, f.text);
    }
    paths.push_back(file);
  }
  return paths;
}

bool config_enables(const std::string& text, const std::string& symbol) {
  std::istringstream in(text);
  std::string line;
  bool on = false;
  while (std::getline(in, line))
    if (auto c = parse_config_line(line); c && c->symbol() == symbol) on = c->enabled();
  return on;
}

}  // namespace tailor::image
