// The runner's public API: boot a Linux kernel (+ initramfs) under tailor's own
// KVM monitor or under QEMU, stream its console, and report how it ended.
// Everything else in runner/ is internal; stages and the CLI use only this.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tailor::runner {

// Exit codes of tailor-vmm, `tailor boot` and `tailor run`. When the guest
// reports an exit status through the exit port (runner/guest_abi.h), the
// process exits with that status (0..255). Otherwise one of these; they sit at
// the top of the range so they rarely collide with what apps return, and
// --json tells the two apart without doubt. runner/README.md documents them.
namespace exit_codes {
inline constexpr int kUsage = 249;          // bad command line
inline constexpr int kGuestStopped = 250;   // guest reset, rebooted, powered off or halted without a status
inline constexpr int kTimeout = 251;        // --timeout elapsed; the guest was stopped
inline constexpr int kGuestCrashed = 252;   // triple fault, KVM internal/emulation error, unhandled exit
inline constexpr int kBadImage = 253;       // kernel/initrd unreadable, not a kernel, truncated, does not fit in --mem
inline constexpr int kNoBackend = 254;      // no usable backend (no or unusable /dev/kvm and no QEMU, or the
                                            // one asked for)
inline constexpr int kMonitorFailed = 255;  // host-side failure (ioctl, mmap, QEMU could not start or died)
}  // namespace exit_codes

enum class Backend { Auto, Kvm, Qemu };

// The command line used when BootSpec::cmdline is empty: console on the
// 16550, and a panic (e.g. /init died) reboots at once, which ends the run.
inline constexpr std::string_view kDefaultCmdline = "console=ttyS0 panic=-1";

// "auto", "kvm", "qemu"; parse_backend throws Error(kUsage) on anything else.
std::string_view backend_name(Backend backend);
Backend parse_backend(std::string_view name);

// A host file exposed to the guest as a virtio block device (/dev/vda, vdb, ...
// in order). Absent unless asked for: the monitor has no block code otherwise.
struct BlockDevice {
  std::filesystem::path file;
  bool read_only = false;
};

// A host port forwarded to the guest through user-mode networking: a
// connection (TCP) or datagram (UDP) to host_address:host_port reaches the
// guest's guest_port at NetDevice::guest_cidr's address.
struct PortForward {
  enum class Protocol { Tcp, Udp };
  Protocol protocol = Protocol::Tcp;
  std::string host_address = "127.0.0.1";  // IPv4 address to listen on ("0.0.0.0": every interface)
  std::uint16_t host_port = 0;             // 1..65535
  std::uint16_t guest_port = 0;            // 1..65535
};

// A virtio net device (eth0, eth1, ...): either a host TAP interface, or
// user-mode NAT (rootless: libslirp in tailor-vmm, `-netdev user` in QEMU),
// where the guest reaches the host's networks through the monitor and the host
// reaches the guest only through `forwards`. The image has no DHCP client: the
// guest configures itself statically with guest_cidr, gateway and dns (the
// user-mode network's virtual host and DNS server).
struct NetDevice {
  std::string tap;                 // TAP mode when non-empty: an existing interface, e.g. "tap0"
  // Second, as before user mode existed, so that {"tap0", "52:54:.."} still means TAP + MAC.
  std::optional<std::string> mac;  // "52:54:00:12:34:56"; default derived from the tap name (user: from the index)
  bool user = false;               // user-mode NAT; exactly one of tap / user
  std::vector<PortForward> forwards;       // user mode only: host -> guest
  std::string guest_cidr = "10.0.2.15/24"; // user mode: the guest's address; the network is its /prefix
  std::string gateway = "10.0.2.2";        // user mode: the virtual host (router, and the host's loopback)
  std::string dns = "10.0.2.3";            // user mode: the virtual DNS server (forwards to the host's resolver)
};

// "tcp:127.0.0.1:8080-:80" (QEMU's hostfwd syntax; protocol and host address
// optional: "8080-:80" is TCP on 127.0.0.1). Throws Error(kUsage) naming the
// text and what is wrong (port 0 or above 65535, a bad IPv4 address, an unknown
// protocol).
PortForward parse_port_forward(std::string_view text);
// The same syntax back ("tcp:127.0.0.1:8080-:80").
std::string format_port_forward(const PortForward& forward);
// Checks that every forward's host port can be bound now (bound without
// SO_REUSEADDR, then closed). A taken port throws Error(kUsage): "host port N
// is already in use (forward tcp:127.0.0.1:N-:M)". boot() calls it before
// anything starts; the CLI may call it earlier.
void check_forward_ports(const std::vector<NetDevice>& nets);

