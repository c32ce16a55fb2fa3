// Renders a study (results.json) into a readable report: DIR/report.md with
// tables, comparisons and charts (DIR/charts/*.svg). Deterministic: the same
// JSON gives the same bytes, so `tailor bench report DIR` reproduces a report.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "bench/study.h"

namespace tailor::bench {

// Writes report.md and charts/*.svg under `dir`; returns the files written.
std::vector<std::filesystem::path> render_report(const Study& study, const std::filesystem::path& dir);

// The Markdown text alone (charts referenced as charts/<workload>.svg).
std::string report_markdown(const Study& study);

// Formats a number with a precision suited to its size ("1234", "12.3", "0.0123").
std::string format_value(double v);

}  // namespace tailor::bench
