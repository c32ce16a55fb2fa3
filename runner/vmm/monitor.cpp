// The KVM monitor: builds the VM (memory, boot state, devices), runs one
// thread per vCPU, and ends the run on the first of: the guest's exit port,
// a reset, a crash, a monitor failure, or the timeout.
#include "runner/vmm/monitor.h"

#include <pthread.h>
#include <poll.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <unistd.h>
#include <sys/resource.h>

#include <atomic>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <fmt/core.h>
#include <latch>
#include <memory>
#include <mutex>
#include <thread>

#include "common/error.h"
#include "runner/boot/boot_params.h"
#include "runner/boot/cpu_setup.h"
#include "runner/boot/cpuid.h"
#include "runner/boot/layout.h"
#include "runner/boot/mptable.h"
#include "runner/devices/bus.h"
#include "runner/devices/cmos_rtc.h"
#include "runner/devices/guest_ports.h"
#include "runner/devices/i8042.h"
#include "runner/devices/uart_16550.h"
#include "runner/guest_abi.h"
#include "runner/vmm/dump.h"
#include "runner/vmm/exit_handler.h"
#include "runner/vmm/guest_memory.h"
#include "runner/vmm/kvm.h"
#include "runner/vmm/modules.h"
#include "runner/vmm/seccomp.h"
#include "runner/vmm/stop_channel.h"

namespace tailor::runner::vmm {
namespace {

namespace layout = x86::layout;

// The signal that kicks a vCPU thread out of KVM_RUN. Its handler does
// nothing: the point is the EINTR.
int kick_signal() { return SIGRTMIN + 3; }

void install_kick_handler() {
  struct sigaction sa {};
  sa.sa_handler = [](int) {};
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = 0;  // no SA_RESTART: KVM_RUN must return
  ::sigaction(kick_signal(), &sa, nullptr);
}

void require_capability(const Kvm& kvm, long cap, const char* name) {
  if (kvm.check_extension(cap) <= 0)
    throw Error(fmt::format("KVM: this host's KVM lacks KVM_CAP_{}, which tailor-vmm needs", name),
                exit_codes::kNoBackend);
}

// How the run ended: the first report wins.
struct Ending {
  Outcome outcome;
  std::string detail;
  std::string dump;
};

class Machine {
 public:
  Machine(const BootSpec& spec, const x86::KernelImage& image, RunReport& report)
      : spec_(spec), image_(image), report_(report), kvm_(Kvm::open()), pio_("port I/O"), mmio_("MMIO") {
    for (auto [cap, name] : {std::pair{KVM_CAP_IRQCHIP, "IRQCHIP"},
                             {KVM_CAP_PIT2, "PIT2"},
                             {KVM_CAP_EXT_CPUID, "EXT_CPUID"},
                             {KVM_CAP_SET_TSS_ADDR, "SET_TSS_ADDR"},
                             {KVM_CAP_IMMEDIATE_EXIT, "IMMEDIATE_EXIT"},
                             {KVM_CAP_XCRS, "XCRS"}})
      require_capability(kvm_, cap, name);
    const int max_vcpus = std::max(kvm_.check_extension(KVM_CAP_MAX_VCPUS), kvm_.check_extension(KVM_CAP_NR_VCPUS));
    if (static_cast<int>(spec.cpus) > max_vcpus)
      throw Error(fmt::format("KVM: {} vCPUs requested, this host allows {}", spec.cpus, max_vcpus),
                  exit_codes::kUsage);
    if (!image.has_64bit_entry)
      throw Error(spec.kernel.string() +
                      ": this bzImage has no 64-bit entry point (boot protocol before 2.12, or XLF_KERNEL_64 unset); "
                      "tailor-vmm boots 64-bit kernels only (the QEMU backend boots it: --backend qemu)",
                  exit_codes::kBadImage);
  }