struct BootSpec {
  std::filesystem::path kernel;                 // bzImage, or an uncompressed vmlinux ELF
  std::optional<std::filesystem::path> initrd;  // initramfs (any compression the kernel has)
  // Kernel command line. The backend adds nothing to it except what its
  // devices require (virtio-mmio device= entries for the KVM monitor); an empty
  // string means kDefaultCmdline plus those entries.
  std::string cmdline;
  // Monitor start, the zero of every timing; unset: when boot() is entered.
  std::optional<std::chrono::steady_clock::time_point> started;
  std::uint32_t memory_mib = 256;
  std::uint32_t cpus = 1;
  std::chrono::milliseconds timeout{0};  // 0: no limit
  Backend backend = Backend::Auto;

  std::vector<BlockDevice> disks;  // optional modules: none unless listed
  std::vector<NetDevice> nets;

  // Every console byte (ttyS0) as it arrives, in order; chunks need not be
  // lines. Unset: written to stdout as it arrives.
  std::function<void(std::string_view)> console;
  // One-line notices for the user (backend fallback, ignored options).
  // Unset: written to stderr as "tailor: notice: ...".
  std::function<void(const std::string&)> notice;
  // Keep the console text in BootResult::console (at most the last 4 MiB).
  bool capture_console = false;

  // QEMU backend only: machine type, "microvm" (fast, default) or "pc";
  // accelerator "" (kvm when /dev/kvm is usable, else tcg), "kvm" or "tcg";
  // extra arguments appended as is (e.g. {"-cpu", "EPYC"}).
  std::string qemu_machine = "microvm";
  std::string qemu_accel;
  std::vector<std::string> qemu_extra_args;
  // The deterministic yardstick (QEMU backend, TCG only): instruction counting
  // (-icount shift=0,sleep=off: each instruction advances virtual time by 1 ns,
  // idle time jumps to the next timer), the RTC on virtual time from a fixed
  // date and a fixed seed for the guest's random numbers, so that the guest's
  // timeline is the same on every run. Host time then says nothing; the
  // guest's clock stamps (Timings::guest_clock) and printk times do.
  bool deterministic = false;
  // The stop channel (runner/guest_abi.h, TAILOR_STOP_SERIAL): the guest gets
  // a second 16550 (COM2, ttyS1) owned by the monitor. While boot() runs, the
  // first SIGINT, SIGTERM or SIGHUP the process receives writes
  // TAILOR_STOP_REQUEST to it instead of stopping the guest (with a notice);
  // a second signal, or stop_grace elapsing without the guest ending, stops
  // the guest at once as without the channel (exit code 128+N for signal N).
  // false: no COM2, signals stop the guest at once (unchanged behaviour).
  bool stop_channel = false;
  std::chrono::milliseconds stop_grace{15000};

  // KVM backend only: skip the check that /dev/kvm can run Linux guests at
  // usable speed (for tiny test guests on a paravirtual /dev/kvm).
  bool skip_kvm_check = false;
  // KVM backend only: once the VM is built, confine the whole process with
  // no_new_privs and a seccomp filter (runner/vmm/seccomp.h). Irreversible,
  // so only for a process that just reports and exits after boot()
  // (tailor-vmm, unless --no-seccomp).
  bool seccomp = false;
};

enum class Outcome {
  AppExited,      // the guest wrote its status to the exit port
  GuestStopped,   // reset/reboot/power-off/halt without a status
  Timeout,        // the timeout elapsed
  GuestCrashed,   // triple fault, KVM internal or emulation error, unhandled exit
  MonitorFailed,  // the monitor or QEMU failed on the host side mid-run
};
std::string_view outcome_name(Outcome outcome);  // "app-exited", "guest-stopped", ...

