// Internal to report/: what report.cpp and union_report.cpp both write, once:
// an option reason's kind name and the "unmet" array of report.json.
#pragma once

#include <nlohmann/json.hpp>
#include <vector>

#include "kconfig-analyzer/analyzer/knowledge/condition.h"
#include "kconfig-analyzer/analyzer/minimizer/minimizer.h"

namespace tailor::report {

inline const char* kind_name(minimizer::OptionReason::Kind k) {
  switch (k) {
    case minimizer::OptionReason::Kind::Required: return "required";
    case minimizer::OptionReason::Kind::Dependency: return "dependency";
    case minimizer::OptionReason::Kind::Kconfig: return "kconfig";
  }
  return "?";
}

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
