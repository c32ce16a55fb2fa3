#include "bench/study_runner.h"

#include <fmt/core.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <map>

#include "bench/report.h"
#include "common/error.h"

namespace tailor::bench {

namespace stdfs = std::filesystem;

// The x86 kernel command line holds 2048 bytes; leave room for the image's.
constexpr std::size_t kPlanChars = 1400;

StudyRun::StudyRun(Study& study, stdfs::path dir, Progress& progress)
    : study_(study), dir_(std::move(dir)), progress_(progress) {}

std::vector<PlanStep> StudyRun::missing(const std::vector<StepKey>& keys) {
  std::vector<std::pair<std::string, int>> need;  // measurement id, samples still missing
  int rounds = 0;
  for (const auto& k : keys) {
    Measurement& m = study_.measurement(k.key);
    const int missing = std::max(0, m.target_samples - static_cast<int>(m.samples.size()));
    need.emplace_back(m.id(), missing);
    rounds = std::max(rounds, missing);
  }
  std::vector<PlanStep> steps;
  for (int r = 0; r < rounds; ++r)
    for (std::size_t i = 0; i < keys.size(); ++i)
      if (need[i].second > r) steps.push_back({keys[i].kind, keys[i].arg, need[i].first});
  return steps;
}

void StudyRun::save() { save_study(study_, dir_); }

void StudyRun::show_progress(const std::string& detail) {
  long done = 0, total = 0;
  for (const auto& m : study_.measurements) {
    total += m.target_samples;
    done += std::min<long>(m.samples.size(), m.target_samples);
  }
  progress_.update(study_.name, total ? static_cast<int>(done * 100 / total) : -1,
                   fmt::format("{}/{} samples; {}", done, total, detail));
}

runner::BootSpec captured_boot(const GuestImage& guest, std::chrono::milliseconds timeout) {
  runner::BootSpec spec = runner::boot_spec_for(guest);
  spec.timeout = timeout;
  spec.capture_console = true;
  spec.console = [](std::string_view) {};
  spec.notice = [](const std::string&) {};
  return spec;
}

int StudyRun::run(const std::string& variant, const GuestImage& image, const BootSettings& settings,
                  const std::vector<PlanStep>& steps) {
  auto find_measurement = [&](const std::string& id) -> Measurement& {
    for (auto& m : study_.measurements)
      if (m.id() == id) return m;
    throw Error("internal: no measurement " + id);
  };
  stdfs::create_directories(dir_ / "logs");
  int failed = 0;
  for (const auto& batch : batch_steps(steps, kPlanChars)) {
    std::string cmdline = image.cmdline;
    for (const auto& extra : settings.cmdline_extra) cmdline += " " + extra;
    cmdline += " tailor.plan=" + plan_argument(batch);
    double budget = settings.boot_budget_s;
    for (const auto& s : batch) budget += settings.step_budget_s(s);

    std::ofstream log(dir_ / "logs" / (variant + ".log"), std::ios::app);
    log << "==== boot: " << settings.cpus << " vCPU(s), cmdline: " << cmdline << "\n";
    int seen = 0;
    ConsoleSteps console([&](const StepOutput& out) {
      if (out.index < 0 || out.index >= static_cast<int>(batch.size())) return;
      const PlanStep& step = batch[out.index];
      Measurement& m = find_measurement(step.measurement);
      std::string why;
      if (auto v = step_value(step, out, &why)) {
        m.samples.push_back(*v);
      } else {
        m.errors.push_back(why);
        ++failed;
      }
      ++seen;
      save();
      show_progress(variant + ": " + step.text());
    });
    runner::BootSpec spec = runner::boot_spec_for(image);
    spec.cmdline = cmdline;
    spec.cpus = settings.cpus;
    spec.backend = settings.backend;
    spec.qemu_machine = settings.qemu_machine;
    spec.timeout = std::chrono::milliseconds(static_cast<long long>(budget * 1000));
    spec.console = [&](std::string_view chunk) {
      log << chunk;
      console.feed(chunk);
    };
    spec.notice = [&](const std::string& line) { log << "\n[tailor notice] " << line << "\n"; };
    show_progress(variant + ": booting");
    runner::BootResult r = runner::boot(spec);
    backend_detail_ = r.backend_detail;
    log << "\n==== ended: " << runner::outcome_name(r.outcome) << ": " << r.detail << "\n";
    log.flush();
    if (!console.plan_done()) {
      // The guest ended before its plan did: charge the step it was running
      // (or the next one) with the reason, keep everything else.
      const int at = console.running() >= 0 ? console.running() : std::min<int>(seen, batch.size() - 1);
      const PlanStep& step = batch[at];
      std::string reason = fmt::format("the guest ended during step {} ({}: {}{})", step.text(),
                                       runner::outcome_name(r.outcome), r.detail,
                                       r.outcome == runner::Outcome::Timeout
                                           ? fmt::format(" after {:.0f} s", budget)
                                           : std::string());
      find_measurement(step.measurement).errors.push_back(reason);
      save();
      progress_.clear();
      throw Error(fmt::format("{}: variant {}: {}\nlast console lines:\n{}samples taken so far are kept in {}; rerun "
                              "the same command to continue (console log: {})",
                              study_.name, variant, reason, console.tail(8), (dir_ / "results.json").string(),
                              (dir_ / "logs" / (variant + ".log")).string()));
    }
  }
  return failed;
}

Study open_study(const stdfs::path& dir, Study fresh, bool restart) {
  if (restart) return fresh;
  std::optional<Study> old = load_study(dir);
  if (!old) return fresh;
  const std::string where = (dir / "results.json").string();
  if (old->name != fresh.name)
    throw Error(fmt::format("{} holds the results of study '{}', not '{}': use another -o DIR", where, old->name,
                            fresh.name));
  for (const auto& v : fresh.variants) {
    const Variant* o = old->find_variant(v.name);
    if (o == nullptr) continue;
    // What decides the numbers must be the same, or the samples do not mix.
    for (const char* key : {"kernel_key", "cmdline", "cpus", "backend"}) {
      if (v.details.contains(key) && o->details.contains(key) && v.details.at(key) != o->details.at(key))
        throw Error(fmt::format("{}: variant {} was measured with another {} ({} then, {} now): rerun with --restart to "
                                "discard those samples, or use another -o DIR",
                                where, v.name, key, o->details.at(key).dump(), v.details.at(key).dump()));
    }
  }
  // Keep the samples; take everything else (variants, mode, notes) from now.
  fresh.measurements = std::move(old->measurements);
  return fresh;
}

void check_study_dir(const stdfs::path& dir, const std::string& study, bool restart) {
  if (restart) return;
  std::optional<Study> old = load_study(dir);
  if (old && old->name != study)
    throw Error(fmt::format("{} holds the results of study '{}', not '{}': use another -o DIR",
                            (dir / "results.json").string(), old->name, study));
}

void require_complete(const Study& study, const stdfs::path& dir) {
  std::string problems;
  int count = 0;
  for (const auto& m : study.measurements) {
    if (m.skipped()) continue;
    if (!m.complete()) {
      ++count;
      problems += fmt::format("  {}: {} of {} samples{}\n", m.id(), m.samples.size(), m.target_samples,
                              m.errors.empty() ? std::string() : "; last error: " + m.errors.back());
    }
  }
  if (count == 0) return;
  throw Error(fmt::format("{}: {} measurement(s) incomplete:\n{}samples taken are kept in {}; the report shows what "
                          "there is; rerun the same command to retry the missing ones",
                          study.name, count, problems, (dir / "results.json").string()));
}

void measure_then_report(Study& study, const std::filesystem::path& dir, Progress& progress,
                         const std::function<void()>& measure) {
  try {
    measure();
  } catch (const Error&) {
    progress.clear();
    render_report(study, dir);
    throw;
  }
  progress.clear();
  render_report(study, dir);
  require_complete(study, dir);
}

}  // namespace tailor::bench
