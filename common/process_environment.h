// This process's environment as values, and back to the "KEY=VALUE" form a
// child is given: the one reader of `environ` (child_process.cpp aside,
// which hands it on unread).
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace tailor {

// Each "KEY=VALUE" entry of `environ`, split at the first '=', in order;
// entries without '=' are left out.
std::vector<std::pair<std::string, std::string>> process_environment();

// "KEY=VALUE" entries, in order.
std::vector<std::string> environment_entries(const std::vector<std::pair<std::string, std::string>>& env);

}  // namespace tailor
