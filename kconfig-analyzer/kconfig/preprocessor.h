// Kconfig's macro language (Documentation/kbuild/kconfig-macro-language.rst):
// recursive (=) and simple (:=) variables, += appends, user-defined functions
// ($(1), $(2), ...), the built-ins shell, info, warning-if, error-if,
// filename and lineno, and environment variables as the last resort.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tailor::kconfig {

// Runs $(shell,...) commands. Implementations: a real /bin/sh runner, the
// persistent memo in front of it (shell_memo.h), fakes in tests.
class ShellRunner {
 public:
  virtual ~ShellRunner() = default;
  // Runs `command` with /bin/sh -c and returns its standard output, raw.
  virtual std::string run(const std::string& command) = 0;
};

// Asynchronous $(shell,...) for a speculative first pass (see shell.h's
// ShellPrefetch): a command starts in the background and its place in the
// text is held by a placeholder until a real value is needed.
class ShellAsync {
 public:
  virtual ~ShellAsync() = default;
  // The command's (normalized) output if already known, else a placeholder.
  virtual std::string start(const std::string& command) = 0;
  // `text` with every placeholder replaced by its output (waits for them).
  virtual std::string resolve(const std::string& text) = 0;
};

// What conf does with a command's output: keep at most 4095 bytes, drop
// trailing newlines, turn the remaining newlines into spaces.
std::string normalize_shell_output(std::string raw);

// How deep $(...) references may nest, inside one another and through
// variables that expand variables (conf stops a variable recursing into
// itself at 1000 levels).
inline constexpr int kMaxMacroNesting = 2000;

enum class VarFlavor { Recursive, Simple, Append };

// Where the text being expanded comes from, for $(filename), $(lineno) and
// error messages.
struct MacroContext {
  std::string file;
  int line = 0;
};

class Preprocessor {
 public:
  // `env` is the environment the tree is read in (see environment.h).
  Preprocessor(std::map<std::string, std::string> env, ShellRunner& shell);

  // Prints $(info,...) messages and $(warning-if,...) warnings; by default to
  // stdout and stderr like conf.
  std::function<void(const std::string&)> on_info;
  std::function<void(const std::string&)> on_warning;

  void set_context(const MacroContext& c) { ctx_ = c; }
  const MacroContext& context() const { return ctx_; }

  // Expands every $(...) in `in`.
  std::string expand_string(std::string_view in);
  // Expands the reference that starts right after a '$' at the front of
  // `rest`; advances `rest` past it. "$" not followed by "(" stays "$".
  std::string expand_dollar(std::string_view& rest);
  // Expands a word: copies characters and references until a character that
  // cannot be part of a word; advances `rest` to it.
  std::string expand_one_token(std::string_view& rest);

  void add_variable(const std::string& name, const std::string& value, VarFlavor flavor);

  // Speculative mode: $(shell,...) goes through `async`; nullptr: off.
  void set_async(ShellAsync* async) { async_ = async; }
  // Replaces placeholders by real values (a no-op outside speculative mode).
  std::string resolve(const std::string& text) { return async_ ? async_->resolve(text) : text; }

  // Environment variables the tree referred to, in first-use order.
  const std::vector<std::pair<std::string, std::string>>& env_used() const { return env_used_; }
  // Names looked up in the environment and not found there.
  const std::vector<std::string>& env_unset() const { return env_unset_; }

 private:
  struct Variable {
    std::string value;
    VarFlavor flavor = VarFlavor::Recursive;
    int expanding = 0;
  };
  [[noreturn]] void fail(const std::string& message) const;
  std::string expand_with_args(std::string_view in, const std::vector<std::string>& args);
  std::string expand_dollar_with_args(std::string_view& rest, const std::vector<std::string>& args);
  std::string expand_until(std::string_view& rest, bool stop_at_word_end, const std::vector<std::string>& args);
  std::string eval_clause(std::string_view clause, const std::vector<std::string>& args);
  bool call_builtin(const std::string& name, const std::vector<std::string>& args, std::string& out);
  bool lookup_env(const std::string& name, std::string& out);

  std::map<std::string, std::string> env_;
  ShellRunner& shell_;
  ShellAsync* async_ = nullptr;
  MacroContext ctx_;
  std::vector<std::pair<std::string, Variable>> vars_;  // definition order, like conf's list
  std::vector<std::pair<std::string, std::string>> env_used_;
  std::vector<std::string> env_unset_;
  int nesting_ = 0;  // eval_clause calls in progress
};

}  // namespace tailor::kconfig