// Moments of the run, each measured from the monitor's start (boot() entry, or
// tailor-vmm's main). Absent when the backend cannot know it.
struct Timings {
  // KVM: just before the boot vCPU's first KVM_RUN. QEMU: when its vCPUs were
  // released (QMP "cont" after start-up with -S), so firmware time counts as
  // guest time there.
  std::optional<std::chrono::microseconds> first_instruction;
  // The guest's boot mark ('M' on the event port): /init is about to exec the app.
  std::optional<std::chrono::microseconds> app_exec;
  // The guest's exit (status written, reset, crash) as seen by the monitor.
  std::optional<std::chrono::microseconds> guest_exit;
  // Whole run, from start until boot() returns.
  std::chrono::microseconds total{0};
  // The guest's own TSC at /init's moments, as tailor's /init reports them
  // (runner/guest_abi.h). Under BootSpec::deterministic these are virtual
  // nanoseconds since reset, identical on every run; otherwise TSC ticks.
  struct GuestClock {
    std::optional<std::uint64_t> init, app_exec, exit;
  } guest_clock;
};

struct BootResult {
  Backend backend = Backend::Auto;  // the backend that ran: Kvm or Qemu
  std::string backend_detail;       // "tailor-vmm (KVM)", "qemu-system-x86_64 7.2.22 -M microvm, TCG"
  Outcome outcome = Outcome::MonitorFailed;
  std::optional<int> app_status;    // 0..255, when the guest reported one
  int exit_code = exit_codes::kMonitorFailed;  // what the calling process should exit with
  std::string detail;               // one line: why it ended ("triple fault at rip=0x...")
  Timings timings;
  std::string console;              // when BootSpec::capture_console
  std::vector<std::string> notices;
  // KVM backend, when the guest crashed: registers, segments and the code at
  // RIP of the vCPU that stopped (multi-line).
  std::string dump;
  // Peak resident memory of the monitor beyond guest RAM, when known (KVM).
  std::optional<std::uint64_t> monitor_overhead_kib;
  // KVM backend: the guest ran with the monitor under its seccomp filter.
  bool seccomp = false;
};

// Boots spec.kernel and runs it to the end (exit, stop, crash or timeout).
// Throws Error before the guest starts when it cannot: unreadable or invalid
// kernel/initrd (exit code kBadImage), no usable backend (kNoBackend), host
// failure while setting up (kMonitorFailed), bad spec values (kUsage). Once the
// guest runs, every ending is a BootResult.
BootResult boot(const BootSpec& spec);

// Human-readable timing lines ("first instruction  12.3 ms", ...).
std::string format_timings(const BootResult& result);
// The result as one JSON object (backend, outcome, status, exit_code, detail,
// timings in microseconds, notices); console text only if captured.
std::string result_json(const BootResult& result);

// What this host can run: for `tailor doctor` and automatic backend choice.
struct KvmProbe {
  bool device_present = false;    // /dev/kvm exists
  bool openable = false;          // and opens read/write
  int api_version = 0;            // KVM_GET_API_VERSION (12 when sane)
  bool cpu_flag = false;          // svm or vmx in /proc/cpuinfo
  // Nanoseconds per iteration of a calibrated loop run at CPL 0 in a tiny
  // guest; software-interpreting /dev/kvm (PVM) is ~1000x slower than hardware.
  std::optional<double> cpl0_ns_per_iteration;
  bool usable = false;            // can boot Linux guests at useful speed
  std::string reason;             // why not (or what was checked), one line
};
struct QemuProbe {
  std::optional<std::filesystem::path> binary;  // qemu-system-x86_64
  std::string version;                           // "7.2.22"
  bool usable = false;
  std::string reason;
};
struct Capabilities {
  KvmProbe kvm;
  QemuProbe qemu;
  Backend auto_backend = Backend::Auto;  // what Backend::Auto picks; Auto when nothing works
  std::string auto_reason;               // one line: why
};
// The findings as one JSON object ({"kvm": {...}, "qemu": {...},
// "auto_backend", "auto_reason"}): `tailor doctor --json`, `tailor-vmm --probe`.
std::string capabilities_json(const Capabilities& capabilities);
// Probes /dev/kvm (with the calibrated loop when the device opens) and QEMU.
// (boot() checks only the device, its API version and the CPU flag.)
// Never throws for a missing or broken backend: that is what it reports.
Capabilities probe_capabilities();

}  // namespace tailor::runner
