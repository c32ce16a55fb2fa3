// nested-kvm: the KVM-in-QEMU-TCG test harness (a reusable test tool).
// QEMU's TCG emulates AMD SVM, so an L1 Debian kernel under TCG can load
// kvm-amd and give real /dev/kvm to the programs in its initramfs. This tool
// builds that initramfs (busybox, the KVM modules, the files a plan names),
// boots it under QEMU through tailor's own QEMU backend, runs the plan's
// commands one after another inside L1, and writes what each printed and
// returned as JSON.
//
//   nested-kvm prepare                      fetch/unpack the L1 kernel into the cache
//   nested-kvm run PLAN.json -o RESULT.json run a plan (see tests/runner/README.md)
//   nested-kvm cpio OUT GUEST=HOST...       write a small initramfs (test guests)
#include <CLI/CLI.hpp>
#include <fmt/core.h>

#include <chrono>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <regex>

#include "common/cache_root.h"
#include "common/error.h"
#include "common/fs.h"
#include "common/subprocess.h"
#include "image-builder/initramfs_writer.h"
#include "image-builder/payload_tree.h"
#include "runner/runner.h"
#include "tests/runner/nested/l1_kernel.h"
#include "tests/runner/nested/l1_watch.h"

namespace {

using namespace tailor;
using namespace tailor::testing;
namespace stdfs = std::filesystem;
using json = nlohmann::json;

// Adds host file `host` at `guest` (parents are created, mode 0755); `mode` 0
// keeps the host file's mode.
void put_host_file(image::PayloadTree& tree, const std::string& guest, const stdfs::path& host, unsigned mode = 0) {
  image::PayloadNode node = image::host_file_node(host, "host " + host.string(), "nested-kvm");
  if (mode) node.mode = mode;
  tree.put(image::normalize_image_path("/" + guest), std::move(node));
}

void put_directory(image::PayloadTree& tree, const std::string& guest) {
  image::PayloadNode node;
  node.type = image::NodeType::Dir;
  node.mode = 0755;
  tree.put(image::normalize_image_path("/" + guest), std::move(node));
}

// While a case runs, L1 prints "@@NESTED-ALIVE <uptime>" this often; the
// watch (l1_watch.h) allows several missed beats before it calls L1 stuck.
constexpr int kHeartbeatSeconds = 5;

std::string shell_quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

// /init of L1: mount, load KVM, run each case with its output captured and
// sent back base64-encoded between markers (the console is a tty and may
// interleave kernel messages; markers and base64 survive both), power off.
std::string l1_init(const json& plan) {
  std::string s =
      "#!/bin/busybox sh\n"
      "/bin/busybox --install -s /bin\n"
      "export PATH=/bin\n"
      "mount -t proc proc /proc\n"
      "mount -t sysfs sysfs /sys\n"
      "mount -t devtmpfs devtmpfs /dev\n"
      "mkdir -p /tmp && mount -t tmpfs tmpfs /tmp\n"
      "echo 1 > /proc/sys/kernel/printk\n";
  for (const auto& m : l1_module_names()) {
    std::string args = m == "kvm-amd.ko" ? " npt=1" : "";
    s += fmt::format("insmod /lib/modules/{}{} || echo '@@NESTED-ERROR insmod {}'\n", m, args, m);
  }
  s += "echo \"@@NESTED-READY $(cat /proc/cpuinfo | grep -c '^processor')\"\n";
  for (const auto& c : plan.at("cases")) {
    const std::string name = c.at("name");
    std::string argv;
    for (const auto& a : c.at("argv")) argv += " " + shell_quote(a.get<std::string>());
    const int timeout = c.value("timeout_s", 120);
    s += fmt::format("echo '@@CASE-BEGIN {}'\n", name);
    s += fmt::format("start=$(cut -d' ' -f1 /proc/uptime)\n");
    // The heartbeat: while a case runs, L1 says it is alive every few
    // seconds (the case's own output only comes back at its end). It stops
    // before the output, which it must not interleave with.
    s += fmt::format("(while :; do sleep {}; echo \"@@NESTED-ALIVE $(cut -d' ' -f1 /proc/uptime)\"; done) & hb=$!\n",
                     kHeartbeatSeconds);
    s += fmt::format("timeout -s KILL {}{} > /tmp/out 2> /tmp/err < /dev/null; rc=$?\n", timeout, argv);
    s += "kill $hb; wait $hb 2>/dev/null\n";
    s += "end=$(cut -d' ' -f1 /proc/uptime)\n";
    s += "echo '@@CASE-STDOUT'; base64 /tmp/out; echo '@@CASE-STDERR'; base64 /tmp/err\n";
    s += fmt::format("echo \"@@CASE-END {} $rc $start $end\"\n", name);
  }
  // The console must drain before the power goes: the kernel's own "reboot:
  // Power down" bypasses the tty's buffer, and a host that reads slowly (a
  // loaded machine) lost the end of the last case's output and the
  // markers. Setting the console's own settings again goes through
  // tcsetattr(TCSADRAIN) (busybox stty), which waits until all is sent.
  s += "echo '@@NESTED-DONE'\nstty $(stty -g)\npoweroff -f\n";
  return s;
}

std::string base64_decode(const std::string& in) {
  static const std::string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  unsigned value = 0;
  int bits = 0;
  for (char c : in) {
    auto pos = alphabet.find(c);
    if (pos == std::string::npos) continue;  // '=', newlines, stray characters
    value = (value << 6) | static_cast<unsigned>(pos);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((value >> bits) & 0xff);
    }
  }
  return out;
}

