// Symbolic evaluation of Kbuild makefiles (see kbuild.h).
#include "kconfig-analyzer/analyzer/knowledge/kbuild.h"

#include <optional>
#include <regex>
#include <sstream>

namespace tailor::knowledge {

namespace {

// Logical lines: continuations joined, comments removed.
std::vector<std::string> logical_lines(std::string_view text) {
  std::vector<std::string> out;
  std::string cur;
  std::istringstream in{std::string(text)};
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    bool cont = !line.empty() && line.back() == '\\';
    if (cont) line.pop_back();
    cur += line;
    if (cont) {
      cur += ' ';
      continue;
    }
    auto hash = cur.find('#');
    if (hash != std::string::npos) cur.resize(hash);
    out.push_back(cur);
    cur.clear();
  }
  if (!cur.empty()) out.push_back(cur);
  return out;
}

std::string trim(std::string_view s) {
  auto b = s.find_first_not_of(" \t");
  if (b == std::string_view::npos) return {};
  auto e = s.find_last_not_of(" \t");
  return std::string(s.substr(b, e - b + 1));
}

// A word whose value may be "y" only when a symbol is on: $(CONFIG_X) or
// $(subst m,y,$(CONFIG_X)).
std::optional<std::string> config_reference(std::string_view s) {
  static const std::regex re(R"(^\$\((?:subst m,y,\$\()?CONFIG_([A-Za-z0-9_]+)\)?\)$)");
  std::cmatch m;
  std::string str(s);
  if (std::regex_match(str.c_str(), m, re)) return m[1].str();
  return std::nullopt;
}

struct Scope {
  Condition branch;       // the condition of the branch we are in
  Condition previous;     // none of the earlier branches held
};

class Parser {
 public:
  explicit Parser(const std::map<std::string, std::string>& vars) : known_(vars) {}

  void feed(std::string_view text) {
    for (auto& line : logical_lines(text)) statement(trim(line));
  }

  KbuildDir result() {
    KbuildDir out;
    for (auto& [word, cond] : expand("obj-y", Condition::always(), 0)) {
      if (!word.empty() && word.back() == '/') out.subdirs.push_back({word, cond});
      else if (word.size() > 2 && word.ends_with(".o")) add_object(out, word, cond, 0);
    }
    for (const auto* list : {"core-y", "drivers-y", "libs-y", "net-y", "virt-y"})
      if (vars_.count(list)) {
        auto& dst = out.lists[list];
        for (auto& [word, cond] : expand(list, Condition::always(), 0)) dst.push_back({word, cond});
      }
    return out;
  }

 private:
  using Words = std::vector<std::pair<std::string, Condition>>;

  Condition context() const {
    Condition c = Condition::always();
    for (const auto& s : scopes_) c = Condition::both(c, s.branch);
    return c;
  }

  // Replaces $(VAR) references to variables kbuild defines (SRCARCH, BITS).
  std::optional<std::string> substitute_known(std::string s) const {
    for (size_t pos = s.find("$("); pos != std::string::npos; pos = s.find("$(")) {
      auto end = s.find(')', pos);
      if (end == std::string::npos) return std::nullopt;
      auto name = s.substr(pos + 2, end - pos - 2);
      auto it = known_.find(name);
      if (it == known_.end()) return std::nullopt;
      s.replace(pos, end - pos + 1, it->second);
    }
    return s;
  }

