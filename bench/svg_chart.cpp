#include "bench/svg_chart.h"

#include <fmt/core.h>

#include <algorithm>
#include <cmath>

namespace tailor::bench {
namespace {

constexpr double kWidth = 720, kHeight = 400;
constexpr double kLeft = 80, kRight = 170, kTop = 40, kBottom = 70;
constexpr double kPlotW = kWidth - kLeft - kRight, kPlotH = kHeight - kTop - kBottom;
// A palette that stays readable in print and for common colour blindness.
const char* const kColors[] = {"#4477aa", "#ee6677", "#228833", "#ccbb44", "#66ccee", "#aa3377", "#bbbbbb"};

std::string esc(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '&') out += "&amp;";
    else if (c == '<') out += "&lt;";
    else if (c == '>') out += "&gt;";
    else if (c == '"') out += "&quot;";
    else out += c;
  }
  return out;
}

// A "nice" axis maximum and tick step covering [0, v].
std::pair<double, double> nice_axis(double v) {
  if (v <= 0 || !std::isfinite(v)) return {1, 0.2};
  double raw = v / 5;
  double mag = std::pow(10, std::floor(std::log10(raw)));
  double norm = raw / mag;
  double step = (norm <= 1 ? 1 : norm <= 2 ? 2 : norm <= 2.5 ? 2.5 : norm <= 5 ? 5 : 10) * mag;
  return {std::ceil(v / step) * step, step};
}

std::string tick_label(double v) {
  if (v != 0 && (std::fabs(v) >= 1e6 || std::fabs(v) < 1e-2)) return fmt::format("{:.2g}", v);
  if (std::fabs(v - std::round(v)) < 1e-9) return fmt::format("{:.0f}", v);
  return fmt::format("{:.2f}", v);
}

double max_value(const Chart& c) {
  double m = 0;
  for (const auto& s : c.series)
    for (const auto& p : s.points) m = std::max({m, p.median, p.high});
  return m;
}

std::string header(const Chart& c, double y_max, double y_step) {
  std::string out = fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{:.0f}\" height=\"{:.0f}\" viewBox=\"0 0 {:.0f} {:.0f}\" "
      "font-family=\"sans-serif\" font-size=\"12\">\n",
      kWidth, kHeight, kWidth, kHeight);
  out += fmt::format("<rect width=\"{:.0f}\" height=\"{:.0f}\" fill=\"white\"/>\n", kWidth, kHeight);
  out += fmt::format("<text x=\"{:.1f}\" y=\"22\" text-anchor=\"middle\" font-size=\"15\">{}</text>\n",
                     kLeft + kPlotW / 2, esc(c.title));
  for (double t = 0; t <= y_max + y_step / 2; t += y_step) {
    double y = kTop + kPlotH - t / y_max * kPlotH;
    out += fmt::format("<line x1=\"{:.1f}\" y1=\"{:.1f}\" x2=\"{:.1f}\" y2=\"{:.1f}\" stroke=\"#dddddd\"/>\n", kLeft,
                       y, kLeft + kPlotW, y);
    out += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"end\">{}</text>\n", kLeft - 6, y + 4,
                       tick_label(t));
  }
  out += fmt::format(
      "<text transform=\"translate(18 {:.1f}) rotate(-90)\" text-anchor=\"middle\">{}</text>\n", kTop + kPlotH / 2,
      esc(c.y_label));
  out += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"middle\">{}</text>\n", kLeft + kPlotW / 2,
                     kHeight - 12, esc(c.x_label));
  out += fmt::format("<line x1=\"{:.1f}\" y1=\"{:.1f}\" x2=\"{:.1f}\" y2=\"{:.1f}\" stroke=\"black\"/>\n", kLeft,
                     kTop + kPlotH, kLeft + kPlotW, kTop + kPlotH);
  return out;
}

std::string legend(const Chart& c) {
  std::string out;
  for (size_t i = 0; i < c.series.size(); ++i) {
    double y = kTop + 10 + static_cast<double>(i) * 20;
    out += fmt::format("<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"12\" height=\"12\" fill=\"{}\"/>\n",
                       kLeft + kPlotW + 14, y - 10, kColors[i % 7]);
    out += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\">{}</text>\n", kLeft + kPlotW + 32, y, esc(c.series[i].name));
  }
  return out;
}