  // Memory, VM-wide KVM state, guest contents, devices, vCPUs: everything
  // before the first instruction. Throws Error on failure.
  void build(const MappedFile& kernel, const MappedFile* initrd, const std::string& cmdline) {
    vm_.emplace(kvm_);
    // boot.rst / machine-notes: these come before any vCPU exists.
    vm_->set_tss_addr(layout::kTss);
    vm_->set_identity_map_addr(layout::kIdentityMap);
    vm_->create_irqchip();
    vm_->create_pit2();

    memory_.emplace(std::uint64_t{spec_.memory_mib} << 20, layout::kMmioHoleStart);
    for (std::size_t i = 0; i < memory_->ranges().size(); ++i) {
      const auto& r = memory_->ranges()[i];
      vm_->set_memory(static_cast<std::uint32_t>(i), r.gpa, r.size, memory_->host_base() + r.host_offset);
    }
    add_devices();
    load_guest(kernel, initrd, cmdline + modules_.cmdline);
    create_vcpus();
  }

  BootResult run() {
    install_kick_handler();
    // Every thread the run needs is running (past the C library's thread
    // start-up) before the process confines itself, so the filter covers
    // them all and need not allow clone or that start-up's calls.
    std::latch running(static_cast<std::ptrdiff_t>(vcpus_.size())), start(1);
    std::vector<std::thread> threads;
    threads.reserve(vcpus_.size());
    for (auto& v : vcpus_)
      threads.emplace_back([this, &v, &running, &start] {
        running.count_down();
        start.wait();
        if (!stopping_.load()) vcpu_loop(v);
      });
    running.wait();
    bool confined = false;
    if (spec_.seccomp) {
      try {
        confine_process(!modules_.user_nets.empty());
        confined = true;
      } catch (const Error& e) {
        end(Outcome::MonitorFailed, e.what());
      }
    }
    start.count_down();

    std::unique_lock lock(mutex_);
    const bool has_deadline = spec_.timeout.count() > 0;
    const auto deadline = report_.start() + spec_.timeout;
    const auto ended = [this] { return ending_.has_value(); };
    int interrupted = 0;
    if (stop_) {
      lock.unlock();
      interrupted = wait_with_stop_channel(has_deadline, deadline);
      lock.lock();
    } else if (!has_deadline) {
      ended_.wait(lock, ended);
    } else if (!ended_.wait_until(lock, deadline, ended)) {
      ending_ = Ending{Outcome::Timeout,
                       fmt::format("no exit within the {:.3g} s timeout; the guest was stopped",
                                   spec_.timeout.count() / 1000.0),
                       {}};
      report_.mark_guest_exit();
    }
    lock.unlock();
    stop_vcpus(threads);
    for (auto& t : threads) t.join();
    if (interrupted)  // as the QEMU backend: the caller exits with 128+N
      throw Error(fmt::format("interrupted by SIG{} ({}); the guest was stopped", sigabbrev_np(interrupted),
                              strsignal(interrupted)),
                  128 + interrupted);

    const Ending ending = *ending_;
    BootResult result = report_.finish(Backend::Kvm, "tailor-vmm (KVM)", ending.outcome, ending.detail);
    result.dump = ending.dump;
    // A guest that hung: where each vCPU was when it was stopped.
    if (ending.outcome == Outcome::Timeout)
      for (auto& v : vcpus_) result.dump += dump(v);
    result.seccomp = confined;
    rusage usage{};
    if (::getrusage(RUSAGE_SELF, &usage) == 0) {
      const std::uint64_t peak_kib = static_cast<std::uint64_t>(usage.ru_maxrss);
      const std::uint64_t guest_kib = memory_->resident_bytes() / 1024;
      result.monitor_overhead_kib = peak_kib > guest_kib ? peak_kib - guest_kib : 0;
    }
    return result;
  }

