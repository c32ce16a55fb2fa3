// boot-timer: `tailor boot` as a small static binary, for the boot benchmark
// (bench/boot_bench.py). It runs where the tailor CLI cannot — inside the
// nested KVM harness's initramfs — so that tailor-vmm and QEMU are timed by
// the same code (runner::boot, timings from this process's start).
#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>

#include "common/error.h"
#include "runner/boot_cli.h"

int main(int argc, char** argv) {
  const auto started = std::chrono::steady_clock::now();
  using namespace tailor::runner;
  CLI::App app{"boot-timer: boot a kernel with tailor's runner and report timings (benchmark helper)"};
  BootOptions options;
  options.add_to(app, /*with_backend=*/true);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? 0 : exit_codes::kUsage;
  }
  try {
    return run_boot_command(options, "boot-timer", started);
  } catch (const tailor::Error& e) {
    print_boot_error("boot-timer", e.what(), e.exit_code(), options.json);
    return e.exit_code();
  }
}
