// The tailor CLI: each stage registers its subcommands here; main() only
// parses and turns errors into messages and exit codes.
#pragma once

#include <CLI/CLI.hpp>
#include <filesystem>
#include <string>

#include "image-builder/kernel_build.h"

namespace tailor::cli {

// Options shared by every subcommand.
struct GlobalOptions {
  std::string cache_dir;  // --cache; empty: TAILOR_CACHE or ~/.cache/tailor
  std::filesystem::path cache() const;
};

// --distcc HOSTS, --icecc, --remote-cache URL (kernel build, build, run), with
// their environment defaults ($DISTCC_HOSTS, $TAILOR_REMOTE_CACHE) applied
// when the flags are absent.
struct ClusterFlags {
  std::string distcc;
  bool icecc = false;
  std::string remote_cache;
  void add_to(CLI::App& cmd);
  image::ClusterOptions options() const;
  // The shared kernel store of the remote cache, or null without one.
  std::shared_ptr<image::KernelStore> store() const;
};

// Each adds one top-level subcommand (with its children) to `app`. Handlers
// throw tailor::Error for the user's mistakes; main() reports them.
void add_kernel_command(CLI::App& app, const GlobalOptions& global);
void add_bench_command(CLI::App& app, const GlobalOptions& global);
void add_runner_command(CLI::App& app, const GlobalOptions& global);  // boot, doctor
void add_kconfig_command(CLI::App& app, const GlobalOptions& global);
void add_analyze_command(CLI::App& app, const GlobalOptions& global);
void add_image_command(CLI::App& app, const GlobalOptions& global);   // build, run, image ls
void add_kml_command(CLI::App& app, const GlobalOptions& global);     // kml sites

}  // namespace tailor::cli
