// $(shell,...) execution and its persistent memo (see shell.h).
#include "kconfig-analyzer/shell.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <nlohmann/json.hpp>
#include <vector>

#include "common/error.h"
#include "common/file_lock.h"
#include "common/fs.h"
#include "common/sha256.h"

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

std::string stat_identity(const std::string& path) {
  struct stat st {};
  if (path.empty() || ::stat(path.c_str(), &st) != 0) return path + ":missing";
  char buf[160];
  std::snprintf(buf, sizeof buf, ":%lld:%lld.%09ld:%llu", static_cast<long long>(st.st_size),
                static_cast<long long>(st.st_mtim.tv_sec), st.st_mtim.tv_nsec, static_cast<unsigned long long>(st.st_ino));
  return path + buf;
}

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
  if (scratch_.empty()) {
    std::string tmpl = (std::filesystem::temp_directory_path() / "tailor-kconfig-XXXXXX").string();
    if (!::mkdtemp(tmpl.data())) throw Error(errno_message("kconfig: cannot create a scratch directory", errno));
    scratch_ = tmpl;
  }
  ++runs_;
  std::vector<std::string> env_strings;
  for (const auto& [k, v] : env_) env_strings.push_back(k + "=" + v);
  std::vector<char*> envp;
  for (auto& s : env_strings) envp.push_back(s.data());
  envp.push_back(nullptr);
  std::string sh = "/bin/sh", dash_c = "-c", cmd = command;
  char* argv[] = {sh.data(), dash_c.data(), cmd.data(), nullptr};

  int pipefd[2];
  if (::pipe2(pipefd, O_CLOEXEC) != 0) throw Error(errno_message("kconfig: pipe", errno));
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, pipefd[1], 1);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addchdir_np(&fa, scratch_.c_str());
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t def;
  sigemptyset(&def);
  sigaddset(&def, SIGPIPE);
  posix_spawnattr_setsigdefault(&attr, &def);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGDEF);
  pid_t pid = 0;
  int rc = posix_spawn(&pid, "/bin/sh", &fa, &attr, argv, envp.data());
  posix_spawn_file_actions_destroy(&fa);
  posix_spawnattr_destroy(&attr);
  ::close(pipefd[1]);
  if (rc != 0) {
    ::close(pipefd[0]);
    throw Error(errno_message("kconfig: cannot run /bin/sh for $(shell," + command + ")", rc));
  }
  std::string out;
  char buf[4096];
  for (;;) {
    ssize_t n = ::read(pipefd[0], buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  ::close(pipefd[0]);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return out;
}

// ------------------------------------------------------------------ ShellMemo

ShellMemo::ShellMemo(ShellRunner& inner, std::filesystem::path cache_dir, const std::map<std::string, std::string>& env)
    : inner_(inner) {
  file_ = cache_dir / (environment_identity(env) + ".json");
}

std::string ShellMemo::key_for(const std::string& command) const {
  // The identity of each existing absolute path the command names.
  std::string key = command;
  size_t i = 0;
  while (i < command.size()) {
    if (command[i] == '/' && (i == 0 || std::strchr(" \t\"'=(;|&", command[i - 1]))) {
      size_t e = command.find_first_of(" \t\"';|&)", i);
      std::string path = command.substr(i, e == std::string::npos ? std::string::npos : e - i);
      struct stat st {};
      if (::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode)) key += "\n" + stat_identity(path);
      i = e == std::string::npos ? command.size() : e;
    } else {
      ++i;
    }
  }
  return key;
}

void ShellMemo::load() {
  loaded_ = true;
  std::error_code ec;
  if (!std::filesystem::exists(file_, ec)) return;
  try {
    nlohmann::json j = nlohmann::json::parse(read_file(file_));
    for (auto& [k, v] : j.at("results").items()) entries_[k] = v.get<std::string>();
  } catch (const std::exception&) {
    entries_.clear();  // a damaged memo is only a cache: start over
  }
}

std::string ShellMemo::run(const std::string& command) {
  if (!loaded_) load();
  std::string key = key_for(command);
  auto it = entries_.find(key);
  if (it != entries_.end()) {
    ++hits_;
    return it->second;
  }
  ++misses_;
  std::string out = inner_.run(command);
  entries_[key] = out;
  fresh_[key] = out;
  return out;
}

void ShellMemo::save() {
  if (fresh_.empty()) return;
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

}  // namespace tailor::kconfig
