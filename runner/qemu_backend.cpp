// The QEMU backend: one qemu-system-x86_64 child per boot, started paused (-S)
// so that the moment its vCPUs are released is known; console, events and QMP
// arrive on unix sockets we listen on; the run ends when QEMU does.
#include "runner/qemu_backend.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <poll.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstring>
#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include "common/child_process.h"
#include "common/error.h"
#include "common/fs.h"
#include "common/subprocess.h"
#include "common/unique_fd.h"
#include "runner/guest_abi.h"
#include "runner/net_addresses.h"

namespace tailor::runner {
namespace {

namespace stdfs = std::filesystem;

// QEMU option values use ',' as separator; a literal comma is written twice.
std::string qemu_escape(const std::string& value) {
  std::string out;
  for (char c : value) {
    out += c;
    if (c == ',') out += ',';
  }
  return out;
}

// -netdev user with the spec's addresses; every forward names the guest's
// address, which need not be QEMU's default (the first DHCP address).
std::string user_netdev(const NetDevice& net, size_t index) {
  const UserNetAddresses addresses = user_net_addresses(net);
  std::string value = fmt::format("user,id=net{},net={},host={},dns={},dhcpstart={}", index, addresses.network_cidr(),
                                  ipv4_text(addresses.gateway), ipv4_text(addresses.dns), ipv4_text(addresses.guest));
  for (const auto& f : net.forwards)
    value += fmt::format(",hostfwd={}:{}:{}-{}:{}", f.protocol == PortForward::Protocol::Udp ? "udp" : "tcp",
                         f.host_address, f.host_port, ipv4_text(addresses.guest), f.guest_port);
  return value;
}

bool is_microvm(const BootSpec& spec) { return spec.qemu_machine.rfind("microvm", 0) == 0; }

UniqueFd listen_unix(const stdfs::path& path) {
  UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd) throw Error(errno_message("QEMU backend: socket", errno), exit_codes::kMonitorFailed);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::string p = path.string();
  if (p.size() >= sizeof addr.sun_path)
    throw Error("QEMU backend: socket path too long: " + p, exit_codes::kMonitorFailed);
  std::memcpy(addr.sun_path, p.c_str(), p.size() + 1);
  if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(fd.get(), 1) != 0)
    throw Error(errno_message("QEMU backend: listening on " + p, errno), exit_codes::kMonitorFailed);
  return fd;
}

// The QEMU child: killed and reaped if we leave early (exception, timeout);
// it never outlives the monitor, and does not inherit the signals the run
// blocks (see Interrupts).
ChildProcess start_qemu(const std::vector<std::string>& argv, int output_fd) {
  ChildOptions o;
  o.stdout_fd = output_fd;
  o.stderr_fd = output_fd;
  o.die_with_parent = true;
  try {
    return ChildProcess(find_program(argv[0]).value_or(argv[0]), argv, o);
  } catch (const Error& e) {
    throw Error(std::string("QEMU backend: ") + e.what(), exit_codes::kMonitorFailed);
  }
}

// SIGINT, SIGTERM and SIGHUP, while a run lasts, arrive on a descriptor that
// the run's poll loop watches, instead of ending tailor on the spot: the run
// then stops QEMU and unwinds, so that its socket directory in /tmp goes too.
class Interrupts {
 public:
  Interrupts() {
    ::sigemptyset(&set_);
    for (int sig : {SIGINT, SIGTERM, SIGHUP}) ::sigaddset(&set_, sig);
    if (::pthread_sigmask(SIG_BLOCK, &set_, &old_) != 0)
      throw Error("QEMU backend: cannot block signals", exit_codes::kMonitorFailed);
    fd_.reset(::signalfd(-1, &set_, SFD_CLOEXEC | SFD_NONBLOCK));
    if (!fd_) {
      ::pthread_sigmask(SIG_SETMASK, &old_, nullptr);
      throw Error(errno_message("QEMU backend: signalfd", errno), exit_codes::kMonitorFailed);
    }
  }
  Interrupts(const Interrupts&) = delete;
  Interrupts& operator=(const Interrupts&) = delete;
  ~Interrupts() { ::pthread_sigmask(SIG_SETMASK, &old_, nullptr); }

