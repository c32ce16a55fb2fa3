// The analyzer's report, as readable text and as JSON: every option that is
// on with its reason chain ("EPOLL <- epoll_wait <- redis-server"), unmet
// requirements with the engine's explanation, the static and traced syscall
// sets side by side, and the difference from a reference configuration.
#pragma once

#include <string>

#include "kconfig-analyzer/analyzer/app/analyze.h"
#include "kconfig-analyzer/analyzer/knowledge/syscall_knowledge.h"

namespace tailor::report {

std::string report_text(const app::AnalyzeResult& r);
std::string report_json(const app::AnalyzeResult& r);

}  // namespace tailor::report
