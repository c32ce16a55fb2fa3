// A study's results: what was run (variants: kernels, configs, command lines,
// backend) and every raw sample, kept in DIR/results.json. Saved after each
// sample, so an interrupted study keeps what it measured and resumes there.
#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace tailor::bench {

// One way of running the workloads: a kernel, a machine shape, a backend.
struct Variant {
  std::string name;         // "nosmp-1cpu"
  std::string description;  // "non-SMP kernel on 1 vCPU"
  nlohmann::json details;   // kernel key, config path, cmdline, cpus, backend, image sizes, ...
};

// One metric of one workload under one variant (and parameter).
struct Measurement {
  std::string workload;           // "futex"
  std::string variant;            // Variant::name
  std::optional<int> parameter;   // e.g. workers; charts put it on the x axis
  std::string parameter_name;     // "workers"
  std::string metric;             // "ops/s", "ns/call", "ms", "bytes"
  bool higher_is_better = false;
  int target_samples = 1;         // how many the study's mode asks for
  std::vector<double> samples;    // every raw sample, in the order taken
  std::vector<std::string> errors;  // failed attempts, one line each
  // Why this point has no samples by design ("not built in quick mode");
  // shown in the report instead of a value. Empty for a normal measurement.
  std::string note;

  // A measurement still to take: what, of which variant, in which unit, and
  // how many samples the study's mode asks for.
  static Measurement wanted(std::string workload, std::string variant, std::string metric, bool higher_is_better,
                            int target_samples);

  // "futex/nosmp-1cpu/workers=64": unique within a study.
  std::string id() const;
  bool skipped() const { return !note.empty() && samples.empty(); }
  bool complete() const { return skipped() || static_cast<int>(samples.size()) >= target_samples; }
};

// A question the report answers: the cost of `variant` against `baseline`.
struct Comparison {
  std::string title;     // "Cost of SMP support (SMP kernel vs non-SMP, 1 vCPU)"
  std::string baseline;  // variant names
  std::string variant;
};

struct Study {
  std::string name;   // "smp", "kml", "size", "boot"
  std::string title;
  std::string mode;   // "quick" or "full"
  nlohmann::json machine;  // host, CPUs, CPU model, host kernel
  // Where timings came from and whether they mean anything for the question:
  // {"name": "qemu-tcg", "meaningful": false, "why": "..."}.
  nlohmann::json backend;
  std::vector<Variant> variants;
  std::vector<Measurement> measurements;
  std::vector<Comparison> comparisons;
  std::vector<std::string> notes;  // extra lines for the report

  // The measurement with this identity, created (with `target`) if missing.
  Measurement& measurement(const Measurement& key);
  const Variant* find_variant(const std::string& name) const;
};

nlohmann::json to_json(const Study& study);
// Throws Error naming the file and the field on malformed input.
Study study_from_json(const nlohmann::json& j, const std::string& where);

// DIR/results.json, written atomically.
void save_study(const Study& study, const std::filesystem::path& dir);
// Reads DIR/results.json; nullopt when the file does not exist.
std::optional<Study> load_study(const std::filesystem::path& dir);

// This host, for the record: hostname, CPUs, CPU model, kernel release.
nlohmann::json describe_machine();

}  // namespace tailor::bench