std::string error_bar(double x, double y_low, double y_high) {
  return fmt::format(
      "<path d=\"M{:.1f} {:.1f}V{:.1f}M{:.1f} {:.1f}h8M{:.1f} {:.1f}h8\" stroke=\"black\" fill=\"none\"/>\n", x, y_low,
      y_high, x - 4, y_low, x - 4, y_high);
}

}  // namespace

std::string render_bar_chart(const Chart& c) {
  auto [y_max, y_step] = nice_axis(max_value(c));
  std::string out = header(c, y_max, y_step);
  const double groups = std::max<double>(1, static_cast<double>(c.categories.size()));
  const double group_w = kPlotW / groups;
  const double nseries = std::max<double>(1, static_cast<double>(c.series.size()));
  const double bar_w = group_w * 0.8 / nseries;
  // y_max = y_max: clang before 16 cannot capture a structured binding (the sanitizer build uses clang 14).
  auto y_of = [&, y_max = y_max](double v) { return kTop + kPlotH - v / y_max * kPlotH; };
  for (size_t g = 0; g < c.categories.size(); ++g) {
    double cx = kLeft + group_w * (static_cast<double>(g) + 0.5);
    out += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"middle\">{}</text>\n", cx, kTop + kPlotH + 18,
                       esc(c.categories[g]));
  }
  for (size_t s = 0; s < c.series.size(); ++s) {
    for (const auto& p : c.series[s].points) {
      double x0 = kLeft + group_w * p.x + group_w * 0.1 + bar_w * static_cast<double>(s);
      out += fmt::format("<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{:.1f}\" fill=\"{}\"/>\n", x0,
                         y_of(p.median), bar_w * 0.92, kTop + kPlotH - y_of(p.median), kColors[s % 7]);
      if (p.high > p.low) out += error_bar(x0 + bar_w * 0.46, y_of(p.low), y_of(p.high));
    }
  }
  out += legend(c);
  out += "</svg>\n";
  return out;
}

std::string render_line_chart(const Chart& c) {
  auto [y_max, y_step] = nice_axis(max_value(c));
  std::string out = header(c, y_max, y_step);
  double x_min = INFINITY, x_max = -INFINITY;
  auto tx = [&](double x) { return c.log2_x ? std::log2(std::max(x, 1e-9)) : x; };
  for (const auto& s : c.series)
    for (const auto& p : s.points) {
      x_min = std::min(x_min, tx(p.x));
      x_max = std::max(x_max, tx(p.x));
    }
  if (!std::isfinite(x_min)) x_min = 0, x_max = 1;
  if (x_max == x_min) x_max = x_min + 1;
  auto x_of = [&](double x) { return kLeft + 20 + (tx(x) - x_min) / (x_max - x_min) * (kPlotW - 40); };
  auto y_of = [&, y_max = y_max](double v) { return kTop + kPlotH - v / y_max * kPlotH; };
  std::vector<double> xs;
  for (const auto& s : c.series)
    for (const auto& p : s.points) xs.push_back(p.x);
  std::sort(xs.begin(), xs.end());
  xs.erase(std::unique(xs.begin(), xs.end()), xs.end());
  for (double x : xs)
    out += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"middle\">{}</text>\n", x_of(x),
                       kTop + kPlotH + 18, tick_label(x));
  for (size_t s = 0; s < c.series.size(); ++s) {
    std::string d;
    for (const auto& p : c.series[s].points)
      d += fmt::format("{}{:.1f} {:.1f}", d.empty() ? "M" : "L", x_of(p.x), y_of(p.median));
    out += fmt::format("<path d=\"{}\" stroke=\"{}\" stroke-width=\"2\" fill=\"none\"/>\n", d, kColors[s % 7]);
    for (const auto& p : c.series[s].points) {
      out += fmt::format("<circle cx=\"{:.1f}\" cy=\"{:.1f}\" r=\"3\" fill=\"{}\"/>\n", x_of(p.x), y_of(p.median),
                         kColors[s % 7]);
      if (p.high > p.low) out += error_bar(x_of(p.x), y_of(p.low), y_of(p.high));
    }
  }
  out += legend(c);
  out += "</svg>\n";
  return out;
}

}  // namespace tailor::bench