 private:
  void load_guest(const MappedFile& kernel, const MappedFile* initrd, const std::string& cmdline) {
    GuestMemory& mem = *memory_;
    const std::uint64_t ram = mem.size();
    const auto tables = x86::identity_page_tables();
    mem.write(layout::kPml4, std::span<const std::uint8_t>(tables), "page tables");
    const auto gdt = x86::boot_gdt();
    mem.write(layout::kGdt, std::span(reinterpret_cast<const std::uint8_t*>(gdt.data()), sizeof gdt), "GDT");
    // The IDT at layout::kIdt stays as fresh guest RAM is: zero (no gates).

    if (cmdline.size() > layout::kCmdlineMax)
      throw Error(fmt::format("kernel command line too long ({} bytes)", cmdline.size()), exit_codes::kUsage);
    mem.write(layout::kCmdline, std::string_view(cmdline.c_str(), cmdline.size() + 1), "command line");  // with NUL

    for (const auto& seg : image_.segments) {
      if (seg.gpa < layout::kHighRamStart)
        throw Error(fmt::format("{}: a segment loads at {:#x}, below 1 MiB where tailor-vmm keeps the boot tables",
                                spec_.kernel.string(), seg.gpa),
                    exit_codes::kBadImage);
      auto dst = mem.span(seg.gpa, seg.mem_size, "kernel");
      // Fresh guest RAM is already zero: copy only the file bytes.
      std::memcpy(dst.data(), kernel.bytes().data() + seg.file_offset, seg.file_size);
    }

    x86::ZeroPageInputs zp;
    zp.cmdline_gpa = layout::kCmdline;
    zp.cmdline_length = static_cast<std::uint32_t>(cmdline.size());
    zp.e820 = x86::e820_map(ram);
    if (initrd) {
      zp.initrd_size = initrd->size();
      zp.initrd_gpa = x86::place_initrd(initrd->size(), image_, ram);
      mem.write(zp.initrd_gpa, initrd->bytes(), "initrd");
    }
    const auto page = x86::build_zero_page(image_, zp);
    mem.write(layout::kZeroPage, std::span<const std::uint8_t>(page), "zero page");

    supported_cpuid_ = kvm_.supported_cpuid();
    std::uint32_t signature = 0, features = 0;
    for (const auto& e : supported_cpuid_)
      if (e.function == 1) signature = e.eax, features = e.edx;
    const auto mp = x86::build_mp_table({layout::kMpTable, layout::kMpTableMax, static_cast<int>(spec_.cpus),
                                         signature, features});
    mem.write(layout::kMpTable, std::span<const std::uint8_t>(mp), "MP table");
  }

  // Waits for the ending while watching the stop channel's signals: the
  // first asks the guest to stop; a second, or the grace time running out,
  // stops it at once. Returns that signal, or 0 when the run ended by itself.
  int wait_with_stop_channel(bool has_deadline, Clock::time_point deadline) {
    int requested = 0;
    Clock::time_point grace_end{};
    for (;;) {
      {
        std::lock_guard lock(mutex_);
        if (ending_) return 0;
      }
      const auto now = Clock::now();
      if (requested && now >= grace_end) {
        report_.notice(fmt::format("the guest did not stop within {:.3g} s of the stop request",
                                   spec_.stop_grace.count() / 1000.0));
        end(Outcome::GuestStopped, "stopped after the stop request's grace time");
        return requested;
      }
      if (has_deadline && now >= deadline) {
        std::lock_guard lock(mutex_);
        if (!ending_) {
          ending_ = Ending{Outcome::Timeout, fmt::format("no exit within the {:.3g} s timeout; the guest was stopped",
                                                         spec_.timeout.count() / 1000.0), {}};
          report_.mark_guest_exit();
        }
        return 0;
      }
      auto until = has_deadline ? deadline : Clock::time_point::max();
      if (requested) until = std::min(until, grace_end);
      const int wait_ms = until == Clock::time_point::max()
                              ? -1
                              : static_cast<int>(std::chrono::ceil<std::chrono::milliseconds>(until - now).count());
      pollfd fds[2] = {{stop_->signal_fd(), POLLIN, 0}, {wake_.get(), POLLIN, 0}};
      if (::poll(fds, 2, wait_ms) <= 0) continue;
      if (!(fds[0].revents & POLLIN)) continue;  // woken by end(): checked above
      const int sig = stop_->take_signal();
      if (!sig) continue;
      if (requested) {
        end(Outcome::GuestStopped, "stopped by a second signal");
        return sig;
      }
      requested = sig;
      grace_end = Clock::now() + spec_.stop_grace;
      stop_->request_stop();
      report_.notice(fmt::format("SIG{}: stopping the guest (Ctrl-C again to stop at once)", sigabbrev_np(sig)));
    }
  }

