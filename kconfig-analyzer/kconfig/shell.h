// Running $(shell,...) commands: for real with /bin/sh, and through a
// persistent memo so that reading a tree a second time starts no process.
//
// The memo is keyed by the command and by the identity of everything its
// result can depend on: the environment the commands run in (minus variables
// that only describe the terminal session), the toolchain programs
// (CC, LD, ... resolved through PATH: path, size, mtime, inode), and every
// existing absolute path the command names (e.g. $(srctree)/scripts/*.sh).
// Change the compiler, PATH or a script and the memo misses.
#pragma once

#include <atomic>
#include <filesystem>
#include <functional>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "kconfig-analyzer/kconfig/preprocessor.h"

namespace tailor::kconfig {

class ProcessShell : public ShellRunner {
 public:
  explicit ProcessShell(std::map<std::string, std::string> env = {});
  ~ProcessShell() override;
  ProcessShell(const ProcessShell&) = delete;
  ProcessShell& operator=(const ProcessShell&) = delete;

  void set_environment(std::map<std::string, std::string> env) { env_ = std::move(env); }
  // Runs in a private scratch directory (commands like cc-option create
  // temporary files in the current directory); stderr goes to ours.
  // Thread-safe: several commands may run at once.
  std::string run(const std::string& command) override;
  int runs() const { return runs_; }

 private:
  std::map<std::string, std::string> env_;
  std::filesystem::path scratch_;
  std::once_flag scratch_once_;
  std::atomic<int> runs_{0};
};

class ShellMemo : public ShellRunner {
 public:
  // `cache_dir`: where memo files live (one per environment identity); an
  // empty path keeps results in memory only, for one run.
  ShellMemo(ShellRunner& inner, std::filesystem::path cache_dir, const std::map<std::string, std::string>& env);
  std::string run(const std::string& command) override;
  // Looks a command up without running it; records a result run elsewhere.
  bool lookup(const std::string& command, std::string& out);
  void insert(const std::string& command, std::string output);
  // Writes new results to disk (atomically, merged with what is there).
  void save();
  bool persistent() const { return !file_.empty(); }
  // Results loaded from disk at the start.
  size_t loaded_entries();
  int hits() const { return hits_; }
  int disk_hits() const { return disk_hits_; }
  int misses() const { return misses_; }
  const std::filesystem::path& file() const { return file_; }

 private:
  std::string key_for(const std::string& command) const;
  void load();

  ShellRunner& inner_;
  std::filesystem::path file_;
  std::unordered_map<std::string, std::string> entries_;
  std::unordered_map<std::string, std::string> fresh_;
  size_t loaded_count_ = 0;
  int hits_ = 0, disk_hits_ = 0, misses_ = 0;
  bool loaded_ = false;
};

// The speculative first pass of a cold parse: every $(shell,...) the memo
// cannot answer starts at once on a bounded pool of workers, and parsing
// goes on with a placeholder. finish() waits for all of them and records the
// results in the memo, so that the real (sequential, exact) parse that
// follows starts no process.
class ShellPrefetch : public ShellAsync {
 public:
  ShellPrefetch(ShellMemo& memo, ShellRunner& runner, int jobs);
  ~ShellPrefetch() override;
  std::string start(const std::string& command) override;
  std::string resolve(const std::string& text) override;
  // Waits for every command; `on_done(done, total)` after each one.
  void finish(const std::function<void(int, int)>& on_done = {});
  int started() const { return static_cast<int>(tasks_.size()); }

 private:
  struct Task {
    std::string command;
    std::shared_future<std::string> result;
  };
  ShellMemo& memo_;
  ShellRunner& runner_;
  std::vector<Task> tasks_;
  std::unordered_map<std::string, size_t> by_command_;
  std::shared_ptr<struct Slots> slots_;
};

// A digest of the environment and toolchain (see the file comment).
std::string environment_identity(const std::map<std::string, std::string>& env);

// What the memo keys one command's result on, within one environment: the
// command and the identity of every existing absolute path it names.
std::string shell_command_key(const std::string& command);

}  // namespace tailor::kconfig
