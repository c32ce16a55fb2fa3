// $(shell,...) execution and its persistent memo (see shell.h).
#include "kconfig-analyzer/kconfig/shell.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <thread>
#include <nlohmann/json.hpp>
#include <vector>

#include "common/error.h"
#include "common/file_lock.h"
#include "common/fs.h"
#include "common/sha256.h"
#include "common/subprocess.h"
#include "kconfig-analyzer/kconfig/file_identity.h"

namespace tailor::kconfig {

namespace {

// Variables that describe the session, not what a command computes.
bool is_volatile(const std::string& name) {
  static const char* exact[] = {"PWD",  "OLDPWD", "SHLVL", "_",        "TERM",     "COLUMNS",  "LINES",
                                "PS1",  "PS2",    "PS4",   "DISPLAY",  "STY",      "WINDOW",   "MAKEFLAGS",
                                "MFLAGS", "MAKELEVEL", "MAKEOVERRIDES", "LS_COLORS", "HISTFILE", "HISTSIZE",
                                "HISTCONTROL", "PROMPT_COMMAND", "TMPDIR", "COLORTERM", "MAIL", "LOGNAME"};
  for (const char* e : exact)
    if (name == e) return true;
  static const char* prefixes[] = {"SSH_", "XDG_", "TMUX", "TAILOR_", "GTEST_", "CTEST_", "DART_", "TERM_", "WT_"};
  for (const char* p : prefixes)
    if (name.compare(0, std::strlen(p), p) == 0) return true;
  return false;
}

std::string first_word(const std::string& s) {
  size_t b = s.find_first_not_of(" \t");
  if (b == std::string::npos) return {};
  size_t e = s.find_first_of(" \t", b);
  return s.substr(b, e == std::string::npos ? std::string::npos : e - b);
}

std::string resolve_in_path(const std::string& prog, const std::string& path) {
  if (prog.empty()) return {};
  if (prog.find('/') != std::string::npos) return prog;
  size_t start = 0;
  while (start <= path.size()) {
    size_t colon = path.find(':', start);
    std::string dir = path.substr(start, colon == std::string::npos ? std::string::npos : colon - start);
    std::string cand = (dir.empty() ? "." : dir) + "/" + prog;
    if (::access(cand.c_str(), X_OK) == 0) return cand;
    if (colon == std::string::npos) break;
    start = colon + 1;
  }
  return {};
}

// "PATH:SIZE:MTIME:INODE", or "PATH:missing".
std::string stat_identity(const std::string& path) { return path + ":" + file_identity(path); }

}  // namespace

std::string environment_identity(const std::map<std::string, std::string>& env) {
  Sha256 h;
  h.field("tailor-kconfig-shell-v1");
  for (const auto& [k, v] : env) {
    if (is_volatile(k)) continue;
    h.field(k).field(v);
  }
  std::string path = env.count("PATH") ? env.at("PATH") : "";
  for (const char* tool : {"CC", "LD", "AR", "NM", "OBJCOPY", "OBJDUMP", "READELF", "STRIP", "PAHOLE", "RUSTC",
                           "BINDGEN", "HOSTCC", "HOSTCXX"}) {
    auto it = env.find(tool);
    if (it == env.end()) continue;
    h.field(tool).field(stat_identity(resolve_in_path(first_word(it->second), path)));
  }
  // gcc runs the assembler; sh runs everything.
  for (const char* prog : {"as", "sh", "head", "grep"}) h.field(stat_identity(resolve_in_path(prog, path)));
  return h.hex();
}

// ------------------------------------------------------------------ ProcessShell

ProcessShell::ProcessShell(std::map<std::string, std::string> env) : env_(std::move(env)) {}

ProcessShell::~ProcessShell() {
  if (!scratch_.empty()) {
    std::error_code ec;
    std::filesystem::remove_all(scratch_, ec);
  }
}

std::string ProcessShell::run(const std::string& command) {
  std::call_once(scratch_once_, [this] {
    std::string tmpl = (std::filesystem::temp_directory_path() / "tailor-kconfig-XXXXXX").string();
    if (!::mkdtemp(tmpl.data())) throw Error(errno_message("kconfig: cannot create a scratch directory", errno));
    scratch_ = tmpl;
  });
  ++runs_;
  ProcessOptions o;
  o.inherit_env = false;
  o.env.assign(env_.begin(), env_.end());
  o.cwd = scratch_;
  o.capture = true;
  o.merge_stderr = false;       // a command's complaints go to our stderr, as with make
  o.own_process_group = false;  // Ctrl-C reaches it as it reaches us
  return run_process({"/bin/sh", "-c", command}, o).output;
}

// ------------------------------------------------------------------ ShellMemo

ShellMemo::ShellMemo(ShellRunner& inner, std::filesystem::path cache_dir, const std::map<std::string, std::string>& env)
    : inner_(inner) {
  if (!cache_dir.empty()) file_ = cache_dir / (environment_identity(env) + ".json");
}

size_t ShellMemo::loaded_entries() {
  if (!loaded_) load();
  return loaded_count_;
}

bool ShellMemo::lookup(const std::string& command, std::string& out) {
  if (!loaded_) load();
  auto it = entries_.find(key_for(command));
  if (it == entries_.end()) return false;
  out = it->second;
  return true;
}

void ShellMemo::insert(const std::string& command, std::string output) {
  if (!loaded_) load();
  std::string key = key_for(command);
  fresh_[key] = output;
  entries_[key] = std::move(output);
}

std::string shell_command_key(const std::string& command) {
  // The identity of each existing absolute path the command names.
  std::string key = command;
  size_t i = 0;
  while (i < command.size()) {
    if (command[i] == '/' && (i == 0 || std::strchr(" \t\"'=(;|&", command[i - 1]))) {
      size_t e = command.find_first_of(" \t\"';|&)", i);
      std::string path = command.substr(i, e == std::string::npos ? std::string::npos : e - i);
      struct stat st {};
      if (::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode)) key += "\n" + path + ":" + file_identity(st);
      i = e == std::string::npos ? command.size() : e;
    } else {
      ++i;
    }
  }
  return key;
}

