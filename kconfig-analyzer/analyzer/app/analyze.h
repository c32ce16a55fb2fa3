// The whole analysis of one application: derive (or load) the syscall
// knowledge of the kernel tree, analyse the app, minimize the configuration
// with the Kconfig engine, and compare with a reference configuration.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "common/progress.h"
#include "kconfig-analyzer/analyzer/app/app_analysis.h"
#include "kconfig-analyzer/kconfig/kconfig.h"
#include "kconfig-analyzer/analyzer/minimizer/minimizer.h"

namespace tailor::app {

struct AnalyzeOptions {
  std::filesystem::path kernel_tree;          // the source tree the kernel is built from
  std::filesystem::path cache;                // tailor's cache (knowledge tables, kconfig shell memo)
  std::optional<std::filesystem::path> rules; // a rule file instead of the built-in one
  std::optional<std::filesystem::path> against;  // a reference .config to compare with
};

// How our configuration differs from a reference one (options that are on: y or m).
struct ConfigDiff {
  std::string reference;                      // its path
  int ours_on = 0, reference_on = 0, both_on = 0;
  std::vector<std::string> only_ours;         // on here, off (or absent) there
  std::vector<std::string> only_reference;    // on there, off here
};

struct AnalyzeResult {
  std::string app;
  std::filesystem::path kernel_tree;
  std::string kernel_version;
  std::shared_ptr<const knowledge::SyscallKnowledge> knowledge;  // of the tree (names syscalls)
  AppAnalysis analysis;
  minimizer::MinimizeResult config;
  std::optional<ConfigDiff> against;
  // Options of the configuration known to cost boot time (the rule file's
  // [[boot_cost]] tables), in the rule file's order.
  std::vector<knowledge::BootCost> boot_costs;
  double seconds = 0;
};

AnalyzeResult analyze(const AppInput& input, const AnalyzeOptions& options, Progress& progress);

// The options' kernel tree read by the Kconfig engine for x86_64 (through the
// cache's shell memo and tree cache, as every analysis reads it).
std::shared_ptr<const kconfig::Tree> kconfig_tree(const AnalyzeOptions& options);

// Compares two .config texts.
ConfigDiff diff_configs(const std::string& ours, const std::string& reference, const std::string& reference_name);

// Options that are on (y or m) in a .config text, by name without CONFIG_.
std::vector<std::string> options_on(const std::string& dotconfig);

}  // namespace tailor::app
