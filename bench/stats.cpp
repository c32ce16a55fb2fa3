#include "bench/stats.h"

#include <algorithm>
#include <numeric>

namespace tailor::bench {
namespace {

// Quantile of sorted data, linear interpolation between closest ranks.
double quantile(const std::vector<double>& sorted, double q) {
  if (sorted.size() == 1) return sorted[0];
  double pos = q * static_cast<double>(sorted.size() - 1);
  auto lo = static_cast<std::size_t>(pos);
  std::size_t hi = std::min(lo + 1, sorted.size() - 1);
  double frac = pos - static_cast<double>(lo);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * frac;
}

double cost(double base, double value, bool higher_is_better) {
  if (higher_is_better) return value == 0 ? 0 : (base / value - 1) * 100;
  return base == 0 ? 0 : (value / base - 1) * 100;
}

}  // namespace

Summary summarize(std::vector<double> samples) {
  Summary s;
  s.n = samples.size();
  if (samples.empty()) return s;
  std::sort(samples.begin(), samples.end());
  s.min = samples.front();
  s.max = samples.back();
  s.median = quantile(samples, 0.5);
  s.q1 = quantile(samples, 0.25);
  s.q3 = quantile(samples, 0.75);
  s.mean = std::accumulate(samples.begin(), samples.end(), 0.0) / static_cast<double>(samples.size());
  return s;
}

Change relative_cost(const Summary& b, const Summary& v, bool higher_is_better) {
  Change c;
  c.percent = cost(b.median, v.median, higher_is_better);
  double a1 = cost(b.q1, v.q3, higher_is_better), a2 = cost(b.q3, v.q1, higher_is_better);
  c.low = std::min(a1, a2);
  c.high = std::max(a1, a2);
  return c;
}

}  // namespace tailor::bench