  int fd() const { return fd_.get(); }
  // The signal that arrived, or 0.
  int take() {
    signalfd_siginfo info{};
    const bool whole = ::read(fd_.get(), &info, sizeof info) == static_cast<ssize_t>(sizeof info);
    return whole ? static_cast<int>(info.ssi_signo) : 0;
  }

 private:
  sigset_t set_{}, old_{};
  UniqueFd fd_;
};

void send_all(int fd, std::string_view text) {
  while (!text.empty()) {
    ssize_t n = ::send(fd, text.data(), text.size(), MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      return;  // QEMU went away; its exit is reported through the other channels
    }
    text.remove_prefix(static_cast<size_t>(n));
  }
}

std::string last_lines(const std::string& text, size_t n) {
  size_t pos = text.size();
  while (pos > 0 && (text[pos - 1] == '\n')) --pos;
  size_t end = pos;
  for (size_t lines = 0; pos > 0; --pos) {
    if (text[pos - 1] == '\n' && ++lines == n) break;
  }
  return text.substr(pos, end - pos);
}

// QMP: the greeting, our two commands, then asynchronous events.
class QmpSession {
 public:
  explicit QmpSession(int fd) : fd_(fd) {}
  // Feeds bytes from QMP; calls on_started() when "cont" was sent.
  void feed(std::string_view bytes, RunReport& report) {
    buffer_.append(bytes);
    size_t nl;
    while ((nl = buffer_.find('\n')) != std::string::npos) {
      std::string line = buffer_.substr(0, nl);
      buffer_.erase(0, nl + 1);
      handle(line, report);
    }
  }
  bool started() const { return started_; }
  const std::string& shutdown_reason() const { return shutdown_reason_; }

 private:
  void handle(const std::string& line, RunReport& report) {
    auto msg = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (msg.is_discarded() || !msg.is_object()) return;
    if (msg.contains("QMP")) {
      send_all(fd_, R"({"execute":"qmp_capabilities"})" "\n");
      return;
    }
    if (msg.contains("return")) {
      ++returns_;
      if (returns_ == 1) {
        // Capabilities negotiated: release the vCPUs. This is the closest
        // observable point to QEMU's first guest instruction.
        report.mark_first_instruction();
        send_all(fd_, R"({"execute":"cont"})" "\n");
      } else if (returns_ == 2) {
        started_ = true;
      }
      return;
    }
    if (msg.contains("error")) {
      error_ = msg["error"].value("desc", std::string("unknown QMP error"));
      return;
    }
    if (msg.value("event", "") == "SHUTDOWN") {
      report.mark_guest_exit();
      if (msg.contains("data")) shutdown_reason_ = msg["data"].value("reason", std::string());
    }
  }

  int fd_;
  std::string buffer_;
  int returns_ = 0;
  bool started_ = false;
  std::string shutdown_reason_;
  std::string error_;
};

}  // namespace

