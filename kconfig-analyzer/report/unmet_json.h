// Internal to report/: the "unmet" array both report.json and the union's
// report.json carry, written once.
#pragma once

#include <nlohmann/json.hpp>
#include <vector>

#include "kconfig-analyzer/knowledge/condition.h"
#include "kconfig-analyzer/minimizer/minimizer.h"

namespace tailor::report {

inline nlohmann::ordered_json unmet_json(const std::vector<minimizer::Unmet>& unmet) {
  nlohmann::ordered_json out = nlohmann::ordered_json::array();
  for (const auto& u : unmet)
    out.push_back({{"condition", knowledge::to_string(u.requirement.condition)},
                   {"reason", minimizer::chain_text(u.requirement.reason)},
                   {"summary", u.summary},
                   {"explanation", u.explanation}});
  return out;
}

}  // namespace tailor::report
