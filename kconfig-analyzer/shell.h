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

#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>

#include "kconfig-analyzer/preprocessor.h"

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
  std::string run(const std::string& command) override;
  int runs() const { return runs_; }

 private:
  std::map<std::string, std::string> env_;
  std::filesystem::path scratch_;
  int runs_ = 0;
};

class ShellMemo : public ShellRunner {
 public:
  // `cache_dir`: where memo files live (one per environment identity).
  ShellMemo(ShellRunner& inner, std::filesystem::path cache_dir, const std::map<std::string, std::string>& env);
  std::string run(const std::string& command) override;
  // Writes new results to disk (atomically, merged with what is there).
  void save();
  int hits() const { return hits_; }
  int misses() const { return misses_; }
  const std::filesystem::path& file() const { return file_; }

 private:
  std::string key_for(const std::string& command) const;
  void load();

  ShellRunner& inner_;
  std::filesystem::path file_;
  std::unordered_map<std::string, std::string> entries_;
  std::unordered_map<std::string, std::string> fresh_;
  int hits_ = 0, misses_ = 0;
  bool loaded_ = false;
};

// A digest of the environment and toolchain (see the file comment).
std::string environment_identity(const std::map<std::string, std::string>& env);

}  // namespace tailor::kconfig
