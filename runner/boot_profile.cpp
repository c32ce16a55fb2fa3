// Console + clock stamps -> one virtual timeline -> its gaps.
#include "runner/boot_profile.h"

#include <CLI/CLI.hpp>
#include <fmt/core.h>

#include <algorithm>
#include <charconv>
#include <cstdio>

#include "common/fs.h"

namespace tailor::runner {
namespace {

struct Moment {
  std::uint64_t ns = 0;  // printk time (ns) on the kernel's clock
  std::string text;
};

// "[    1.234567] text" -> (1234567000 ns, "text"); the line without its end.
std::optional<Moment> parse_printk_line(std::string_view line) {
  while (!line.empty() && (line.back() == '\r' || line.back() == '\n')) line.remove_suffix(1);
  if (line.size() < 3 || line[0] != '[') return std::nullopt;
  const auto close = line.find(']');
  if (close == std::string_view::npos) return std::nullopt;
  std::string_view stamp = line.substr(1, close - 1);
  while (!stamp.empty() && stamp.front() == ' ') stamp.remove_prefix(1);
  const auto dot = stamp.find('.');
  if (dot == std::string_view::npos || stamp.size() - dot - 1 != 6) return std::nullopt;
  std::uint64_t seconds = 0, micros = 0;
  auto parse = [](std::string_view digits, std::uint64_t& out) {
    if (digits.empty() || digits.size() > 12) return false;
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), out);
    return ec == std::errc{} && end == digits.data() + digits.size();
  };
  if (!parse(stamp.substr(0, dot), seconds) || !parse(stamp.substr(dot + 1), micros)) return std::nullopt;
  std::string_view text = line.substr(close + 1);
  if (!text.empty() && text.front() == ' ') text.remove_prefix(1);
  return Moment{seconds * 1'000'000'000 + micros * 1'000, std::string(text)};
}

// "0xffffffff81be9938" -> its name in `symbols`; anything else as it is.
std::string symbol_name(std::string_view word, const KernelSymbols& symbols) {
  if (word.starts_with("0x") && !symbols.empty()) {
    std::uint64_t address = 0;
    auto [end, ec] = std::from_chars(word.data() + 2, word.data() + word.size(), address, 16);
    if (ec == std::errc{} && end == word.data() + word.size())
      if (auto it = symbols.find(address); it != symbols.end()) return it->second;
  }
  return std::string(word);
}

// "calling  foo_init+0x0/0x2c @ 1" -> "foo_init"
std::optional<std::string> initcall_called(std::string_view text, const KernelSymbols& symbols) {
  if (!text.starts_with("calling  ")) return std::nullopt;
  text.remove_prefix(9);
  return symbol_name(text.substr(0, text.find_first_of("+ ")), symbols);
}

// "initcall foo_init+0x0/0x2c returned 0 after 3 usecs" -> ("foo_init", 3000 ns)
std::optional<std::pair<std::string, std::uint64_t>> initcall_returned(std::string_view text,
                                                                       const KernelSymbols& symbols) {
  if (!text.starts_with("initcall ")) return std::nullopt;
  text.remove_prefix(9);
  const auto after = text.find(" after ");
  const auto usecs = text.rfind(" usecs");
  if (after == std::string_view::npos || usecs == std::string_view::npos || usecs < after) return std::nullopt;
  std::uint64_t us = 0;
  std::string_view digits = text.substr(after + 7, usecs - after - 7);
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), us);
  if (ec != std::errc{} || end != digits.data() + digits.size()) return std::nullopt;
  return std::pair{symbol_name(text.substr(0, text.find_first_of("+ ")), symbols), us * 1000};
}

std::string shorten(std::string_view text, std::size_t max = 60) {
  if (text.size() <= max) return std::string(text);
  return std::string(text.substr(0, max - 3)) + "...";
}

std::string describe_gap(const Moment& from, const Moment& to, const KernelSymbols& symbols) {
  if (auto name = initcall_called(from.text, symbols)) {
    if (auto done = initcall_returned(to.text, symbols); done && done->first == *name) return "initcall " + *name;
    return "initcall " + *name + " (until '" + shorten(to.text) + "')";
  }
  return "after '" + shorten(from.text) + "' until '" + shorten(to.text) + "'";
}

}  // namespace

void make_deterministic(BootSpec& spec, bool per_initcall) {
  spec.deterministic = true;
  spec.capture_console = true;
  std::string cmdline = spec.cmdline.empty() ? std::string(kDefaultCmdline) : spec.cmdline;
  cmdline += ' ';
  cmdline += per_initcall ? kProfileCmdline : kDeterministicCmdline;
  spec.cmdline = std::move(cmdline);
}

KernelSymbols read_system_map(std::string_view text) {
  KernelSymbols symbols;
  for (std::size_t pos = 0; pos < text.size();) {
    std::size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    // "<16 hex digits> <type> <name>"
    if (line.size() < 20 || line[16] != ' ' || line[18] != ' ') continue;
    std::uint64_t address = 0;
    auto [ptr, ec] = std::from_chars(line.data(), line.data() + 16, address, 16);
    if (ec != std::errc{} || ptr != line.data() + 16) continue;
    symbols.try_emplace(address, std::string(line.substr(19)));
  }
  return symbols;
}