  // ifeq/ifneq operands: "(a,b)" or "'a' 'b'" / "\"a\" \"b\"".
  static std::optional<std::pair<std::string, std::string>> operands(std::string s) {
    s = trim(s);
    if (s.size() >= 2 && s.front() == '(' && s.back() == ')') {
      s = s.substr(1, s.size() - 2);
      int depth = 0;
      for (size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '(') ++depth;
        else if (s[i] == ')') --depth;
        else if (s[i] == ',' && depth == 0) return std::make_pair(trim(s.substr(0, i)), trim(s.substr(i + 1)));
      }
      return std::nullopt;
    }
    static const std::regex quoted(R"(^["']([^"']*)["']\s+["']([^"']*)["']$)");
    std::smatch m;
    if (std::regex_match(s, m, quoted)) return std::make_pair(m[1].str(), m[2].str());
    return std::nullopt;
  }

  // The condition under which ifeq's operands are equal (nullopt: unknown).
  std::optional<Condition> equal_condition(const std::string& a, const std::string& b) const {
    auto sym_a = config_reference(a), sym_b = config_reference(b);
    if (sym_a && sym_b) return std::nullopt;
    if (sym_a || sym_b) {
      const auto& sym = sym_a ? *sym_a : *sym_b;
      const auto& other = sym_a ? b : a;
      if (other == "y") return Condition::symbol(sym);
      if (other.empty()) return Condition::negate(Condition::symbol(sym));
      if (other == "m") return Condition::never();  // no modules
      return std::nullopt;
    }
    auto ea = substitute_known(a), eb = substitute_known(b);
    if (!ea || !eb) return std::nullopt;
    return *ea == *eb ? Condition::always() : Condition::never();
  }

  // Condition of an `ifdef`/`ifeq`-style test (nullopt when unknown).
  std::optional<Condition> test(const std::string& keyword, const std::string& rest) const {
    if (keyword == "ifdef" || keyword == "ifndef") {
      auto name = trim(rest);
      std::optional<Condition> c;
      if (name.rfind("CONFIG_", 0) == 0) c = Condition::symbol(name.substr(7));
      else if (known_.count(name)) c = known_.at(name).empty() ? Condition::never() : Condition::always();
      if (!c) return std::nullopt;
      return keyword == "ifdef" ? *c : Condition::negate(*c);
    }
    auto ops = operands(rest);
    if (!ops) return std::nullopt;
    auto c = equal_condition(ops->first, ops->second);
    if (!c) return std::nullopt;
    return keyword == "ifeq" ? *c : Condition::negate(*c);
  }

  void statement(const std::string& line) {
    if (line.empty()) return;
    static const std::regex conditional(R"(^(ifdef|ifndef|ifeq|ifneq)\s+(.*)$)");
    static const std::regex else_re(R"(^else(?:\s+(ifdef|ifndef|ifeq|ifneq)\s+(.*))?$)");
    std::smatch m;
    if (std::regex_match(line, m, conditional)) {
      // An unknown test adds no requirement to either branch.
      auto c = test(m[1], m[2]).value_or(Condition::always());
      bool known = test(m[1], m[2]).has_value();
      scopes_.push_back({c, Condition::always()});
      unknown_.push_back(!known);
      return;
    }
    if (std::regex_match(line, m, else_re)) {
      if (scopes_.empty()) return;
      auto& s = scopes_.back();
      bool was_unknown = unknown_.back();
      s.previous = Condition::both(s.previous, was_unknown ? Condition::always() : Condition::negate(s.branch));
      if (m[1].matched) {
        auto c = test(m[1], m[2]);
        unknown_.back() = !c.has_value();
        s.branch = Condition::both(s.previous, c.value_or(Condition::always()));
      } else {
        s.branch = s.previous;
      }
      return;
    }
    if (line == "endif" || line.rfind("endif ", 0) == 0) {
      if (!scopes_.empty()) scopes_.pop_back(), unknown_.pop_back();
      return;
    }
    std::string lhs, op, rhs;
    if (!split_assignment(line, lhs, op, rhs)) return;
    Condition cond = context();
    // obj-$(CONFIG_X): the list "obj-y" when X is on.
    auto dollar = lhs.find("$(");
    if (dollar != std::string::npos) {
      auto ref = lhs.substr(dollar);
      if (auto sym = config_reference(ref)) {
        cond = Condition::both(cond, Condition::symbol(*sym));
        lhs = lhs.substr(0, dollar) + "y";
      } else if (auto s = substitute_known(lhs)) {
        lhs = *s;
      } else {
        return;  // a list we cannot name
      }
    }
    Words words;
    std::istringstream in(rhs);
    std::string w;
    while (in >> w) words.push_back({w, cond});
    auto& list = vars_[lhs];
    if (op == "+=" || op == "?=") {
      list.insert(list.end(), words.begin(), words.end());
    } else if (cond.is_true()) {
      list = std::move(words);
    } else {
      // A conditional assignment replaces the list only when it applies.
      for (auto& [word, c] : list) c = Condition::both(c, Condition::negate(cond));
      list.insert(list.end(), words.begin(), words.end());
    }
  }

  // "lhs op rhs" with op one of := += ?= = ::=, found outside $(...) so that
  // obj-$(subst m,y,$(CONFIG_X)) works; false for rules and other lines.
  static bool split_assignment(const std::string& line, std::string& lhs, std::string& op, std::string& rhs) {
    int depth = 0;
    for (size_t i = 0; i < line.size(); ++i) {
      char c = line[i];
      if (c == '(') ++depth;
      else if (c == ')') --depth;
      if (depth) continue;
      size_t len = 0;
      if (line.compare(i, 3, "::=") == 0) len = 3;
      else if (line.compare(i, 2, ":=") == 0 || line.compare(i, 2, "+=") == 0 || line.compare(i, 2, "?=") == 0) len = 2;
      else if (c == '=') len = 1;
      else if (c == ':' ) return false;  // a rule "target: prerequisites"
      if (!len) continue;
      lhs = trim(line.substr(0, i));
      op = line.substr(i, len);
      rhs = trim(line.substr(i + len));
      return !lhs.empty() && (lhs.find_first_of(" \t") == std::string::npos || lhs.find("$(") != std::string::npos);
    }
    return false;
  }

  Words expand(const std::string& var, const Condition& outer, int depth) const {
    Words out;
    auto it = vars_.find(var);
    if (it == vars_.end() || depth > 8) return out;
    for (const auto& [word, cond] : it->second) {
      auto c = Condition::both(outer, cond);
      if (c.is_false()) continue;
      if (word.size() > 3 && word.rfind("$(", 0) == 0 && word.back() == ')' &&
          word.find_first_of("$(,", 2) == std::string::npos) {
        auto inner = expand(word.substr(2, word.size() - 3), c, depth + 1);
        out.insert(out.end(), inner.begin(), inner.end());
      } else if (word.find('$') != std::string::npos) {
        if (auto s = substitute_known(word)) out.push_back({*s, c});
      } else {
        out.push_back({word, c});
      }
    }
    return out;
  }

  void add_object(KbuildDir& out, const std::string& object, const Condition& cond, int depth) const {
    auto stem = object.substr(0, object.size() - 2);
    bool composite = false;
    for (const auto& suffix : {"-y", "-objs"}) {
      auto members = expand(stem + suffix, cond, 0);
      for (auto& [word, c] : members) {
        if (!word.ends_with(".o")) continue;
        composite = true;
        if (word != object && depth < 4) add_object(out, word, c, depth + 1);
        else out.objects.push_back({word, c});
      }
    }
    if (!composite) out.objects.push_back({object, cond});
  }

  const std::map<std::string, std::string>& known_;
  std::map<std::string, Words> vars_;
  std::vector<Scope> scopes_;
  std::vector<bool> unknown_;
};

}  // namespace

KbuildDir parse_kbuild(std::string_view text, const std::map<std::string, std::string>& vars) {
  Parser p(vars);
  p.feed(text);
  return p.result();
}

}  // namespace tailor::knowledge
