// `tailor bench ...`: reproducible studies and their reports.
#include <fmt/core.h>

#include "bench/report.h"
#include "bench/study.h"
#include "cli/commands.h"
#include "common/error.h"

namespace tailor::cli {
namespace {

void add_report(CLI::App& bench) {
  auto* cmd = bench.add_subcommand("report", "Re-render a study's report (report.md + charts/*.svg) from its results.json");
  cmd->footer("The same results.json always gives byte-identical report files.");
  auto dir = std::make_shared<std::string>();
  cmd->add_option("DIR", *dir, "A study's output directory (holds results.json)")->required();
  cmd->callback([dir] {
    auto study = bench::load_study(*dir);
    if (!study) throw Error(*dir + ": no results.json here (run a study first, e.g. 'tailor bench smp -o " + *dir + "')");
    for (const auto& f : bench::render_report(*study, *dir)) fmt::print("{}\n", f.string());
  });
}

}  // namespace

void add_bench_command(CLI::App& app, const GlobalOptions& /*global*/) {
  auto* bench = app.add_subcommand("bench", "Studies: SMP vs non-SMP, KML vs normal, specialized vs generic");
  bench->require_subcommand(1);
  add_report(*bench);
}

}  // namespace tailor::cli
