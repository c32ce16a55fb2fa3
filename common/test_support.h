// Helpers for any library's unit tests: scratch directories and the message
// of an expected Error. Header-only, no GoogleTest in it.
#pragma once

#include <unistd.h>

#include <filesystem>
#include <functional>
#include <string>

#include "common/error.h"

namespace tailor::testing_support {

// A fresh, empty directory under /tmp, unique to this process and `name`.
inline std::filesystem::path scratch_dir(const std::string& name) {
  auto dir = std::filesystem::temp_directory_path() / ("tailor-test-" + name + "-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

// The message of the Error `f` throws, or "no error".
inline std::string error_message(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "no error";
}

}  // namespace tailor::testing_support