std::vector<std::string> qemu_arguments(const BootSpec& spec, const stdfs::path& qemu, const std::string& accel,
                                        const std::string& cmdline, const QemuEndpoints& endpoints) {
  // microvm describes its virtio-mmio devices in ACPI tables, which tailor's
  // kernels (no ACPI) never read; with ACPI off QEMU announces them on the
  // kernel command line instead (virtio_mmio.device=, as tailor-vmm does).
  const bool virtio = !spec.disks.empty() || !spec.nets.empty();
  std::vector<std::string> a = {qemu.string(),
                                "-M", spec.qemu_machine + (is_microvm(spec) && virtio ? ",acpi=off" : ""),
                                "-accel", accel,
                                "-m", std::to_string(spec.memory_mib),
                                "-smp", std::to_string(spec.cpus),
                                // Only the devices asked for below: no VGA, NIC, floppy or config files.
                                "-nodefaults", "-no-user-config", "-display", "none",
                                // A guest reset ends the run (as i8042 reset does in tailor-vmm);
                                // -S: start paused, released through QMP once we are listening.
                                "-no-reboot", "-S",
                                "-kernel", spec.kernel.string()};
  if (spec.initrd) {
    a.push_back("-initrd");
    a.push_back(spec.initrd->string());
  }
  a.insert(a.end(), {"-append", cmdline});
  a.insert(a.end(), {"-chardev", (spec.deterministic ? "pipe,id=con,path=" : "socket,id=con,path=") +
                                     qemu_escape(endpoints.console.string()),
                     "-serial", "chardev:con"});
  a.insert(a.end(), {"-chardev", "socket,id=ev,path=" + qemu_escape(endpoints.events.string()),
                     "-device", fmt::format("isa-debugcon,iobase={:#x},chardev=ev", TAILOR_PORT_EVENT)});
  a.insert(a.end(), {"-device", fmt::format("isa-debug-exit,iobase={:#x},iosize=0x04", TAILOR_PORT_EXIT)});
  // microvm has no keyboard controller, so a guest's reboot (which pulses the
  // reset line through it) would loop forever; pc has one already.
  if (is_microvm(spec)) a.insert(a.end(), {"-device", "i8042"});
  a.insert(a.end(), {"-chardev", "socket,id=qmp,path=" + qemu_escape(endpoints.qmp.string()),
                     "-mon", "chardev=qmp,mode=control"});
  // Optional devices: virtio over MMIO on microvm (as tailor-vmm), over PCI on pc.
  const std::string transport = is_microvm(spec) ? "device" : "pci";
  for (size_t i = 0; i < spec.disks.size(); ++i) {
    const auto& d = spec.disks[i];
    a.insert(a.end(), {"-drive", fmt::format("file={},format=raw,if=none,id=disk{}{}", qemu_escape(d.file.string()),
                                             i, d.read_only ? ",readonly=on" : ""),
                       "-device", fmt::format("virtio-blk-{},drive=disk{}", transport, i)});
  }
  for (size_t i = 0; i < spec.nets.size(); ++i) {
    const auto& n = spec.nets[i];
    a.insert(a.end(),
             {"-netdev",
              n.user ? user_netdev(n, i)
                     : fmt::format("tap,id=net{},ifname={},script=no,downscript=no", i, qemu_escape(n.tap)),
              "-device",
              fmt::format("virtio-net-{},netdev=net{}{}", transport, i, n.mac ? ",mac=" + *n.mac : std::string())});
  }
  // The stop channel: COM2 where Linux looks for it (ttyS1). microvm creates
  // one ISA serial port only, from -serial; this form works on both machines.
  if (spec.stop_channel)
    a.insert(a.end(), {"-chardev", "socket,id=stop,path=" + qemu_escape(endpoints.stop.string()),
                       "-device", fmt::format("isa-serial,chardev=stop,iobase={:#x},irq={}", TAILOR_STOP_SERIAL_PORT,
                                              TAILOR_STOP_SERIAL_IRQ)});
  // RDRAND as every KVM host CPU has it: without it the guest's RNG waits for
  // timer jitter (redis blocked in getrandom() for ~1 s of virtual time);
  // -seed makes its values the same on every run.
  if (spec.deterministic)
    a.insert(a.end(), {"-icount", "shift=0,sleep=off", "-rtc", "base=2000-01-01T00:00:00,clock=vm", "-seed", "1",
                       "-cpu", "qemu64,+rdrand"});
  a.insert(a.end(), spec.qemu_extra_args.begin(), spec.qemu_extra_args.end());
  return a;
}

