// The report of a union configuration (`tailor analyze --union`): per app
// what its own kernel has and what the union adds; every option chosen for
// some app with each app's reason; options only the combination turns on.
#pragma once

#include <string>

#include "kconfig-analyzer/analyzer/app/union_analysis.h"

namespace tailor::report {

std::string union_report_text(const app::UnionResult& r);
std::string union_report_json(const app::UnionResult& r);

}  // namespace tailor::report
