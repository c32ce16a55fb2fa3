// A manifest's [check]: did the run print what it should and exit as it should?
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "image-builder/manifest.h"

namespace tailor::image {

struct CheckOutcome {
  bool passed = false;
  std::vector<std::string> problems;  // one line each: what was missing or different
  std::string summary() const;        // "passed (...)" or the problems joined
};

// Compares a run with `check`. `console` is the guest's console text (CR LF
// line ends are fine); `status` is the app's exit status, or nullopt when the
// guest ended without reporting one (`how` then says what happened).
CheckOutcome evaluate_check(const CheckSpec& check, const std::string& console, std::optional<int> status,
                            const std::string& how = {});

}  // namespace tailor::image
