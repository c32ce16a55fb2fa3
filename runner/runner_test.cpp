// The backend-independent parts: event decoding, outcome -> exit code, the
// QEMU command line and how QEMU's endings are judged, capability parsing.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>

#include "common/error.h"
#include "runner/capabilities.h"
#include "runner/event_stream.h"
#include "runner/qemu_backend.h"
#include "runner/run_report.h"
#include "runner/runner.h"

namespace tailor::runner {
namespace {

TEST(EventDecoder, MarkAndStatus) {
  EventDecoder d;
  auto mark = d.feed('M');
  ASSERT_TRUE(mark);
  EXPECT_EQ(mark->kind, GuestEvent::Kind::AppExec);
  EXPECT_FALSE(d.feed('x')) << "unknown bytes are ignored";
  EXPECT_FALSE(d.feed('S'));
  auto status = d.feed('M');  // the byte after 'S' is the status, even if it looks like a mark
  ASSERT_TRUE(status);
  EXPECT_EQ(status->kind, GuestEvent::Kind::Status);
  EXPECT_EQ(status->status, 'M');
}

TEST(EventDecoder, ClockStampsCarryTheirTagAndAnyEightBytes) {
  EventDecoder d;
  EXPECT_FALSE(d.feed('T'));
  EXPECT_FALSE(d.feed('M'));  // the tag: this stamp is the app's exec
  // 0x4d53 ("SM" little-endian) + high bytes: value bytes that look like events stay value bytes.
  const unsigned char value[8] = {'S', 'M', 0, 0, 0x01, 0, 0, 0x80};
  std::optional<GuestEvent> stamp;
  for (int i = 0; i < 8; ++i) {
    ASSERT_FALSE(stamp) << "the stamp completed early, at byte " << i;
    stamp = d.feed(value[i]);
  }
  ASSERT_TRUE(stamp);
  EXPECT_EQ(stamp->kind, GuestEvent::Kind::Clock);
  EXPECT_EQ(stamp->clock_tag, 'M');
  EXPECT_EQ(stamp->tsc, 0x8000000100004d53ull);
  auto mark = d.feed('M');
  ASSERT_TRUE(mark) << "after a stamp, bytes are events again";
  EXPECT_EQ(mark->kind, GuestEvent::Kind::AppExec);
}

TEST(RunReport, GuestClockStampsAreKeptPerMoment) {
  BootSpec spec;
  spec.console = [](std::string_view) {};
  spec.notice = [](const std::string&) {};
  RunReport report(spec, Clock::now());
  auto stamp = [&](char tag, std::uint64_t tsc) {
    report.event_byte('T');
    report.event_byte(static_cast<unsigned char>(tag));
    for (int i = 0; i < 8; ++i) report.event_byte(static_cast<unsigned char>(tsc >> (8 * i)));
  };
  stamp('I', 1000);
  stamp('M', 2500);
  report.event_byte('M');
  stamp('S', 9000);
  stamp('I', 5);  // a second stamp of a moment does not replace the first
  const BootResult r = report.finish(Backend::Qemu, "t", Outcome::GuestStopped, "");
  EXPECT_EQ(r.timings.guest_clock.init, 1000u);
  EXPECT_EQ(r.timings.guest_clock.app_exec, 2500u);
  EXPECT_EQ(r.timings.guest_clock.exit, 9000u);
}

TEST(RunReport, StatusFromEventsAndExitCodes) {
  BootSpec spec;
  spec.console = [](std::string_view) {};
  spec.notice = [](const std::string&) {};
  RunReport report(spec, Clock::now());
  for (unsigned char b : std::string("MS\x07")) report.event_byte(b);
  EXPECT_EQ(report.status(), 7);
  report.exit_port_status(200);  // the 'S' event's full byte wins
  const BootResult r = report.finish(Backend::Kvm, "t", Outcome::GuestStopped, "reset");
  EXPECT_EQ(r.outcome, Outcome::AppExited) << "a status was reported before the reset";
  EXPECT_EQ(r.exit_code, 7);
  EXPECT_TRUE(r.timings.app_exec && r.timings.guest_exit);
  EXPECT_FALSE(r.timings.first_instruction);
}

TEST(ExitCodes, EachOutcomeHasItsOwn) {
  EXPECT_EQ(exit_code_for(Outcome::AppExited, 3), 3);
  EXPECT_EQ(exit_code_for(Outcome::GuestStopped, std::nullopt), exit_codes::kGuestStopped);
  EXPECT_EQ(exit_code_for(Outcome::Timeout, std::nullopt), exit_codes::kTimeout);
  EXPECT_EQ(exit_code_for(Outcome::GuestCrashed, std::nullopt), exit_codes::kGuestCrashed);
  EXPECT_EQ(exit_code_for(Outcome::MonitorFailed, std::nullopt), exit_codes::kMonitorFailed);
}

TEST(Backend, NamesRoundTripAndBadNamesAreUsageErrors) {
  for (Backend b : {Backend::Auto, Backend::Kvm, Backend::Qemu}) EXPECT_EQ(parse_backend(backend_name(b)), b);
  try {
    parse_backend("xen");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.exit_code(), exit_codes::kUsage);
  }
}

bool has_pair(const std::vector<std::string>& argv, const std::string& a, const std::string& b) {
  for (std::size_t i = 0; i + 1 < argv.size(); ++i)
    if (argv[i] == a && argv[i + 1] == b) return true;
  return false;
}

TEST(QemuBackend, CommandLineCarriesTheGuestAbiDevices) {
  BootSpec spec;
  spec.kernel = "/k/bzImage";
  spec.initrd = "/k/initrd";
  spec.memory_mib = 128;
  spec.cpus = 2;
  const auto argv = qemu_arguments(spec, "/usr/bin/qemu-system-x86_64", "tcg", "console=ttyS0",
                                   {"/t/con", "/t/ev", "/t/qmp"});
  EXPECT_TRUE(has_pair(argv, "-M", "microvm"));
  EXPECT_TRUE(has_pair(argv, "-accel", "tcg"));
  EXPECT_TRUE(has_pair(argv, "-m", "128"));
  EXPECT_TRUE(has_pair(argv, "-smp", "2"));
  EXPECT_TRUE(has_pair(argv, "-kernel", "/k/bzImage"));
  EXPECT_TRUE(has_pair(argv, "-initrd", "/k/initrd"));
  EXPECT_TRUE(has_pair(argv, "-append", "console=ttyS0"));
  EXPECT_TRUE(has_pair(argv, "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04"));
  EXPECT_TRUE(has_pair(argv, "-device", "isa-debugcon,iobase=0xe9,chardev=ev"));
  EXPECT_TRUE(has_pair(argv, "-chardev", "socket,id=con,path=/t/con"));
  EXPECT_NE(std::find(argv.begin(), argv.end(), "-no-reboot"), argv.end());
  EXPECT_NE(std::find(argv.begin(), argv.end(), "-S"), argv.end()) << "starts paused";
  EXPECT_TRUE(has_pair(argv, "-device", "i8042")) << "microvm needs one for guest reboots";
}

TEST(QemuBackend, ADeterministicBootCountsInstructionsAndFixesEveryOutsideInput) {
  BootSpec spec;
  spec.kernel = "k";
  auto argv = qemu_arguments(spec, "qemu", "tcg", "", {"c", "e", "q"});
  EXPECT_EQ(std::find(argv.begin(), argv.end(), "-icount"), argv.end()) << "an ordinary boot runs at full speed";
  spec.deterministic = true;
  argv = qemu_arguments(spec, "qemu", "tcg", "", {"c", "e", "q"});
  EXPECT_TRUE(has_pair(argv, "-icount", "shift=0,sleep=off")) << "1 ns per instruction, idle skipped";
  EXPECT_TRUE(has_pair(argv, "-rtc", "base=2000-01-01T00:00:00,clock=vm")) << "the RTC must not follow the host";
  EXPECT_TRUE(has_pair(argv, "-seed", "1")) << "RDRAND and friends must not follow the host";
  EXPECT_TRUE(has_pair(argv, "-cpu", "qemu64,+rdrand")) << "a fixed CPU model, with the RDRAND of every KVM host";
  EXPECT_TRUE(has_pair(argv, "-chardev", "pipe,id=con,path=c"))
      << "a console that blocks the guest when the host reads slowly, instead of making it poll the UART";
}

TEST(Runner, ADeterministicBootRefusesKvm) {
  BootSpec spec;
  spec.kernel = "/nonexistent/kernel";
  spec.deterministic = true;
  spec.backend = Backend::Kvm;
  EXPECT_THAT([&] { boot(spec); }, ::testing::ThrowsMessage<Error>(::testing::HasSubstr("not on KVM")));
}

TEST(QemuBackend, OptionalDevicesUseTheMachinesTransportAndEscapeCommas) {
  BootSpec spec;
  spec.kernel = "k";
  spec.disks = {{"/d/a,b.img", true}};
  spec.nets = {{"tap0", "52:54:00:00:00:01"}};
  auto argv = qemu_arguments(spec, "qemu", "tcg", "", {"c", "e", "q"});
  EXPECT_TRUE(has_pair(argv, "-drive", "file=/d/a,,b.img,format=raw,if=none,id=disk0,readonly=on"));
  EXPECT_TRUE(has_pair(argv, "-device", "virtio-blk-device,drive=disk0"));
  EXPECT_TRUE(has_pair(argv, "-device", "virtio-net-device,netdev=net0,mac=52:54:00:00:00:01"));
  spec.qemu_machine = "pc";
  argv = qemu_arguments(spec, "qemu", "tcg", "", {"c", "e", "q"});
  EXPECT_TRUE(has_pair(argv, "-device", "virtio-blk-pci,drive=disk0"));
}

TEST(QemuBackend, JudgesEndings) {
  using ms = std::chrono::milliseconds;
  QemuEnding e;
  e.started = true;
  e.exit_code = (42 << 1) | 1;  // isa-debug-exit
  auto v = judge_qemu_ending(e, ms(0));
  EXPECT_EQ(v.outcome, Outcome::AppExited);
  EXPECT_EQ(v.status, 42);

  e.status = 200;  // the 'S' event keeps all 8 bits
  e.exit_code = ((200 << 1) | 1) & 0xff;
  EXPECT_EQ(judge_qemu_ending(e, ms(0)).status, 200);

  QemuEnding reset;
  reset.started = true;
  reset.shutdown_reason = "guest-reset";
  EXPECT_EQ(judge_qemu_ending(reset, ms(0)).outcome, Outcome::GuestStopped);

  QemuEnding timeout;
  timeout.timed_out = true;
  EXPECT_EQ(judge_qemu_ending(timeout, ms(5000)).outcome, Outcome::Timeout);

  QemuEnding error;
  error.started = true;
  error.exit_code = 1;
  error.stderr_tail = "qemu-system-x86_64: something broke";
  auto ve = judge_qemu_ending(error, ms(0));
  EXPECT_EQ(ve.outcome, Outcome::MonitorFailed) << "exit 1 with a message is QEMU's own failure";
  EXPECT_NE(ve.detail.find("something broke"), std::string::npos);

  QemuEnding killed;
  killed.started = true;
  killed.signaled = true;
  killed.signal = 9;
  EXPECT_EQ(judge_qemu_ending(killed, ms(0)).outcome, Outcome::MonitorFailed);
}

TEST(Capabilities, VirtualizationFlagInCpuinfo) {
  EXPECT_TRUE(cpuinfo_has_virtualization_flag("processor\t: 0\nflags\t\t: fpu vme svm sse\n"));
  EXPECT_TRUE(cpuinfo_has_virtualization_flag("flags\t: fpu vmx\n"));
  EXPECT_FALSE(cpuinfo_has_virtualization_flag("flags\t: fpu svmx sse\n")) << "whole words only";
  EXPECT_FALSE(cpuinfo_has_virtualization_flag("flags\t: fpu sse hypervisor\n"));
  EXPECT_FALSE(cpuinfo_has_virtualization_flag(""));
}

}  // namespace
}  // namespace tailor::runner
