// libFuzzer target: the boot profile (runner/boot_profile.cpp), which reads
// the guest's console, so a guest decides every byte of it: printk-like
// lines, initcall lines, the clock line. The input: three 8-byte clock stamps,
// then the console; a second copy of the console after a NUL is read as a
// System.map.
#include <cstdint>
#include <string_view>

#include "runner/boot_profile.h"
#include "tests/fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  tailor::fuzz::InputReader in(data, size);
  auto stamp = [&]() -> std::optional<std::uint64_t> {
    const std::uint64_t v = std::uint64_t{in.u32()} | (std::uint64_t{in.u32()} << 32);
    return v == 0 ? std::nullopt : std::optional<std::uint64_t>(v);
  };
  tailor::runner::Timings::GuestClock clock;
  clock.init = stamp();
  clock.app_exec = stamp();
  clock.exit = stamp();
  const auto rest = in.bytes(size);
  const std::string_view text(reinterpret_cast<const char*>(rest.data()), rest.size());
  const auto nul = text.find('\0');
  const auto symbols = tailor::runner::read_system_map(nul == std::string_view::npos ? "" : text.substr(nul + 1));
  tailor::fuzz::expect_clean_errors([&] {
    const auto profile = tailor::runner::profile_boot(text.substr(0, nul), clock, symbols);
    (void)tailor::runner::format_boot_profile(profile);
  });
  return 0;
}
