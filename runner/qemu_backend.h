// The QEMU backend: runs qemu-system-x86_64 with the same guest ABI as
// tailor-vmm (isa-debug-exit on the exit port, isa-debugcon on the event
// port), streams its serial console, and maps how QEMU ended to a BootResult.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "runner/run_report.h"
#include "runner/runner.h"

namespace tailor::runner {

// Unix sockets the QEMU chardevs connect to (we listen, QEMU is the client).
struct QemuEndpoints {
  // ttyS0: a socket; for a deterministic boot the base name of a FIFO pair
  // (console.in, console.out), see run_qemu.
  std::filesystem::path console;
  std::filesystem::path events;   // isa-debugcon on TAILOR_PORT_EVENT
  std::filesystem::path qmp;      // QMP: start/stop control and shutdown reasons
  std::filesystem::path stop;     // COM2, the stop channel (BootSpec::stop_channel only)
};

// The full argv for one boot (argv[0] = qemu). Pure: no host access. `accel` is
// "tcg" or "kvm"; cmdline is the final kernel command line.
std::vector<std::string> qemu_arguments(const BootSpec& spec, const std::filesystem::path& qemu,
                                        const std::string& accel, const std::string& cmdline,
                                        const QemuEndpoints& endpoints);

// Boots under QEMU. Throws Error(kMonitorFailed) when QEMU cannot start the
// guest at all (its own message included); every ending after that is a result.
BootResult run_qemu(const BootSpec& spec, const std::filesystem::path& qemu, const std::string& qemu_version,
                    const std::string& accel, const std::string& cmdline, RunReport& report);

// How a finished QEMU process maps to an outcome, given what was observed.
// Pure, for tests.
struct QemuEnding {
  bool started = false;          // vCPUs were released (QMP cont answered)
  bool timed_out = false;
  bool signaled = false;         // killed by a signal we did not send
  int signal = 0;
  int exit_code = 0;             // QEMU's exit code when it exited
  std::string shutdown_reason;   // from the QMP SHUTDOWN event, if any
  std::optional<int> status;     // from the 'S' event, if any
  std::string stderr_tail;       // QEMU's own messages
};
struct QemuVerdict {
  Outcome outcome;
  std::optional<int> status;     // status to record (may come from the exit code)
  std::string detail;
};
QemuVerdict judge_qemu_ending(const QemuEnding& ending, std::chrono::milliseconds timeout);

}  // namespace tailor::runner