  // The one place where devices are chosen: the core set, then the optional
  // modules the spec asks for.
  void add_devices() {
    // First: it blocks the stop signals, which every thread started later
    // (the modules' and the vCPUs') must inherit.
    if (spec_.stop_channel) {
      stop_ = std::make_unique<StopChannel>(
          pio_, [this](bool level) { vm_->irq_line(TAILOR_STOP_SERIAL_IRQ, level); });
      wake_.reset(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
      if (!wake_) throw Error(errno_message("eventfd", errno), exit_codes::kMonitorFailed);
    }
    uart_ = std::make_unique<devices::Uart16550>(devices::Uart16550::Hooks{
        [this](std::string_view bytes) { report_.console(bytes); },
        [this](bool level) { vm_->irq_line(layout::kIrqCom1, level); }});
    pio_.add(0x3f8, 8, *uart_);
    i8042_ = std::make_unique<devices::I8042>(
        [this] { end(Outcome::GuestStopped, "the guest reset the machine (i8042 reset line)"); });
    pio_.add(0x60, 5, *i8042_);
    rtc_ = std::make_unique<devices::CmosRtc>();
    pio_.add(0x70, 2, *rtc_);
    exit_port_ = std::make_unique<devices::ExitPort>([this](int status) {
      report_.exit_port_status(status);
      end(Outcome::AppExited, fmt::format("the app exited with status {}", status));
    });
    pio_.add(TAILOR_PORT_EXIT, 4, *exit_port_);
    event_port_ = std::make_unique<devices::EventPort>([this](unsigned char b) { report_.event_byte(b); });
    pio_.add(TAILOR_PORT_EVENT, 1, *event_port_);

    modules_ = attach_modules(spec_, ModuleContext{*memory_, mmio_, [this](std::uint32_t irq, bool level) {
                                                     vm_->irq_line(irq, level);
                                                   }});
  }

  void create_vcpus() {
    const bool tsc_deadline = kvm_.check_extension(KVM_CAP_TSC_DEADLINE_TIMER) > 0;
    for (std::uint32_t i = 0; i < spec_.cpus; ++i) {
      Vcpu& v = vcpus_.emplace_back(kvm_, *vm_, static_cast<int>(i));
      const auto cpuid =
          x86::guest_cpuid(supported_cpuid_, {static_cast<int>(i), static_cast<int>(spec_.cpus), tsc_deadline});
      v.set_cpuid(cpuid);
      v.set_xcr0(x86::boot_xcr0(cpuid));  // after the CPUID, which bounds the XCR0 KVM accepts
      v.set_msrs(x86::boot_msrs());
      v.set_fpu(x86::boot_fpu());
      // What a BIOS leaves in every local APIC: LINT0 delivers the PIC's
      // ExtINT, LINT1 the NMI (virtual-wire mode until Linux sets up the IOAPIC).
      kvm_lapic_state lapic = v.lapic();
      auto set_lvt = [&](std::size_t offset, std::uint32_t mode) {
        std::uint32_t reg;
        std::memcpy(&reg, lapic.regs + offset, 4);
        reg = (reg & ~0x700u & ~(1u << 16)) | (mode << 8);  // delivery mode, unmasked
        std::memcpy(lapic.regs + offset, &reg, 4);
      };
      set_lvt(0x350, 7);  // LVT LINT0: ExtINT
      set_lvt(0x360, 4);  // LVT LINT1: NMI
      v.set_lapic(lapic);
      if (i == 0) {
        // Only the boot vCPU starts at the kernel: the others wait in KVM for
        // the kernel's INIT/SIPI, as application processors do.
        v.set_sregs(x86::long_mode_sregs(v.sregs()));
        v.set_regs(x86::entry_regs(image_.entry, layout::kZeroPage));
      }
    }
  }

  void vcpu_loop(Vcpu& v) {
    try {
      if (v.index() == 0) report_.mark_first_instruction();
      while (!stopping_.load()) {
        if (!v.run()) continue;  // kicked: look at stopping_
        ExitResult r = handle_exit(v.run_state(), v.run_size(), pio_, mmio_);
        using Kind = ExitResult::Kind;
        switch (r.kind) {
          case Kind::Continue: break;
          case Kind::Halted:
            end(Outcome::GuestStopped, fmt::format("vCPU {} halted with interrupts off", v.index()));
            return;
          case Kind::SystemReset:
          case Kind::PowerOff: end(Outcome::GuestStopped, r.detail); return;
          case Kind::TripleFault:
          case Kind::Crashed:
          case Kind::Unhandled:
            end(Outcome::GuestCrashed, fmt::format("vCPU {}: {}", v.index(), r.detail), dump(v));
            return;
        }
      }
    } catch (const std::exception& e) {
      end(Outcome::MonitorFailed, e.what());
    }
  }

  std::string dump(Vcpu& v) {
    try {
      return dump_vcpu(v.index(), v.regs(), v.sregs(), [this](std::uint64_t gpa, std::span<std::uint8_t> out) {
        if (!memory_->contains(gpa, out.size())) return false;
        std::memcpy(out.data(), memory_->span(gpa, out.size(), "dump").data(), out.size());
        return true;
      });
    } catch (const std::exception& e) {
      return std::string("vCPU state unavailable: ") + e.what();
    }
  }

  // Records the ending (the first one wins) and wakes the main thread.
  void end(Outcome outcome, std::string detail, std::string dump = {}) {
    std::lock_guard lock(mutex_);
    if (ending_) return;
    if (outcome != Outcome::MonitorFailed) report_.mark_guest_exit();
    ending_ = Ending{outcome, std::move(detail), std::move(dump)};
    stopping_.store(true);
    ended_.notify_all();
    const std::uint64_t one = 1;
    if (wake_) (void)!::write(wake_.get(), &one, sizeof one);
  }

  void stop_vcpus(std::vector<std::thread>& threads) {
    stopping_.store(true);
    // immediate_exit makes a KVM_RUN that starts after this point return at
    // once; the signal interrupts one already in progress.
    for (auto& v : vcpus_) v.run_state().immediate_exit = 1;
    for (auto& t : threads) ::pthread_kill(t.native_handle(), kick_signal());
  }

  const BootSpec& spec_;
  const x86::KernelImage& image_;
  RunReport& report_;
  Kvm kvm_;
  std::optional<Vm> vm_;
  std::optional<GuestMemory> memory_;
  std::vector<kvm_cpuid_entry2> supported_cpuid_;
  devices::Bus pio_, mmio_;
  std::unique_ptr<devices::Uart16550> uart_;
  std::unique_ptr<devices::I8042> i8042_;
  std::unique_ptr<devices::CmosRtc> rtc_;
  std::unique_ptr<devices::ExitPort> exit_port_;
  std::unique_ptr<devices::EventPort> event_port_;
  std::unique_ptr<StopChannel> stop_;  // BootSpec::stop_channel only
  UniqueFd wake_;                      // with stop_: end() wakes the waiting main thread
  Modules modules_;
  std::deque<Vcpu> vcpus_;  // deque: vCPUs stay put as more are added (threads hold references)

  std::mutex mutex_;
  std::condition_variable ended_;
  std::optional<Ending> ending_;
  std::atomic<bool> stopping_{false};
};

}  // namespace

BootResult run_kvm(const BootSpec& spec, const x86::KernelImage& image, const MappedFile& kernel,
                   const MappedFile* initrd, const std::string& cmdline, RunReport& report) {
  Machine machine(spec, image, report);
  machine.build(kernel, initrd, cmdline);
  return machine.run();
}

}  // namespace tailor::runner::vmm