BootProfile profile_boot(std::string_view console, const Timings::GuestClock& clock, const KernelSymbols& symbols) {
  BootProfile p;
  std::vector<Moment> moments;
  for (std::size_t pos = 0; pos < console.size();) {
    std::size_t end = console.find('\n', pos);
    if (end == std::string_view::npos) end = console.size();
    if (auto m = parse_printk_line(console.substr(pos, end - pos))) {
      ++p.kernel_lines;
      if (!p.kernel_clock_origin_ns && m->text.starts_with("tailor-init: clock ")) {
        std::uint64_t tsc = 0;
        std::string_view digits = std::string_view(m->text).substr(19);
        auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), tsc);
        if (ec == std::errc{} && ptr == digits.data() + digits.size() && tsc >= m->ns)
          p.kernel_clock_origin_ns = tsc - m->ns;
      }
      if (auto done = initcall_returned(m->text, symbols))
        p.initcalls.push_back(
            {m->ns > done->second ? m->ns - done->second : 0, done->second, "initcall " + done->first});
      moments.push_back(std::move(*m));
    }
    pos = end + 1;
  }
  const std::uint64_t origin = p.kernel_clock_origin_ns.value_or(0);
  for (const auto& m : moments)
    if (!p.run_init_ns && m.text.starts_with("Run /init as init process") && p.kernel_clock_origin_ns)
      p.run_init_ns = origin + m.ns;
  p.init_ns = clock.init;
  p.app_exec_ns = clock.app_exec;
  p.exit_ns = clock.exit;

  // One timeline: printk moments moved by the origin, and /init's stamps
  // (only when the origin is known: they count from reset).
  for (auto& m : moments) m.ns += origin;
  for (auto& i : p.initcalls) i.start_ns += origin;
  if (p.kernel_clock_origin_ns) {
    moments.insert(moments.begin(), Moment{0, "reset"});
    const std::pair<std::optional<std::uint64_t>, const char*> stamps[] = {
        {clock.init, "/init starts"},
        {clock.app_exec, "/init execs the app (boot mark)"},
        {clock.exit, "the app's exit"}};
    for (const auto& [at, what] : stamps)
      if (at) moments.push_back({*at, what});
    std::stable_sort(moments.begin(), moments.end(), [](const Moment& a, const Moment& b) { return a.ns < b.ns; });
  }
  for (std::size_t i = 1; i < moments.size(); ++i)
    if (moments[i].ns > moments[i - 1].ns)
      p.gaps.push_back(
          {moments[i - 1].ns, moments[i].ns - moments[i - 1].ns, describe_gap(moments[i - 1], moments[i], symbols)});
  auto largest_first = [](const BootGap& a, const BootGap& b) {
    return a.length_ns != b.length_ns ? a.length_ns > b.length_ns : a.start_ns < b.start_ns;
  };
  std::stable_sort(p.gaps.begin(), p.gaps.end(), largest_first);
  std::stable_sort(p.initcalls.begin(), p.initcalls.end(), largest_first);
  return p;
}

namespace {

std::string ms(std::uint64_t ns) { return fmt::format("{:9.3f} ms", static_cast<double>(ns) / 1e6); }
std::string ms(const std::optional<std::uint64_t>& ns) { return ns ? ms(*ns) : std::string("  unknown   "); }

}  // namespace

std::string format_virtual_timings(const BootProfile& p) {
  std::string out = "virtual time since reset (QEMU instruction counting: 1 ns per instruction, idle skipped):\n";
  out += fmt::format("  kernel clock starts     {}\n", ms(p.kernel_clock_origin_ns));
  out += fmt::format("  kernel runs /init       {}\n", ms(p.run_init_ns));
  out += fmt::format("  /init starts            {}\n", ms(p.init_ns));
  out += fmt::format("  app exec (boot mark)    {}\n", ms(p.app_exec_ns));
  out += fmt::format("  guest exit              {}\n", ms(p.exit_ns));
  return out;
}

std::string format_boot_profile(const BootProfile& p, std::uint64_t min_gap_ns, std::size_t max_gaps) {
  std::string out = format_virtual_timings(p);
  if (!p.kernel_clock_origin_ns)
    out += "  (no 'tailor-init: clock' line on the console: printk times below count from the kernel's clock start)\n";
  out += fmt::format("largest gaps (>= {:.3f} ms) between console lines and /init's stamps:\n",
                     static_cast<double>(min_gap_ns) / 1e6);
  std::size_t shown = 0;
  for (const auto& g : p.gaps) {
    if (g.length_ns < min_gap_ns || shown == max_gaps) break;
    out += fmt::format("  {} at {}  {}\n", ms(g.length_ns), ms(g.start_ns), g.what);
    ++shown;
  }
  if (shown == 0) out += "  none\n";
  if (!p.initcalls.empty()) {
    out += "largest initcalls (initcall_debug):\n";
    for (std::size_t i = 0; i < p.initcalls.size() && i < 10; ++i)
      out += fmt::format("  {}  {}\n", ms(p.initcalls[i].length_ns), p.initcalls[i].what);
  }
  return out;
}

void add_deterministic_flags(CLI::App& app, bool& deterministic, bool& profile) {
  app.add_flag("--deterministic", deterministic,
               "Boot on QEMU TCG with instruction counting (1 ns per instruction, idle skipped): the guest's "
               "timeline is the same on every run. Prints virtual times since reset (kernel clock start, /init, "
               "app exec, exit) on stderr; host times mean nothing then");
  app.add_flag("--profile", profile,
               "Like --deterministic, with initcall_debug: prints the largest gaps of the boot timeline and the "
               "initcall or phase that ran during each on stderr");
}

void print_virtual_timeline(const BootResult& result, bool profile, const std::filesystem::path& system_map) {
  const KernelSymbols symbols = system_map.empty() ? KernelSymbols{} : read_system_map(read_file(system_map));
  const BootProfile p = profile_boot(result.console, result.timings.guest_clock, symbols);
  std::fflush(stdout);
  std::fprintf(stderr, "%s", (profile ? format_boot_profile(p) : format_virtual_timings(p)).c_str());
}

}  // namespace tailor::runner
