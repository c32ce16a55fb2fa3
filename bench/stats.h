// Summary statistics for benchmark samples: medians and spread, computed the
// same way every time so that a report re-rendered from JSON is identical.
#pragma once

#include <cstddef>
#include <vector>

namespace tailor::bench {

struct Summary {
  std::size_t n = 0;
  double median = 0, min = 0, max = 0;
  double q1 = 0, q3 = 0;  // quartiles (linear interpolation between order statistics)
  double mean = 0;
};

// Summary of `samples` (any order). n == 0 for an empty input.
Summary summarize(std::vector<double> samples);

// The change of `variant` against `baseline` in percent, signed so that a
// positive number is a cost (slower, or less throughput): for lower-is-better
// metrics (median_v / median_b - 1) * 100, for higher-is-better
// (median_b / median_v - 1) * 100. `low`/`high` bound it using the quartiles
// of both (the pessimistic and optimistic pairings).
struct Change {
  double percent = 0, low = 0, high = 0;
};
Change relative_cost(const Summary& baseline, const Summary& variant, bool higher_is_better);

}  // namespace tailor::bench
