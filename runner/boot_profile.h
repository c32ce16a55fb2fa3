// Where a deterministic boot's virtual time goes: the console's printk times
// and tailor's /init clock stamps (runner/guest_abi.h) on one timeline in
// virtual nanoseconds since reset, and its largest gaps, each named by the
// initcall or phase that ran during it.
//
// Under QEMU's instruction counting (BootSpec::deterministic) printk times
// and the TSC both count virtual time, so the profile is the same on every
// run. The kernel's printk clock starts at 0 when it sets up its TSC clock
// (early in setup_arch), not at reset: /init's `tailor_clock=1` log line,
// which holds the TSC next to a printk time, gives the offset between the two.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "runner/runner.h"

namespace CLI {
class App;
}

namespace tailor::runner {

// The kernel command line words a profiled boot adds: printk times on the
// console, one line per initcall (name and duration) shown even after `quiet`
// (they are debug messages), /init's clock line.
inline constexpr std::string_view kProfileCmdline = "printk.time=1 initcall_debug loglevel=8 tailor_clock=1";
// What a deterministic boot adds without a profile: printk times and the clock line.
inline constexpr std::string_view kDeterministicCmdline = "printk.time=1 tailor_clock=1";

struct BootGap {
  std::uint64_t start_ns = 0;  // on the reset-based timeline (printk time when the offset is unknown)
  std::uint64_t length_ns = 0;
  std::string what;            // "initcall foo_init", "after 'x' until 'y'"
};

struct BootProfile {
  // Printk time 0 on the reset-based timeline: firmware, the decompressor and
  // the kernel's first steps until its TSC clock starts. Unknown without the
  // clock line.
  std::optional<std::uint64_t> kernel_clock_origin_ns;
  // Reset-based moments (virtual ns): the kernel starts /init ("Run /init"),
  // /init's first own instruction, the app's exec, the guest's exit.
  std::optional<std::uint64_t> run_init_ns, init_ns, app_exec_ns, exit_ns;
  std::uint64_t kernel_lines = 0;  // console lines with a printk time
  // Every gap between consecutive moments (printk lines and stamps), largest
  // first; equal lengths in timeline order.
  std::vector<BootGap> gaps;
  // Initcalls by their own reported duration (initcall_debug), largest first.
  std::vector<BootGap> initcalls;
};

// Makes `spec` a deterministic boot that a profile can be built from:
// BootSpec::deterministic, the console captured (still streamed), and the
// command line words above (kProfileCmdline when `per_initcall`).
void make_deterministic(BootSpec& spec, bool per_initcall);

// Kernel symbols by address, from a System.map ("ffffffff81be9938 t name"
// lines; others are skipped): names initcalls that a kernel without
// KALLSYMS prints as bare addresses.
using KernelSymbols = std::unordered_map<std::uint64_t, std::string>;
KernelSymbols read_system_map(std::string_view text);

// Pure: builds the profile from a captured console and the guest's stamps.
BootProfile profile_boot(std::string_view console, const Timings::GuestClock& clock,
                         const KernelSymbols& symbols = {});

// The report a user reads: the moments, then gaps of at least `min_gap_ns`
// (at most `max_gaps` of them) and the largest initcalls.
std::string format_boot_profile(const BootProfile& profile, std::uint64_t min_gap_ns = 1'000'000,
                                std::size_t max_gaps = 20);

// The moments as a line-per-moment summary in virtual milliseconds (for --timings).
std::string format_virtual_timings(const BootProfile& profile);

// --deterministic and --profile, for `tailor boot` and `tailor run`.
void add_deterministic_flags(CLI::App& app, bool& deterministic, bool& profile);

// After a deterministic boot: the virtual timings (with `profile`: the whole
// profile) on stderr. `system_map`: a System.map naming initcalls, or empty.
void print_virtual_timeline(const BootResult& result, bool profile, const std::filesystem::path& system_map = {});

}  // namespace tailor::runner
