#include "bench/study.h"

#include <sys/utsname.h>
#include <unistd.h>

#include <fstream>
#include <thread>

#include "bench/stats.h"
#include "common/error.h"
#include "common/fs.h"

namespace tailor::bench {

Measurement Measurement::wanted(std::string workload, std::string variant, std::string metric, bool higher_is_better,
                                int target_samples) {
  Measurement m;
  m.workload = std::move(workload);
  m.variant = std::move(variant);
  m.metric = std::move(metric);
  m.higher_is_better = higher_is_better;
  m.target_samples = target_samples;
  return m;
}

std::string Measurement::id() const {
  std::string s = workload + "/" + variant;
  if (parameter) s += "/" + (parameter_name.empty() ? std::string("p") : parameter_name) + "=" + std::to_string(*parameter);
  return s;
}

Measurement& Study::measurement(const Measurement& key) {
  const std::string id = key.id();
  for (auto& m : measurements)
    if (m.id() == id) {
      m.target_samples = key.target_samples;  // a rerun in another mode asks for more or fewer
      m.note = key.note;
      return m;
    }
  measurements.push_back(key);
  measurements.back().samples.clear();
  measurements.back().errors.clear();
  return measurements.back();
}

const Variant* Study::find_variant(const std::string& name) const {
  for (const auto& v : variants)
    if (v.name == name) return &v;
  return nullptr;
}

nlohmann::json to_json(const Study& s) {
  nlohmann::json j;
  j["format"] = "tailor-bench-v1";
  j["study"] = s.name;
  j["title"] = s.title;
  j["mode"] = s.mode;
  j["machine"] = s.machine;
  j["backend"] = s.backend;
  j["variants"] = nlohmann::json::array();
  for (const auto& v : s.variants)
    j["variants"].push_back({{"name", v.name}, {"description", v.description}, {"details", v.details}});
  j["measurements"] = nlohmann::json::array();
  for (const auto& m : s.measurements) {
    nlohmann::json mj = {{"id", m.id()},
                         {"workload", m.workload},
                         {"variant", m.variant},
                         {"metric", m.metric},
                         {"higher_is_better", m.higher_is_better},
                         {"target_samples", m.target_samples},
                         {"samples", m.samples},
                         {"errors", m.errors}};
    if (!m.note.empty()) mj["note"] = m.note;
    if (!m.samples.empty()) {
      // Derived from the samples (study_from_json ignores it): for readers of
      // the JSON who want the numbers the report shows.
      const Summary sum = summarize(m.samples);
      mj["summary"] = {{"n", sum.n},     {"median", sum.median}, {"q1", sum.q1},    {"q3", sum.q3},
                       {"min", sum.min}, {"max", sum.max},       {"mean", sum.mean}};
    }
    if (m.parameter) {
      mj["parameter"] = *m.parameter;
      mj["parameter_name"] = m.parameter_name;
    }
    j["measurements"].push_back(mj);
  }
  j["comparisons"] = nlohmann::json::array();
  for (const auto& c : s.comparisons)
    j["comparisons"].push_back({{"title", c.title}, {"baseline", c.baseline}, {"variant", c.variant}});
  j["notes"] = s.notes;
  return j;
}

Study study_from_json(const nlohmann::json& j, const std::string& where) {
  auto field = [&](const nlohmann::json& obj, const char* name, const std::string& ctx) -> const nlohmann::json& {
    if (!obj.is_object() || !obj.contains(name))
      throw Error(where + ": " + ctx + "missing field '" + name + "'");
    return obj.at(name);
  };
  try {
    if (j.value("format", "") != "tailor-bench-v1")
      throw Error(where + ": not a tailor benchmark result (field 'format' is not \"tailor-bench-v1\")");
    Study s;
    s.name = field(j, "study", "").get<std::string>();
    s.title = j.value("title", "");
    s.mode = j.value("mode", "");
    s.machine = j.value("machine", nlohmann::json::object());
    s.backend = j.value("backend", nlohmann::json::object());
    for (const auto& v : field(j, "variants", ""))
      s.variants.push_back({field(v, "name", "variant: ").get<std::string>(), v.value("description", ""),
                            v.value("details", nlohmann::json::object())});
    size_t index = 0;
    for (const auto& mj : field(j, "measurements", "")) {
      std::string ctx = "measurements[" + std::to_string(index++) + "]: ";
      Measurement m;
      m.workload = field(mj, "workload", ctx).get<std::string>();
      m.variant = field(mj, "variant", ctx).get<std::string>();
      m.metric = field(mj, "metric", ctx).get<std::string>();
      m.higher_is_better = mj.value("higher_is_better", false);
      m.target_samples = mj.value("target_samples", 1);
      m.samples = field(mj, "samples", ctx).get<std::vector<double>>();
      m.errors = mj.value("errors", std::vector<std::string>{});
      m.note = mj.value("note", "");
      if (mj.contains("parameter")) {
        m.parameter = mj.at("parameter").get<int>();
        m.parameter_name = mj.value("parameter_name", "");
      }
      s.measurements.push_back(std::move(m));
    }
    for (const auto& c : j.value("comparisons", nlohmann::json::array()))
      s.comparisons.push_back({c.value("title", ""), c.value("baseline", ""), c.value("variant", "")});
    s.notes = j.value("notes", std::vector<std::string>{});
    return s;
  } catch (const nlohmann::json::exception& e) {
    throw Error(where + ": malformed benchmark result: " + e.what());
  }
}

void save_study(const Study& study, const std::filesystem::path& dir) {
  write_file_atomic(dir / "results.json", to_json(study).dump(2) + "\n");
}

std::optional<Study> load_study(const std::filesystem::path& dir) {
  const auto path = dir / "results.json";
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return std::nullopt;
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(read_file(path));
  } catch (const nlohmann::json::parse_error& e) {
    throw Error(path.string() + ": not valid JSON: " + e.what());
  }
  return study_from_json(j, path.string());
}

nlohmann::json describe_machine() {
  nlohmann::json m;
  char host[256] = {};
  ::gethostname(host, sizeof host - 1);
  m["host"] = host;
  m["cpus"] = std::thread::hardware_concurrency();
  utsname u{};
  if (::uname(&u) == 0) m["host_kernel"] = std::string(u.sysname) + " " + u.release + " " + u.machine;
  std::ifstream cpuinfo("/proc/cpuinfo");
  std::string line;
  while (std::getline(cpuinfo, line)) {
    if (line.rfind("model name", 0) == 0) {
      m["cpu_model"] = line.substr(line.find(':') + 2);
      break;
    }
  }
  return m;
}

}  // namespace tailor::bench
