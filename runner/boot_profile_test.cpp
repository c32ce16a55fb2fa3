// The boot profile: printk times and /init's stamps on one reset-based
// timeline, and the gaps named by what ran during them.
#include "runner/boot_profile.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace tailor::runner {
namespace {

using ::testing::HasSubstr;

// A console as a profiled boot prints it (initcall_debug, printk.time=1,
// tailor_clock=1), with a 216 ms wait inside one initcall.
constexpr std::string_view kConsole =
    "[    0.000000] Linux version 6.1.192\r\n"
    "[    0.001000] calling  fast_init+0x0/0x20 @ 1\r\n"
    "[    0.001100] initcall fast_init+0x0/0x20 returned 0 after 100 usecs\r\n"
    "[    0.001200] calling  slow_init+0x0/0x80 @ 1\r\n"
    "[    0.217200] initcall slow_init+0x0/0x80 returned 0 after 216000 usecs\r\n"
    "[    0.220000] Run /init as init process\r\n"
    "not a kernel line: the app's own output\r\n"
    "[    0.221000] tailor-init: clock 276000000\r\n";

TEST(BootProfile, PutsPrintkTimesAndStampsOnTheResetTimeline) {
  const Timings::GuestClock clock{275'500'000, 276'100'000, 277'000'000};
  const BootProfile p = profile_boot(kConsole, clock);
  ASSERT_TRUE(p.kernel_clock_origin_ns);
  EXPECT_EQ(*p.kernel_clock_origin_ns, 55'000'000u) << "the clock line's TSC less its printk time";
  EXPECT_EQ(p.run_init_ns, 275'000'000u);
  EXPECT_EQ(p.app_exec_ns, 276'100'000u);
  EXPECT_EQ(p.exit_ns, 277'000'000u);
  EXPECT_EQ(p.kernel_lines, 7u) << "lines without a printk time are not kernel lines";
}

TEST(BootProfile, NamesTheInitcallOfTheLargestGap) {
  const BootProfile p = profile_boot(kConsole, {275'500'000, 276'100'000, 277'000'000});
  ASSERT_GE(p.gaps.size(), 2u);
  EXPECT_EQ(p.gaps[0].length_ns, 216'000'000u);
  EXPECT_EQ(p.gaps[0].what, "initcall slow_init");
  EXPECT_EQ(p.gaps[0].start_ns, 56'200'000u);
  EXPECT_EQ(p.gaps[1].length_ns, 55'000'000u) << "reset to the kernel's clock: firmware, decompressor, early setup";
  EXPECT_THAT(p.gaps[1].what, HasSubstr("after 'reset' until 'Linux version"));
  ASSERT_EQ(p.initcalls.size(), 2u);
  EXPECT_EQ(p.initcalls[0].what, "initcall slow_init");
  EXPECT_EQ(p.initcalls[0].length_ns, 216'000'000u);
  const std::string text = format_boot_profile(p);
  EXPECT_THAT(text, HasSubstr("216.000 ms"));
  EXPECT_THAT(text, HasSubstr("app exec (boot mark)      276.100 ms"));
}

TEST(BootProfile, WithoutTheClockLineStampsStayOffTheKernelTimeline) {
  const std::string console = "[    0.000000] Linux version\n[    0.010000] Run /init as init process\n";
  const BootProfile p = profile_boot(console, {20'000'000, 21'000'000, 22'000'000});
  EXPECT_FALSE(p.kernel_clock_origin_ns);
  EXPECT_FALSE(p.run_init_ns) << "a printk time alone does not count from reset";
  EXPECT_EQ(p.app_exec_ns, 21'000'000u) << "the stamps do";
  ASSERT_EQ(p.gaps.size(), 1u);
  EXPECT_EQ(p.gaps[0].length_ns, 10'000'000u);
  EXPECT_THAT(format_boot_profile(p), HasSubstr("no 'tailor-init: clock' line"));
}

TEST(BootProfile, NamesAddressesFromTheSystemMap) {
  const KernelSymbols symbols = read_system_map(
      "ffffffff81be9938 t init_fs_sysctls\nnot a map line\nffffffff81000000 T _text\nffffffff81be9938 t alias\n");
  ASSERT_EQ(symbols.size(), 2u);
  const std::string console =
      "[    0.000100] calling  0xffffffff81be9938 @ 1\n"
      "[    0.000300] initcall 0xffffffff81be9938 returned 0 after 200 usecs\n"
      "[    0.000400] calling  0xffffffff8100dead @ 1\n"
      "[    0.000500] initcall 0xffffffff8100dead returned 0 after 100 usecs\n";
  const BootProfile p = profile_boot(console, {}, symbols);
  ASSERT_EQ(p.initcalls.size(), 2u);
  EXPECT_EQ(p.initcalls[0].what, "initcall init_fs_sysctls") << "the first name of an address wins";
  EXPECT_EQ(p.initcalls[1].what, "initcall 0xffffffff8100dead") << "an unknown address stays an address";
  EXPECT_EQ(p.gaps[0].what, "initcall init_fs_sysctls");
}

TEST(BootProfile, IgnoresMalformedTimesAndHostileText) {
  const std::string console =
      "[ 1.2] short\n[abc.123456] letters\n[    0.000001 missing bracket\n"
      "[99999999999999999.000000] too many digits\n[    0.000002] tailor-init: clock 1x\n"
      "[    0.000003] initcall x returned 0 after 99999999999999999999999 usecs\n"
      "[    0.000004] calling  \n";
  const BootProfile p = profile_boot(console, {});
  EXPECT_EQ(p.kernel_lines, 3u);
  EXPECT_FALSE(p.kernel_clock_origin_ns);
  EXPECT_TRUE(p.initcalls.empty());
}

}  // namespace
}  // namespace tailor::runner
