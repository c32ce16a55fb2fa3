// Running host programs (make, patch, qemu, apt-get): argv in, exit status and
// output out, with line streaming for progress, a log file and a timeout.
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tailor {

struct ProcessOptions {
  std::filesystem::path cwd;                                // empty: inherit
  std::vector<std::pair<std::string, std::string>> env;     // set or override
  std::vector<std::string> unset_env;                       // remove from the environment
  bool inherit_env = true;                                  // false: `env` is the whole environment
  bool own_process_group = true;                            // so that a timeout stops all of it
  bool merge_stderr = true;                                 // stderr into the same stream as stdout (else ours)
  bool capture = false;                                     // keep output in ProcessResult::output
  bool inherit_output = false;                              // child writes straight to our stdout/stderr
  std::function<void(std::string_view line)> on_line;       // each output line, without '\n'
  std::optional<std::filesystem::path> log_file;            // all output appended here
  std::optional<std::string> stdin_data;                    // otherwise stdin is /dev/null
  std::chrono::milliseconds timeout{0};                     // 0: no limit
};

struct ProcessResult {
  int exit_code = -1;   // valid when !signaled
  int signal = 0;       // the terminating signal, when signaled
  bool signaled = false;
  bool timed_out = false;
  std::string output;   // when capture was set

  bool ok() const { return !signaled && !timed_out && exit_code == 0; }
  // "exit status 2", "killed by signal 9", "timed out after 30 s"
  std::string describe() const;
};

// Runs argv[0] (searched in PATH) to completion. Throws Error only when the
// program cannot be started at all; a non-zero exit is reported in the result.
ProcessResult run_process(const std::vector<std::string>& argv, const ProcessOptions& options = {});

// Runs and captures stdout+stderr; throws Error with the output if it fails.
std::string run_capture(const std::vector<std::string>& argv, const ProcessOptions& options = {});

// Full path of `name` in PATH, or nullopt.
std::optional<std::filesystem::path> find_program(std::string_view name);

// The last `n` lines of a file (for "build failed, here is the end of the log").
std::string tail_lines(const std::filesystem::path& path, size_t n);

}  // namespace tailor
