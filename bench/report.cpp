#include "bench/report.h"

#include <fmt/core.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "bench/stats.h"
#include "bench/svg_chart.h"
#include "common/fs.h"

namespace tailor::bench {
namespace {

std::vector<std::string> workloads_in_order(const Study& s) {
  std::vector<std::string> out;
  for (const auto& m : s.measurements)
    if (std::find(out.begin(), out.end(), m.workload) == out.end()) out.push_back(m.workload);
  return out;
}

// Variant names in the study's declared order, then any others as they appear.
std::vector<std::string> variants_in_order(const Study& s, const std::string& workload) {
  std::vector<std::string> out;
  for (const auto& v : s.variants)
    for (const auto& m : s.measurements)
      if (m.workload == workload && m.variant == v.name) {
        out.push_back(v.name);
        break;
      }
  for (const auto& m : s.measurements)
    if (m.workload == workload && std::find(out.begin(), out.end(), m.variant) == out.end()) out.push_back(m.variant);
  return out;
}

std::vector<std::optional<int>> parameters_of(const Study& s, const std::string& workload) {
  std::set<std::optional<int>> ps;
  for (const auto& m : s.measurements)
    if (m.workload == workload) ps.insert(m.parameter);
  return {ps.begin(), ps.end()};
}

const Measurement* find(const Study& s, const std::string& workload, const std::string& variant,
                        const std::optional<int>& parameter) {
  for (const auto& m : s.measurements)
    if (m.workload == workload && m.variant == variant && m.parameter == parameter) return &m;
  return nullptr;
}

std::string slug(const std::string& s) {
  std::string out;
  for (char c : s) out += std::isalnum(static_cast<unsigned char>(c)) ? c : '-';
  return out;
}

std::string cell(const Measurement* m) {
  if (m != nullptr && m->skipped()) return m->note;
  if (m == nullptr || m->samples.empty()) return m && !m->errors.empty() ? "failed" : "–";
  Summary s = summarize(m->samples);
  std::string text = format_value(s.median);
  if (s.n > 1) text += fmt::format(" [{}–{}]", format_value(s.q1), format_value(s.q3));
  text += fmt::format(" (n={})", s.n);
  if (!m->complete()) text += " *";
  return text;
}

Chart chart_for(const Study& s, const std::string& workload) {
  Chart c;
  auto params = parameters_of(s, workload);
  const Measurement* any = nullptr;
  for (const auto& m : s.measurements)
    if (m.workload == workload) {
      any = &m;
      break;
    }
  c.title = workload;
  c.y_label = any ? any->metric + (any->higher_is_better ? " (higher is better)" : " (lower is better)") : "";
  const bool lines = params.size() > 1 && params.front().has_value();
  for (const auto& v : variants_in_order(s, workload)) {
    ChartSeries series{v, {}};
    for (size_t i = 0; i < params.size(); ++i) {
      const Measurement* m = find(s, workload, v, params[i]);
      if (m == nullptr || m->samples.empty()) continue;
      Summary sum = summarize(m->samples);
      series.points.push_back({lines ? static_cast<double>(*params[i]) : static_cast<double>(i), sum.median, sum.q1,
                               sum.q3});
    }
    c.series.push_back(std::move(series));
  }
  if (lines) {
    c.x_label = any && !any->parameter_name.empty() ? any->parameter_name : "parameter";
    bool powers = std::all_of(params.begin(), params.end(), [](const auto& p) { return *p > 0 && (*p & (*p - 1)) == 0; });
    c.log2_x = powers;
  } else {
    for (const auto& p : params) c.categories.push_back(p ? std::to_string(*p) : workload);
  }
  return c;
}

}  // namespace

std::string format_value(double v) {
  double a = std::fabs(v);
  if (a >= 1000 || a == 0) return fmt::format("{:.0f}", v);
  if (a >= 100) return fmt::format("{:.1f}", v);
  if (a >= 1) return fmt::format("{:.2f}", v);
  return fmt::format("{:.3g}", v);
}

std::string report_markdown(const Study& s) {
  std::string md = "# " + (s.title.empty() ? "tailor bench " + s.name : s.title) + "\n\n";
  md += fmt::format("Study `{}`, mode `{}`. Raw samples: `results.json`; re-render with `tailor bench report DIR`.\n\n",
                    s.name, s.mode);
  md += "## Machine and backend\n\n";
  for (const auto& [k, v] : s.machine.items()) md += fmt::format("- {}: {}\n", k, v.is_string() ? v.get<std::string>() : v.dump());
  for (const auto& [k, v] : s.backend.items())
    if (k != "meaningful" && k != "why") md += fmt::format("- backend {}: {}\n", k, v.is_string() ? v.get<std::string>() : v.dump());
  md += "\n";
  if (s.backend.contains("meaningful") && !s.backend.value("meaningful", true)) {
    md += "> **These timings do not answer the question on this machine.** " + s.backend.value("why", std::string()) +
          " The study ran end to end so that the same command on a real KVM host gives the real answer.\n\n";
  }
  md += "## Variants\n\n| variant | what | details |\n|---|---|---|\n";
  for (const auto& v : s.variants) {
    std::string details;
    for (const auto& [k, val] : v.details.items())
      details += (details.empty() ? "" : "; ") + k + ": " + (val.is_string() ? val.get<std::string>() : val.dump());
    md += fmt::format("| {} | {} | {} |\n", v.name, v.description, details);
  }
  md += "\n## Results\n\nMedian [first–third quartile] (number of samples); * = fewer samples than asked.\n\n";
  for (const auto& w : workloads_in_order(s)) {
    auto variants = variants_in_order(s, w);
    auto params = parameters_of(s, w);
    const Measurement* first = nullptr;
    for (const auto& m : s.measurements)
      if (m.workload == w) {
        first = &m;
        break;
      }
    md += fmt::format("### {} ({}, {} is better)\n\n", w, first->metric, first->higher_is_better ? "higher" : "lower");
    std::string head = "| " + (params.front() ? (first->parameter_name.empty() ? "parameter" : first->parameter_name) : "") + " |";
    std::string rule = "|---|";
    for (const auto& v : variants) {
      head += " " + v + " |";
      rule += "---|";
    }
    md += head + "\n" + rule + "\n";
    for (const auto& p : params) {
      md += "| " + (p ? std::to_string(*p) : std::string("")) + " |";
      for (const auto& v : variants) md += " " + cell(find(s, w, v, p)) + " |";
      md += "\n";
    }
    md += fmt::format("\n![{}](charts/{}.svg)\n\n", w, slug(w));
  }
  if (!s.comparisons.empty()) {
    md += "## Comparisons\n\nCost in percent (positive: the variant is slower or does less work); the range pairs the "
          "quartiles of both sides.\n\n";
    for (const auto& c : s.comparisons) {
      md += fmt::format("### {}\n\n`{}` against `{}`\n\n", c.title, c.variant, c.baseline);
      std::string rows;
      for (const auto& w : workloads_in_order(s))
        for (const auto& p : parameters_of(s, w)) {
          const Measurement* b = find(s, w, c.baseline, p);
          const Measurement* v = find(s, w, c.variant, p);
          if (!b || !v || b->samples.empty() || v->samples.empty()) continue;
          Change ch = relative_cost(summarize(b->samples), summarize(v->samples), b->higher_is_better);
          rows += fmt::format("| {} | {} | {:+.1f}% | {:+.1f}% … {:+.1f}% |\n", w, p ? std::to_string(*p) : "", ch.percent,
                              ch.low, ch.high);
        }
      md += rows.empty() ? std::string("No workload has samples on both sides.\n\n")
                         : "| workload | parameter | cost | range |\n|---|---|---|---|\n" + rows + "\n";
    }
  }
  std::string problems;
  for (const auto& m : s.measurements) {
    for (const auto& e : m.errors) problems += fmt::format("- `{}`: {}\n", m.id(), e);
    if (!m.complete())
      problems += fmt::format("- `{}`: {} of {} samples\n", m.id(), m.samples.size(), m.target_samples);
  }
  if (!problems.empty()) md += "## Incomplete or failed runs\n\n" + problems + "\n";
  if (!s.notes.empty()) {
    md += "## Notes\n\n";
    for (const auto& n : s.notes) md += "- " + n + "\n";
    md += "\n";
  }
  return md;
}

std::vector<std::filesystem::path> render_report(const Study& s, const std::filesystem::path& dir) {
  std::vector<std::filesystem::path> written;
  for (const auto& w : workloads_in_order(s)) {
    Chart c = chart_for(s, w);
    bool lines = !c.categories.empty() ? false : true;
    auto path = dir / "charts" / (slug(w) + ".svg");
    write_file_atomic(path, lines ? render_line_chart(c) : render_bar_chart(c));
    written.push_back(path);
  }
  write_file_atomic(dir / "report.md", report_markdown(s));
  written.push_back(dir / "report.md");
  return written;
}

}  // namespace tailor::bench
