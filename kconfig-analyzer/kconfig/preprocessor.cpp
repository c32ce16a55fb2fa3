// Macro expansion for Kconfig files (see preprocessor.h).
#include "kconfig-analyzer/kconfig/preprocessor.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstdlib>

#include "kconfig-analyzer/kconfig/diagnostics.h"
#include "kconfig-analyzer/kconfig/nesting_guard.h"

namespace tailor::kconfig {

namespace {

constexpr size_t kMaxArgs = 16;  // conf's FUNCTION_MAX_ARGS

bool is_word_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-';
}

}  // namespace

std::string normalize_shell_output(std::string raw) {
  // conf reads one 4096-byte buffer and keeps 4095 bytes of it.
  if (raw.size() >= 4096) raw.resize(4095);
  while (!raw.empty() && raw.back() == '\n') raw.pop_back();
  for (char& c : raw)
    if (c == '\n') c = ' ';
  // conf's buffer is a C string: anything after a NUL byte is lost.
  size_t nul = raw.find('\0');
  if (nul != std::string::npos) raw.resize(nul);
  return raw;
}

Preprocessor::Preprocessor(std::map<std::string, std::string> env, ShellRunner& shell)
    : env_(std::move(env)), shell_(shell) {
  on_info = [](const std::string& s) { std::fprintf(stdout, "%s\n", s.c_str()); };
  on_warning = [](const std::string& s) { std::fprintf(stderr, "%s\n", s.c_str()); };
}

void Preprocessor::fail(const std::string& message) const {
  throw KconfigError(ctx_.file + ":" + std::to_string(ctx_.line) + ": " + message);
}

bool Preprocessor::lookup_env(const std::string& name, std::string& out) {
  if (name.empty()) return false;
  for (const auto& [k, v] : env_used_)
    if (k == name) {
      out = v;
      return true;
    }
  auto it = env_.find(name);
  if (it == env_.end()) {
    if (std::find(env_unset_.begin(), env_unset_.end(), name) == env_unset_.end()) env_unset_.push_back(name);
    return false;
  }
  env_used_.emplace_back(name, it->second);
  out = it->second;
  return true;
}

bool Preprocessor::call_builtin(const std::string& name, const std::vector<std::string>& args, std::string& out) {
  struct Builtin {
    const char* name;
    size_t min_args, max_args;
  };
  static constexpr Builtin table[] = {
      {"error-if", 2, 2}, {"filename", 0, 0}, {"info", 1, 1},
      {"lineno", 0, 0},   {"shell", 1, 1},    {"warning-if", 2, 2},
  };
  const Builtin* f = nullptr;
  for (const auto& b : table)
    if (name == b.name) f = &b;
  if (!f) return false;
  if (args.size() < f->min_args) fail("too few function arguments passed to '" + name + "'");
  if (args.size() > f->max_args) fail("too many function arguments passed to '" + name + "'");
  out.clear();
  if (name == "error-if") {
    if (args[0] == "y") fail(args[1]);
  } else if (name == "filename") {
    out = ctx_.file;
  } else if (name == "info") {
    if (on_info) on_info(args[0]);
  } else if (name == "lineno") {
    out = std::to_string(ctx_.line);
  } else if (name == "shell") {
    out = async_ ? async_->start(args[0]) : normalize_shell_output(shell_.run(args[0]));
  } else if (name == "warning-if") {
    if (args[0] == "y" && on_warning) on_warning(ctx_.file + ":" + std::to_string(ctx_.line) + ": " + args[1]);
  }
  return true;
}

void Preprocessor::add_variable(const std::string& name, const std::string& value, VarFlavor flavor) {
  Variable* v = nullptr;
  for (auto& [n, var] : vars_)
    if (n == name) v = &var;
  bool append = false;
  if (v) {
    if (flavor == VarFlavor::Append) {
      flavor = v->flavor;  // += keeps the flavor of a defined variable
      append = true;
    }
  } else {
    if (flavor == VarFlavor::Append) flavor = VarFlavor::Recursive;
    vars_.emplace_back(name, Variable{});
    v = &vars_.back().second;
  }
  v->flavor = flavor;
  std::string new_value = flavor == VarFlavor::Simple ? expand_string(value) : value;
  if (append)
    v->value += " " + new_value;
  else
    v->value = std::move(new_value);
}

