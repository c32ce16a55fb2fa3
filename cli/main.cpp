// tailor: per-application Linux kernels. Parses the command line and maps
// errors to one-line messages and exit codes; the work is in the stage libraries.
#include <cstdio>
#include <exception>

#include "cli/commands.h"
#include "common/cache_root.h"
#include "common/error.h"

namespace tailor::cli {
std::filesystem::path GlobalOptions::cache() const { return cache_root(cache_dir); }
}  // namespace tailor::cli

int main(int argc, char** argv) {
  using namespace tailor::cli;
  CLI::App app{
      "tailor: turns Linux into a per-application, unikernel-like kernel.\n"
      "It derives a minimal kernel configuration from an application manifest, builds one\n"
      "kernel-plus-app image and boots it. Run 'tailor SUBCOMMAND --help' for details."};
  app.set_help_all_flag("--help-all", "Show help for every subcommand");
  app.require_subcommand(1);
  GlobalOptions global;
  app.add_option("--cache", global.cache_dir,
                 "Cache directory for kernel trees and builds (default: $TAILOR_CACHE or ~/.cache/tailor)")
      ->envname("TAILOR_CACHE");

  add_kernel_command(app, global);
  add_bench_command(app, global);
  add_runner_command(app, global);
  add_kconfig_command(app, global);
  add_analyze_command(app, global);
  add_image_command(app, global);
  add_kml_command(app, global);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  } catch (const tailor::Error& e) {
    std::fflush(stdout);
    std::fprintf(stderr, "tailor: error: %s\n", e.what());
    return e.exit_code();
  } catch (const std::exception& e) {
    std::fflush(stdout);
    std::fprintf(stderr, "tailor: error: %s\n", e.what());
    return 1;
  }
  return 0;
}
