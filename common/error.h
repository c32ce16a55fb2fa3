// The one error type of tailor: thrown inside the libraries, caught only at a
// program's boundary (main), where it becomes a one-line message and an exit code.
#pragma once

#include <stdexcept>
#include <string>

namespace tailor {

class Error : public std::runtime_error {
 public:
  // exit_code: what the program should exit with when this error ends it.
  explicit Error(const std::string& message, int exit_code = 1)
      : std::runtime_error(message), exit_code_(exit_code) {}

  int exit_code() const { return exit_code_; }

 private:
  int exit_code_;
};

// Formats "what: strerror(errno)" for host failures.
std::string errno_message(const std::string& what, int err);

}  // namespace tailor
