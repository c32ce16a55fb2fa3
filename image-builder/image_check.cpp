// [check] evaluation: substrings of the console and the exit status.
#include "image-builder/image_check.h"

#include <algorithm>

namespace tailor::image {

std::string CheckOutcome::summary() const {
  if (passed) return "passed";
  std::string s;
  for (const auto& p : problems) s += (s.empty() ? "" : "; ") + p;
  return s;
}

CheckOutcome evaluate_check(const CheckSpec& check, const std::string& console, std::optional<int> status,
                            const std::string& how) {
  CheckOutcome out;
  std::string text = console;
  text.erase(std::remove(text.begin(), text.end(), '\r'), text.end());
  for (const auto& want : check.stdout_has)
    if (text.find(want) == std::string::npos) out.problems.push_back("the console output lacks \"" + want + "\"");
  if (!status) {
    out.problems.push_back("the app reported no exit status" + (how.empty() ? std::string() : " (" + how + ")") +
                           ", expected " + std::to_string(check.exit_code));
  } else if (*status != check.exit_code) {
    out.problems.push_back("exit status " + std::to_string(*status) + ", expected " + std::to_string(check.exit_code));
  }
  out.passed = out.problems.empty();
  return out;
}

}  // namespace tailor::image
