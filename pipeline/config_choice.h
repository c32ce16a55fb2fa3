// Where a build's kernel .config comes from, as `tailor build`/`run`/`image`
// and `tailor bench` offer it: one rule, written once.
#pragma once

#include <filesystem>
#include <functional>
#include <string>

#include "image-builder/kernel_config_source.h"

namespace tailor::pipeline {

struct ConfigChoiceFlags {
  std::string kernel_config;  // --kernel-config FILE: this full .config for every manifest
  bool fixed_config = false;  // --fixed-config: the generous built-in fragments
};

struct ConfigChoice {
  image::KernelConfigSource source;
  std::string origin;  // for reports: "the analyzer's per-app configuration", ...
};

// --kernel-config FILE wins (an error naming FILE when it is not a file);
// else each manifest's [kernel] config, falling back to the fixed fragments
// (--fixed-config) or to the analyzer (the default; `notice` receives the
// line saying where its report is).
ConfigChoice choose_config_source(const ConfigChoiceFlags& flags, const std::filesystem::path& cache,
                                  const std::string& kernel_version, std::function<void(const std::string&)> notice);

}  // namespace tailor::pipeline