// Parses the L1 console into per-case results.
json parse_console(const std::string& console) {
  json cases = json::array();
  json current;
  std::string section, out, err;
  bool ready = false, done = false;
  std::string errors;
  std::size_t pos = 0;
  static const std::regex end_re(R"(@@CASE-END (\S+) (-?\d+) ([0-9.]+) ([0-9.]+))");
  while (pos < console.size()) {
    std::size_t nl = console.find('\n', pos);
    std::string line = console.substr(pos, nl == std::string::npos ? std::string::npos : nl - pos);
    pos = nl == std::string::npos ? console.size() : nl + 1;
    while (!line.empty() && (line.back() == '\r')) line.pop_back();
    std::smatch m;
    if (line.rfind("@@NESTED-READY", 0) == 0) {
      ready = true;
    } else if (line.rfind("@@NESTED-ERROR", 0) == 0) {
      errors += line.substr(15) + "\n";
    } else if (line == "@@NESTED-DONE") {
      done = true;
    } else if (line.rfind("@@CASE-BEGIN ", 0) == 0) {
      current = json{{"name", line.substr(13)}};
      section.clear();
      out.clear();
      err.clear();
    } else if (line == "@@CASE-STDOUT" || line == "@@CASE-STDERR") {
      section = line;
    } else if (std::regex_match(line, m, end_re)) {
      current["exit_code"] = std::stoi(m[2]);
      current["seconds"] = std::stod(m[4]) - std::stod(m[3]);
      current["stdout"] = base64_decode(out);
      current["stderr"] = base64_decode(err);
      cases.push_back(current);
      section.clear();
    } else if (section == "@@CASE-STDOUT") {
      out += line;
    } else if (section == "@@CASE-STDERR") {
      err += line;
    }
  }
  return json{{"l1_ready", ready}, {"l1_done", done}, {"l1_errors", errors}, {"cases", cases}};
}