std::string ShellMemo::key_for(const std::string& command) const { return shell_command_key(command); }

void ShellMemo::load() {
  loaded_ = true;
  std::error_code ec;
  if (file_.empty() || !std::filesystem::exists(file_, ec)) return;
  try {
    nlohmann::json j = nlohmann::json::parse(read_file(file_));
    for (auto& [k, v] : j.at("results").items()) entries_[k] = v.get<std::string>();
  } catch (const std::exception&) {
    entries_.clear();  // a damaged memo is only a cache: start over
  }
  loaded_count_ = entries_.size();
}

std::string ShellMemo::run(const std::string& command) {
  if (!loaded_) load();
  std::string key = key_for(command);
  auto it = entries_.find(key);
  if (it != entries_.end()) {
    ++hits_;
    if (!fresh_.count(key)) ++disk_hits_;
    return it->second;
  }
  ++misses_;
  std::string out = inner_.run(command);
  entries_[key] = out;
  fresh_[key] = out;
  return out;
}

void ShellMemo::save() {
  if (fresh_.empty() || file_.empty()) return;
  std::filesystem::create_directories(file_.parent_path());
  FileLock lock = FileLock::acquire(file_.string() + ".lock");
  nlohmann::json j;
  j["results"] = nlohmann::json::object();
  std::error_code ec;
  if (std::filesystem::exists(file_, ec)) {
    try {
      j = nlohmann::json::parse(read_file(file_));
    } catch (const std::exception&) {
      j["results"] = nlohmann::json::object();
    }
  }
  for (const auto& [k, v] : fresh_) j["results"][k] = v;
  write_file_atomic(file_, j.dump(1) + "\n");
  fresh_.clear();
}

// ------------------------------------------------------------------ ShellPrefetch

// A counting semaphore shared with the worker threads.
struct Slots {
  std::mutex mu;
  std::condition_variable cv;
  int free;
  explicit Slots(int n) : free(n) {}
  void acquire() {
    std::unique_lock<std::mutex> l(mu);
    cv.wait(l, [&] { return free > 0; });
    --free;
  }
  void release() {
    {
      std::lock_guard<std::mutex> l(mu);
      ++free;
    }
    cv.notify_one();
  }
};

namespace {
constexpr char kOpen = '\x01', kClose = '\x02';
}

ShellPrefetch::ShellPrefetch(ShellMemo& memo, ShellRunner& runner, int jobs)
    : memo_(memo), runner_(runner), slots_(std::make_shared<Slots>(std::max(1, jobs))) {}

ShellPrefetch::~ShellPrefetch() {
  for (auto& t : tasks_)
    if (t.result.valid()) t.result.wait();
}

std::string ShellPrefetch::start(const std::string& command) {
  std::string known;
  if (memo_.lookup(command, known)) return normalize_shell_output(known);
  auto it = by_command_.find(command);
  size_t id;
  if (it != by_command_.end()) {
    id = it->second;
  } else {
    id = tasks_.size();
    auto slots = slots_;
    ShellRunner& runner = runner_;
    std::shared_future<std::string> f = std::async(std::launch::async, [slots, &runner, command] {
                                          slots->acquire();
                                          std::string out;
                                          try {
                                            out = runner.run(command);
                                          } catch (...) {
                                            slots->release();
                                            throw;
                                          }
                                          slots->release();
                                          return out;
                                        }).share();
    tasks_.push_back({command, std::move(f)});
    by_command_.emplace(command, id);
  }
  return std::string(1, kOpen) + std::to_string(id) + kClose;
}

std::string ShellPrefetch::resolve(const std::string& text) {
  if (text.find(kOpen) == std::string::npos) return text;
  std::string out;
  size_t i = 0;
  while (i < text.size()) {
    size_t open = text.find(kOpen, i);
    size_t close = open == std::string::npos ? std::string::npos : text.find(kClose, open);
    if (close == std::string::npos) {
      out.append(text, i, std::string::npos);
      break;
    }
    out.append(text, i, open - i);
    size_t id = std::stoul(text.substr(open + 1, close - open - 1));
    out += id < tasks_.size() ? normalize_shell_output(tasks_[id].result.get()) : std::string();
    i = close + 1;
  }
  return out;
}

void ShellPrefetch::finish(const std::function<void(int, int)>& on_done) {
  int done = 0, total = static_cast<int>(tasks_.size());
  for (auto& t : tasks_) {
    try {
      memo_.insert(t.command, t.result.get());
    } catch (const std::exception&) {
      // The real pass will run it again and report the failure.
    }
    if (on_done) on_done(++done, total);
  }
}

}  // namespace tailor::kconfig