// One "$(...)" body: a positional argument, a variable or user function, a
// built-in function, or an environment variable, in that order.
std::string Preprocessor::eval_clause(std::string_view clause, const std::vector<std::string>& args) {
  // References inside references, and variables expanding variables, recurse
  // here; bound them before they exhaust the stack.
  NestingGuard nesting(nesting_);
  if (nesting_ > kMaxMacroNesting)
    fail("macro references nested more than " + std::to_string(kMaxMacroNesting) + " deep");
  // $(1), $(2): arguments of the enclosing user-function call.
  if (!clause.empty() && std::isdigit(static_cast<unsigned char>(clause[0]))) {
    std::string digits(clause);
    char* end = nullptr;
    unsigned long n = std::strtoul(digits.c_str(), &end, 10);
    if (!digits.empty() && *end == '\0' && n > 0 && n <= args.size()) return args[n - 1];
  }
  // Split at top-level commas; every parenthesis counts for nesting.
  std::vector<std::string_view> parts;
  int nest = 0;
  size_t start = 0;
  for (size_t i = 0; i < clause.size(); ++i) {
    char c = clause[i];
    if (nest == 0 && c == ',') {
      if (parts.size() >= kMaxArgs) fail("too many function arguments");
      parts.push_back(clause.substr(start, i - start));
      start = i + 1;
    } else if (c == '(') {
      ++nest;
    } else if (c == ')') {
      --nest;
    }
  }
  if (parts.size() >= kMaxArgs) fail("too many function arguments");
  parts.push_back(clause.substr(start));

  std::string name = resolve(expand_with_args(parts[0], args));
  std::vector<std::string> call_args;
  for (size_t i = 1; i < parts.size(); ++i) call_args.push_back(expand_with_args(parts[i], args));

  for (auto& [n, var] : vars_) {
    if (n != name) continue;
    if (call_args.empty() && var.expanding) fail("Recursive variable '" + name + "' references itself (eventually)");
    if (var.expanding > 1000) fail("Too deep recursive expansion");
    ++var.expanding;
    // The reference may add variables while expanding, so work on a copy.
    std::string value = var.value;
    VarFlavor flavor = var.flavor;
    std::string res = flavor == VarFlavor::Recursive ? expand_with_args(value, call_args) : value;
    for (auto& [n2, var2] : vars_)
      if (n2 == name) --var2.expanding;
    return res;
  }
  std::string out;
  if (async_ && (name == "shell" || name == "error-if" || name == "warning-if" || name == "info"))
    for (std::string& a : call_args) a = resolve(a);
  if (call_builtin(name, call_args, out)) return out;
  if (call_args.empty() && lookup_env(name, out)) return out;
  return "";
}

std::string Preprocessor::expand_dollar_with_args(std::string_view& rest, const std::vector<std::string>& args) {
  if (rest.empty() || rest[0] != '(') return "$";
  std::string_view body = rest.substr(1);
  int nest = 0;
  size_t q = 0;
  for (; q < body.size(); ++q) {
    if (body[q] == '(') {
      // Checked here, in one pass, rather than level by level as the
      // references are expanded (each level scans the rest of the text).
      if (++nest > kMaxMacroNesting)
        fail("macro references nested more than " + std::to_string(kMaxMacroNesting) + " deep");
    } else if (body[q] == ')') {
      if (nest-- == 0) break;
    }
  }
  if (q >= body.size()) fail("unterminated reference to '" + std::string(body) + "': missing ')'");
  rest = body.substr(q + 1);
  return eval_clause(body.substr(0, q), args);
}

std::string Preprocessor::expand_until(std::string_view& rest, bool stop_at_word_end,
                                       const std::vector<std::string>& args) {
  std::string out;
  size_t i = 0;
  while (i < rest.size()) {
    if (rest[i] == '$') {
      out.append(rest.substr(0, i));
      std::string_view after = rest.substr(i + 1);
      out += expand_dollar_with_args(after, args);
      rest = after;
      i = 0;
      continue;
    }
    if (stop_at_word_end && !is_word_char(rest[i])) break;
    // conf's strings end at a NUL byte.
    if (rest[i] == '\0') break;
    ++i;
  }
  out.append(rest.substr(0, i));
  rest = rest.substr(i);
  return out;
}

std::string Preprocessor::expand_with_args(std::string_view in, const std::vector<std::string>& args) {
  return expand_until(in, false, args);
}

std::string Preprocessor::expand_string(std::string_view in) { return expand_with_args(in, {}); }

std::string Preprocessor::expand_dollar(std::string_view& rest) { return expand_dollar_with_args(rest, {}); }

std::string Preprocessor::expand_one_token(std::string_view& rest) { return expand_until(rest, true, {}); }

}  // namespace tailor::kconfig