QemuVerdict judge_qemu_ending(const QemuEnding& e, std::chrono::milliseconds timeout) {
  auto with_stderr = [&](std::string text) {
    if (!e.stderr_tail.empty()) text += ": " + e.stderr_tail;
    return text;
  };
  if (e.timed_out)
    return {Outcome::Timeout, e.status,
            fmt::format("no exit within the {:.3g} s timeout; QEMU was stopped", timeout.count() / 1000.0)};
  if (e.status) return {Outcome::AppExited, e.status, fmt::format("the app exited with status {}", *e.status)};
  if (e.signaled)
    return {Outcome::MonitorFailed, std::nullopt, with_stderr(fmt::format("QEMU was killed by signal {}", e.signal))};
  if (e.exit_code == 0) {
    if (e.shutdown_reason == "guest-shutdown")
      return {Outcome::GuestStopped, std::nullopt, "the guest powered off without reporting a status"};
    if (e.shutdown_reason == "guest-reset")
      return {Outcome::GuestStopped, std::nullopt,
              "the guest reset without reporting a status (a reboot, a panic with panic=-1, or a triple fault: "
              "QEMU does not tell these apart)"};
    if (e.shutdown_reason.rfind("host", 0) == 0)
      return {Outcome::MonitorFailed, std::nullopt, "QEMU was stopped from the host (" + e.shutdown_reason + ")"};
    return {Outcome::GuestStopped, std::nullopt,
            with_stderr("QEMU exited without a status from the guest" +
                        (e.shutdown_reason.empty() ? std::string() : " (" + e.shutdown_reason + ")"))};
  }
  // isa-debug-exit makes QEMU exit with (status << 1) | 1. Exit code 1 is also
  // QEMU's own failure code; its message on stderr tells the two apart.
  if ((e.exit_code & 1) && !(e.exit_code == 1 && !e.stderr_tail.empty())) {
    int status = e.exit_code >> 1;
    return {Outcome::AppExited, status,
            fmt::format("the app exited with status {} (from QEMU's exit code, which keeps only 7 bits; "
                        "the guest sent no 'S' event)",
                        status)};
  }
  return {Outcome::MonitorFailed, std::nullopt, with_stderr(fmt::format("QEMU exited with status {}", e.exit_code))};
}

