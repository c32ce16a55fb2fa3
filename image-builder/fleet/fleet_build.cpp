// A fleet of images in one run (see fleet_build.h).
#include "image-builder/fleet/fleet_build.h"

#include <fmt/core.h>

#include <map>
#include <set>

#include "common/error.h"

namespace tailor::fleet {

void count_kernels(FleetResult& r) {
  std::set<std::string> keys, built;
  for (const auto& i : r.images) {
    keys.insert(i.kernel_key);
    if (i.kernel_built) built.insert(i.kernel_key);
  }
  r.distinct_kernels = int(keys.size());
  r.kernels_built = int(built.size());
}

FleetResult build_fleet(const std::vector<image::Manifest>& manifests, const std::filesystem::path& out_dir,
                        const FleetOptions& options, const std::filesystem::path& cache, Progress& progress,
                        const std::function<void(const image::Manifest&, const image::ImageBuildResult&)>& built) {
  std::map<std::string, std::filesystem::path> by_name;
  for (const auto& m : manifests)
    if (auto [it, fresh] = by_name.emplace(m.name, m.path); !fresh)
      throw Error(fmt::format("{} and {} both name the app '{}'; their images would share {}: give each app its "
                              "own name",
                              it->second.string(), m.path.string(), m.name, (out_dir / m.name).string()));
  FleetResult r;
  for (size_t i = 0; i < manifests.size(); ++i) {
    const image::Manifest& m = manifests[i];
    image::ImageBuildOptions o = options(m);
    o.out_dir = out_dir / m.name;
    progress.set_context(fmt::format("{}/{} {}", i + 1, manifests.size(), m.name));
    image::ImageBuildResult b = build_image(m, o, cache, progress);
    progress.clear();
    r.images.push_back({m.name, m.path, o.out_dir, b.kernel.key, !b.kernel.cache_hit,
                        b.kernel.cache_hit ? 0 : b.kernel.build_seconds});
    if (built) built(m, b);
  }
  progress.set_context({});
  count_kernels(r);
  return r;
}

std::string fleet_summary(const FleetResult& r) {
  std::string s;
  for (const auto& i : r.images)
    s += fmt::format("  {:<16} kernel {}  {}\n", i.name, i.kernel_key.substr(0, 16),
                     i.kernel_built ? fmt::format("built in {:.0f} s", i.kernel_seconds) : std::string("cached"));
  s += fmt::format("{} image(s), {} distinct kernel(s), {} compiled in this run, {} from the cache\n",
                   r.images.size(), r.distinct_kernels, r.kernels_built, r.distinct_kernels - r.kernels_built);
  return s;
}

}  // namespace tailor::fleet
