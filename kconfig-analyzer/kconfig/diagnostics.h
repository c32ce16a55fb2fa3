// Errors and warnings of the Kconfig engine. Fatal problems (syntax errors,
// missing source files, recursive dependencies) throw KconfigError, whose
// message starts with "file:line:"; warnings are collected and printed by the
// caller, in the words conf uses.
#pragma once

#include <string>
#include <vector>

#include "common/error.h"

namespace tailor::kconfig {

class KconfigError : public tailor::Error {
 public:
  explicit KconfigError(const std::string& message) : tailor::Error(message, 1) {}
};

struct Diagnostics {
  std::vector<std::string> warnings;
  std::vector<std::string> errors;  // reported together when parsing ends

  void warn(std::string w) { warnings.push_back(std::move(w)); }
  void error(std::string e) { errors.push_back(std::move(e)); }
};

}  // namespace tailor::kconfig