BootResult run_qemu(const BootSpec& spec, const stdfs::path& qemu, const std::string& qemu_version,
                    const std::string& accel, const std::string& cmdline, RunReport& report) {
  const std::string detail = fmt::format("{}{}{} -M {}, {}", qemu.filename().string(), qemu_version.empty() ? "" : " ",
                                         qemu_version, spec.qemu_machine, accel);
  // Socket directories of runs killed too hard to clean up (SIGKILL) go first.
  for (const auto& left : abandoned_temps(stdfs::temp_directory_path(), ".tailor-qemu-")) {
    std::error_code ec;
    stdfs::remove_all(left, ec);
  }
  Interrupts interrupts;
  TempDir dir(stdfs::temp_directory_path() / fmt::format("tailor-qemu-{}", ::getpid()));
  QemuEndpoints ep{dir.path() / "con", dir.path() / "ev", dir.path() / "qmp",
                   spec.stop_channel ? dir.path() / "stop" : stdfs::path()};
  // The stop channel's socket: what the guest writes to COM2 is read and dropped.
  UniqueFd stop_listener = spec.stop_channel ? listen_unix(ep.stop) : UniqueFd(), stop_conn;
  int stop_signal = 0;  // the signal that asked the guest to stop, once one did
  Clock::time_point stop_deadline;
  std::array<UniqueFd, 3> listeners = {spec.deterministic ? UniqueFd() : listen_unix(ep.console),
                                       listen_unix(ep.events), listen_unix(ep.qmp)};
  // A deterministic boot's console is a FIFO, not a socket. QEMU's 16550
  // keeps its transmitter busy while a write to its chardev would block, and
  // the guest then polls the UART for as long as the host takes to read: host
  // time leaking into the guest's timeline. A socket blocks after a few
  // hundred one-byte writes (each is a buffer of its own); a FIFO of 1 MiB
  // holds more than a boot prints while we drain it. Opened read-write, so
  // that it reads as empty, not as closed, until QEMU has opened it.
  UniqueFd console_fifo;
  if (spec.deterministic) {
    for (const char* end : {".in", ".out"})
      if (::mkfifo((ep.console.string() + end).c_str(), 0600) != 0)
        throw Error(errno_message("QEMU backend: mkfifo " + ep.console.string() + end, errno),
                    exit_codes::kMonitorFailed);
    console_fifo.reset(::open((ep.console.string() + ".out").c_str(), O_RDWR | O_NONBLOCK | O_CLOEXEC));
    if (!console_fifo) throw Error(errno_message("QEMU backend: open console FIFO", errno), exit_codes::kMonitorFailed);
    ::fcntl(console_fifo.get(), F_SETPIPE_SZ, 1 << 20);  // best effort: the default 64 KiB is often enough
  }

  int pipefd[2];
  if (::pipe2(pipefd, O_CLOEXEC) != 0)
    throw Error(errno_message("QEMU backend: pipe", errno), exit_codes::kMonitorFailed);
  UniqueFd out_read(pipefd[0]);
  UniqueFd out_write(pipefd[1]);
  // The child's copy must not be close-on-exec: dup2 in the child clears the flag.
  ChildProcess child = start_qemu(qemu_arguments(spec, qemu, accel, cmdline, ep), out_write.get());
  out_write.reset();

  const bool has_deadline = spec.timeout.count() > 0;
  const Clock::time_point deadline = report.start() + spec.timeout;
  // Slots: 0 console, 1 events, 2 qmp (accepted from listeners), 3 QEMU's output.
  std::array<UniqueFd, 3> conn;
  std::array<bool, 4> open = {false, false, false, true};
  if (console_fifo) {
    conn[0] = std::move(console_fifo);
    open[0] = true;
  }
  std::string qemu_output;
  std::optional<QmpSession> session;
  bool timed_out = false;
  char buf[65536];

  for (;;) {
    std::array<pollfd, 8> pfds{};
    std::array<int, 8> what{};
    nfds_t n = 0;
    pfds[n] = {interrupts.fd(), POLLIN, 0};
    what[n++] = 20;
    for (int i = 0; i < 3; ++i) {
      if (!conn[i] && listeners[i]) {
        pfds[n] = {listeners[i].get(), POLLIN, 0};
        what[n++] = 10 + i;
      } else if (open[i]) {
        pfds[n] = {conn[i].get(), POLLIN, 0};
        what[n++] = i;
      }
    }
    if (open[3]) {
      pfds[n] = {out_read.get(), POLLIN, 0};
      what[n++] = 3;
    }
    if (stop_listener || stop_conn) {
      pfds[n] = {stop_conn ? stop_conn.get() : stop_listener.get(), POLLIN, 0};
      what[n++] = stop_conn ? 4 : 14;
    }
    // QEMU has exited: what is left in the console FIFO (which we hold open
    // ourselves, so it never reads as closed) is all there will be.
    if (spec.deterministic && !open[3] && open[0]) {
      for (ssize_t got; (got = ::read(conn[0].get(), buf, sizeof buf)) > 0;)
        report.console(std::string_view(buf, static_cast<size_t>(got)));
      open[0] = false;
      continue;
    }
    bool all_connected = conn[0] && conn[1] && conn[2];
    // Done when QEMU closed everything it had.
    if (!open[3] && (!all_connected || (!open[0] && !open[1] && !open[2]))) break;

    int wait_ms = -1;
    auto wait_until = [&](Clock::time_point until) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - Clock::now()).count();
      const int ms = static_cast<int>(std::max<long long>(0, left));
      wait_ms = wait_ms < 0 ? ms : std::min(wait_ms, ms);
    };
    if (has_deadline && !timed_out) wait_until(deadline);
    if (stop_signal) wait_until(stop_deadline);
    int r = ::poll(pfds.data(), n, wait_ms);
    if (r < 0) {
      if (errno == EINTR) continue;
      throw Error(errno_message("QEMU backend: poll", errno), exit_codes::kMonitorFailed);
    }
    if (r == 0) {
      if (stop_signal && Clock::now() >= stop_deadline)
        throw Error(fmt::format("the guest did not stop within {:.3g} s of the stop request (SIG{}); QEMU was stopped",
                                spec.stop_grace.count() / 1000.0, sigabbrev_np(stop_signal)),
                    128 + stop_signal);
      if (!has_deadline || Clock::now() < deadline) continue;
      timed_out = true;
      child.kill(SIGKILL);
      continue;
    }
    for (nfds_t k = 0; k < n; ++k) {
      if (!pfds[k].revents) continue;
      int w = what[k];
      if (w == 20) {
        // Leaving by exception: ChildProcess kills and reaps QEMU, TempDir removes the sockets.
        const int sig = interrupts.take();
        // The first signal asks the guest to stop, when it has a stop channel
        // (QEMU connected to it); a second one, or the grace time, stops it.
        if (sig && stop_conn && !stop_signal) {
          stop_signal = sig;
          stop_deadline = Clock::now() + spec.stop_grace;
          send_all(stop_conn.get(), TAILOR_STOP_REQUEST);
          report.notice(fmt::format("SIG{}: stopping the guest (Ctrl-C again to stop at once)", sigabbrev_np(sig)));
          continue;
        }
        if (sig)
          throw Error(fmt::format("interrupted by SIG{} ({}); QEMU was stopped",
                                  sigabbrev_np(sig) ? sigabbrev_np(sig) : "?", strsignal(sig)),
                      128 + sig);
        continue;
      }
      if (w == 14) {
        stop_conn.reset(::accept4(stop_listener.get(), nullptr, nullptr, SOCK_CLOEXEC));
        if (!stop_conn) throw Error(errno_message("QEMU backend: accept", errno), exit_codes::kMonitorFailed);
        stop_listener.reset();
        continue;
      }
      if (w == 4) {
        const ssize_t got = ::read(stop_conn.get(), buf, sizeof buf);
        if (got == 0 || (got < 0 && errno != EINTR && errno != EAGAIN)) stop_conn.reset();
        continue;
      }
      if (w >= 10) {
        int i = w - 10;
        conn[i].reset(::accept4(listeners[i].get(), nullptr, nullptr, SOCK_CLOEXEC));
        if (!conn[i]) throw Error(errno_message("QEMU backend: accept", errno), exit_codes::kMonitorFailed);
        open[i] = true;
        listeners[i].reset();
        if (i == 2) session.emplace(conn[2].get());
        continue;
      }
      int fd = w == 3 ? out_read.get() : conn[w].get();
      ssize_t got = ::read(fd, buf, sizeof buf);
      if (got < 0 && errno == EINTR) continue;
      if (got < 0 && errno == EAGAIN) continue;
      if (got <= 0) {
        open[w] = false;
        continue;
      }
      std::string_view bytes(buf, static_cast<size_t>(got));
      switch (w) {
        case 0: report.console(bytes); break;
        case 1:
          for (unsigned char c : bytes) report.event_byte(c);
          break;
        case 2: session->feed(bytes, report); break;
        case 3:
          qemu_output.append(bytes);
          if (qemu_output.size() > 65536) qemu_output.erase(0, qemu_output.size() - 65536);
          break;
      }
    }
  }

  int wstatus = child.wait();
  QemuEnding ending;
  ending.started = session && session->started();
  ending.timed_out = timed_out;
  ending.signaled = WIFSIGNALED(wstatus) && !timed_out;
  ending.signal = WIFSIGNALED(wstatus) ? WTERMSIG(wstatus) : 0;
  ending.exit_code = WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : -1;
  ending.shutdown_reason = session ? session->shutdown_reason() : std::string();
  ending.status = report.status();
  ending.stderr_tail = last_lines(qemu_output, 5);

  if (!ending.started && !timed_out) {
    std::string why = ending.stderr_tail.empty() ? fmt::format("exit status {}", ending.exit_code) : ending.stderr_tail;
    throw Error(fmt::format("QEMU could not start the guest: {}", why), exit_codes::kMonitorFailed);
  }
  if (!ending.signaled) report.mark_guest_exit();
  QemuVerdict v = judge_qemu_ending(ending, spec.timeout);
  if (v.status && !report.status()) report.exit_port_status(*v.status);
  return report.finish(Backend::Qemu, detail, v.outcome, v.detail);
}

}  // namespace tailor::runner
