// Small, dependency-free SVG charts for benchmark reports: grouped bars and
// lines with quartile error bars. Same data, same bytes.
#pragma once

#include <string>
#include <vector>

namespace tailor::bench {

struct ChartPoint {
  double x = 0;  // category index (bars) or parameter value (lines)
  double median = 0, low = 0, high = 0;  // low/high: error bar (quartiles)
};

struct ChartSeries {
  std::string name;
  std::vector<ChartPoint> points;
};

struct Chart {
  std::string title;
  std::string y_label;
  std::string x_label;
  std::vector<std::string> categories;  // bar charts: one label per x index
  std::vector<ChartSeries> series;
  bool log2_x = false;                  // line charts over 1, 2, 4, ... workers
};

// Bars: one group per category, one bar per series, error bars at low/high.
std::string render_bar_chart(const Chart& chart);
// Lines: x from the points' x values, one polyline per series, error bars.
std::string render_line_chart(const Chart& chart);

}  // namespace tailor::bench