int run_plan(const stdfs::path& plan_path, const stdfs::path& out_path, const std::string& cache_dir, bool verbose) {
  const json plan = json::parse(read_file(plan_path), nullptr, false);
  if (plan.is_discarded() || !plan.contains("cases")) throw Error(plan_path.string() + ": not a plan (JSON with \"cases\")");
  const stdfs::path cache = cache_root(cache_dir);
  const json l1 = plan.value("l1", json::object());
  const std::string package = l1.value("package", std::string());
  L1Kernel kernel = prepare_l1_kernel(cache, package.empty() ? current_l1_package() : package);

  TempDir work(stdfs::temp_directory_path() / fmt::format("nested-kvm-{}", ::getpid()));
  const stdfs::path initrd = work.path() / "l1.cpio";
  {
    // The initramfs through the image builder's deterministic writer, uncompressed.
    image::PayloadTree tree;
    for (const char* d : {"bin", "dev", "proc", "sys", "tmp", "lib", "lib/modules"}) put_directory(tree, d);
    put_host_file(tree, "bin/busybox", "/bin/busybox", 0755);
    for (std::size_t i = 0; i < kernel.modules.size(); ++i)
      put_host_file(tree, "lib/modules/" + l1_module_names()[i], kernel.modules[i], 0644);
    for (const auto& f : plan.value("files", json::array())) {
      const std::string guest = f.at("guest");
      const stdfs::path host = f.at("host").get<std::string>();
      if (f.value("strip", false)) {
        // Debug info is most of a static binary's size; L1 has to unpack it.
        const stdfs::path stripped = work.path() / ("stripped-" + host.filename().string());
        run_capture({"strip", "--strip-debug", "-o", stripped.string(), host.string()});
        put_host_file(tree, guest, stripped, 0755);
      } else {
        put_host_file(tree, guest, host);
      }
    }
    write_file_atomic(work.path() / "init", l1_init(plan));
    put_host_file(tree, "init", work.path() / "init", 0755);
    image::write_initramfs(tree, image::Compression::None, initrd);
  }

  runner::BootSpec spec;
  spec.kernel = kernel.vmlinuz;
  spec.initrd = initrd;
  spec.cmdline = l1.value("cmdline", std::string("console=ttyS0 panic=-1 quiet loglevel=3"));
  spec.memory_mib = l1.value("mem_mib", 2048u);
  spec.cpus = l1.value("cpus", 1u);
  spec.timeout = std::chrono::seconds(l1.value("timeout_s", 600));
  spec.backend = runner::Backend::Qemu;
  spec.qemu_accel = "tcg";
  spec.qemu_machine = l1.value("machine", std::string("pc"));
  // An SVM-capable CPU model: without it kvm-amd finds no hardware support.
  spec.qemu_extra_args = {"-cpu", l1.value("cpu", std::string("EPYC"))};
  // QEMU's instruction counting for L1 and everything it runs: each guest
  // instruction, L2's included (TCG emulates them too), advances virtual time
  // by 1 ns, so a clock read in L2 counts instructions (bench/kml-null-syscall.sh).
  if (l1.value("icount", false))
    for (const char* a : {"-icount", "shift=0,sleep=off"}) spec.qemu_extra_args.push_back(a);
  const stdfs::path monitor = work.path() / "monitor";
  for (auto& a : L1Watch::monitor_args(monitor)) spec.qemu_extra_args.push_back(a);
  // How long L1 may print nothing: before it is ready (its boot prints
  // nothing, 5-40 s here under load), and while cases run (the heartbeat).
  const auto silence = std::chrono::seconds(l1.value("silence_s", 60));
  const auto boot_silence = std::chrono::seconds(l1.value("boot_silence_s", 240));
  std::optional<L1Watch> watch;
  std::string console;
  spec.console = [&](std::string_view bytes) {
    console.append(bytes);
    watch->heard(bytes);
    if (verbose) std::fwrite(bytes.data(), 1, bytes.size(), stderr);
  };
  spec.notice = [](const std::string&) {};
  // L1 (a Debian kernel under QEMU TCG, which emulates SVM) now and then
  // stops making progress altogether, before or while it runs a case: its
  // console goes silent and the case's own `timeout` (an L1 timer) never
  // fires. CI saw it as kml.stress_nested_kvm (2 vCPUs) silent for 600 s
  // after "@@CASE-BEGIN" with a 360 s case timeout, and runner.service_nested
  // silent for 1500 s with a 1200 s one. The watch stops such an L1 after
  // silence_s of silence, the heartbeat included, and keeps its CPU state.
  // Caught once in 24 runs of runner.service_nested: L1's only CPU halted
  // (HLT=1) with interrupts enabled (RFLAGS.IF) in the idle loop, its local
  // APIC timer expired (current count 0) and vector 236, Linux's local
  // timer, pending in the IRR (nothing in service, PPR 0x10). A deliverable
  // interrupt that never wakes a halted CPU is the emulator's fault (QEMU
  // TCG, seen only while L1 runs an L2), not anything L1's software or ours
  // can cause or cure.
  // Nothing a case does outlives L1 (it works on the initramfs's copies of
  // the plan's files), so booting L1 again and running every case again
  // reports only what that second run did: one more try, and the report
  // keeps the stuck attempt's state (l1_stuck). An L1 stuck twice fails; a
  // case that hangs while L1 stays alive is never retried (its timeout ends it).
  const auto t0 = std::chrono::steady_clock::now();
  runner::BootResult result;
  int attempts = 0;
  json stuck = json::array();
  for (;;) {
    console.clear();
    ++attempts;
    watch.emplace(monitor, boot_silence, silence, "@@NESTED-READY");
    result = runner::boot(spec);
    watch->stop();
    const bool ready = console.find("@@NESTED-READY") != std::string::npos;
    if (watch->fired())
      stuck.push_back({{"attempt", attempts},
                       {"silent_s", watch->silent_seconds()},
                       {"ready", ready},
                       {"state", watch->state()},
                       {"console_tail", console.size() > 3000 ? console.substr(console.size() - 3000) : console}});
    if (attempts >= 2 || (ready && !watch->fired())) break;
    const std::string why = watch->fired()
                                ? fmt::format("printed nothing for {:.0f} s (stuck)", watch->silent_seconds())
                                : fmt::format("never became ready ({})", runner::outcome_name(result.outcome));
    std::fprintf(stderr, "nested-kvm: L1 %s; booting it once more\n", why.c_str());
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

  json report = parse_console(console);
  report["l1_package"] = kernel.package;
  report["l1_outcome"] = std::string(runner::outcome_name(result.outcome));
  report["l1_detail"] = result.detail;
  report["l1_seconds"] = seconds;
  report["l1_attempts"] = attempts;
  if (!stuck.empty()) report["l1_stuck"] = stuck;
  if (watch->fired()) {
    report["l1_outcome"] = "stuck";
    report["l1_detail"] = fmt::format(
        "L1 printed nothing for {:.0f} s ({}): L1 itself made no progress (QEMU TCG), and was stopped; "
        "its CPU state is in l1_stuck",
        watch->silent_seconds(),
        report["l1_ready"].get<bool>() ? "no heartbeat while a case ran" : "before it became ready");
  }
  if (!report["l1_done"].get<bool>()) {
    // Show the end of the console: why L1 did not finish.
    report["l1_console_tail"] = console.size() > 6000 ? console.substr(console.size() - 6000) : console;
  }
  write_file_atomic(out_path, report.dump(2, ' ', false, json::error_handler_t::replace) + "\n");
  std::fprintf(stderr, "nested-kvm: L1 (%s) %s after %.1f s; %zu case(s) ran; results in %s\n", kernel.package.c_str(),
               report["l1_done"].get<bool>() ? "finished" : "did NOT finish", seconds, report["cases"].size(),
               out_path.c_str());
  for (const auto& c : report["cases"])
    std::fprintf(stderr, "  %-24s exit %3d  %6.2f s\n", c["name"].get<std::string>().c_str(), c["exit_code"].get<int>(),
                 c["seconds"].get<double>());
  if (watch->fired())
    std::fprintf(stderr, "nested-kvm: %s\n%s\n", report["l1_detail"].get<std::string>().c_str(),
                 watch->state().c_str());
  return report["l1_done"].get<bool>() ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"nested-kvm: run commands under real KVM inside a QEMU TCG guest (test harness)"};
  app.require_subcommand(1);
  std::string cache_dir, package, deb, plan, out;
  bool verbose = false;
  app.add_option("--cache", cache_dir, "Cache directory (default: tailor's cache)")->envname("TAILOR_CACHE");
  auto* prepare = app.add_subcommand("prepare", "Fetch and unpack the L1 kernel and KVM modules (cached)");
  prepare->add_option("--package", package, "Debian package (default: what linux-image-amd64 depends on)");
  prepare->add_option("--deb", deb, "Use this .deb instead of downloading");
  std::vector<std::string> entries;
  auto* cpio = app.add_subcommand("cpio", "Write an uncompressed cpio (newc) initramfs from host files (tailor's deterministic writer)");
  cpio->add_option("out", out, "Archive to write")->required();
  cpio->add_option("files", entries, "GUEST_PATH=HOST_FILE, in order (parent directories are added)")->required();
  auto* run = app.add_subcommand("run", "Boot L1 and run a plan's cases");
  run->add_option("plan", plan, "Plan file (JSON)")->required();
  run->add_option("-o,--out", out, "Result file (JSON)")->required();
  run->add_flag("-v,--verbose", verbose, "Copy L1's console to stderr");
  try {
    app.parse(argc, argv);
    if (*prepare) {
      auto k = tailor::testing::prepare_l1_kernel(tailor::cache_root(cache_dir),
                                                   package.empty() ? tailor::testing::current_l1_package() : package,
                                                   deb);
      std::printf("%s\n", k.vmlinuz.parent_path().c_str());
      return 0;
    }
    if (*cpio) {
      image::PayloadTree tree;
      for (const auto& e : entries) {
        const auto eq = e.find('=');
        if (eq == std::string::npos || eq == 0) throw Error("cpio: expected GUEST_PATH=HOST_FILE, got '" + e + "'");
        put_host_file(tree, e.substr(0, eq), e.substr(eq + 1));
      }
      image::write_initramfs(tree, image::Compression::None, out);
      return 0;
    }
    return run_plan(plan, out, cache_dir, verbose);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "nested-kvm: error: %s\n", e.what());
    return 2;
  }
}
