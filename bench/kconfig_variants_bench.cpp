// How cheap is one more configuration? Loads a tree once (warm $(shell)
// memo), starts from allnoconfig, then for each variant: copies the
// evaluation, sets a few visible bool symbols to y, and computes the whole
// .config. Prints the median time per variant. Run by bench/kconfig_bench.py
// next to conf's time for one olddefconfig.
//
//   kconfig_variants_bench SRCTREE CACHE_DIR [VARIANTS]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <random>
#include <vector>

#include "kconfig-analyzer/kconfig/kconfig.h"

namespace kc = tailor::kconfig;
using Clock = std::chrono::steady_clock;

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: %s SRCTREE CACHE_DIR [VARIANTS]\n", argv[0]);
    return 2;
  }
  int variants = argc > 3 ? std::atoi(argv[3]) : 200;
  kc::TreeOptions o;
  o.srctree = argv[1];
  o.arch = "x86_64";
  o.shell_cache_dir = std::filesystem::path(argv[2]) / "kconfig-shell";
  o.tree_cache_dir = std::filesystem::path(argv[2]) / "kconfig-tree";
  auto tree = kc::Tree::load(o);
  kc::Config base = kc::Config::run(tree, kc::Mode::AllNoConfig);
  std::vector<kc::SymbolId> candidates;
  for (kc::SymbolId s = 3; s < tree->model().symbols.size(); ++s)
    if (tree->model().sym(s).type == kc::SymbolType::Bool && !tree->model().sym(s).prompts.empty() &&
        base.visibility(s) != kc::Tri::No)
      candidates.push_back(s);
  std::mt19937 rng(1);
  std::vector<double> times;
  size_t bytes = 0;
  for (int i = 0; i < variants; ++i) {
    auto t0 = Clock::now();
    kc::Config c = base;
    for (int k = 0; k < 5; ++k) c.set(candidates[rng() % candidates.size()], "y");
    bytes += c.dotconfig().size();
    times.push_back(std::chrono::duration<double>(Clock::now() - t0).count());
  }
  std::sort(times.begin(), times.end());
  std::printf("variants=%d median_ms=%.3f p90_ms=%.3f symbols=%zu output_bytes=%zu\n", variants,
              times[times.size() / 2] * 1e3, times[times.size() * 9 / 10] * 1e3, tree->model().symbols.size(), bytes);
  return 0;
}
