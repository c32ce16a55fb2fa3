// One kernel for many apps (Lupine's "lupine-general"): every app is analysed
// and minimized on its own as usual, then the minimizer runs once more on the
// requirements of all of them together. The union configuration is the
// smallest the minimizer finds that meets every app's requirements; each of
// its options carries, per app, the reason that app's own kernel has it, so
// the report can say who needs what and what each app pays for the others.
#pragma once

#include <string>
#include <vector>

#include "common/progress.h"
#include "kconfig-analyzer/analyzer/app/analyze.h"

namespace tailor::app {

// Why one app wants an option of the union (from its own minimized kernel).
struct AppReason {
  std::string app;
  minimizer::OptionReason::Kind kind = minimizer::OptionReason::Kind::Kconfig;
  std::vector<std::string> chain;  // as in that app's own report
};

struct UnionOption {
  std::string symbol;
  std::string value;
  std::vector<AppReason> apps;     // apps whose own kernel has it on, by app name
  // The union minimizer's own reason: for options no app's kernel has on
  // (Kconfig's answer to the combination), it is the only one.
  minimizer::OptionReason::Kind kind = minimizer::OptionReason::Kind::Kconfig;
  std::vector<std::string> chain;
};

// What the union costs one app against its own kernel.
struct UnionCost {
  std::string app;
  int own_on = 0, union_on = 0;
  std::vector<std::string> extra;    // on in the union, off in its own kernel
  std::vector<std::string> missing;  // on in its own kernel, off in the union (the union met its needs another way)
};

struct UnionResult {
  std::vector<AnalyzeResult> apps;       // each app on its own, sorted by name
  minimizer::MinimizeResult config;      // the union
  std::vector<UnionOption> options;      // every option on in the union, by symbol
  std::vector<UnionCost> costs;          // per app, in the order of `apps`
  std::string kernel_version;
  double seconds = 0;
};

// The requirements of all apps as one list: each app's requirements in order,
// apps in the order given, every reason chain ending with the app's name (so
// the union minimizer's chains say whose requirement it was).
std::vector<minimizer::Requirement> union_requirements(const std::vector<AnalyzeResult>& apps);

// Attributes the union's options to the apps (by their own configurations)
// and computes each app's cost. Pure: no Kconfig tree needed.
void attribute_union(UnionResult& r);

// Analyses every input (at least two, distinct names; sorted by name so the
// result does not depend on the command line's order), then minimizes their
// union on the same tree. Throws Error naming the duplicate for equal names.
UnionResult analyze_union(std::vector<AppInput> inputs, const AnalyzeOptions& options, Progress& progress);

}  // namespace tailor::app
