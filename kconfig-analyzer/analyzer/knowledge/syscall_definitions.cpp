// Preprocessor-aware search for syscall definitions (see syscall_definitions.h).
#include "kconfig-analyzer/analyzer/knowledge/syscall_definitions.h"

#include <cctype>
#include <optional>
#include <sstream>

namespace tailor::knowledge {

namespace {

// A tiny recursive-descent parser for #if expressions. Unknown parts are
// nullopt; `a && unknown` keeps `a` (the unknown part adds no requirement),
// `a || unknown` is unknown.
class IfParser {
 public:
  explicit IfParser(std::string_view s) : s_(s) {}

  std::optional<Condition> parse() {
    auto c = parse_or();
    skip_space();
    if (pos_ != s_.size()) return std::nullopt;  // trailing operators we do not model
    return c;
  }

 private:
  using Result = std::optional<Condition>;

  void skip_space() {
    while (pos_ < s_.size() && std::isspace(static_cast<unsigned char>(s_[pos_]))) ++pos_;
    // Comments inside directives.
    if (s_.substr(pos_).rfind("/*", 0) == 0) {
      auto end = s_.find("*/", pos_ + 2);
      pos_ = end == std::string_view::npos ? s_.size() : end + 2;
      skip_space();
    }
  }
  bool eat(std::string_view tok) {
    skip_space();
    if (s_.substr(pos_).rfind(tok, 0) == 0) {
      pos_ += tok.size();
      return true;
    }
    return false;
  }
  std::string identifier() {
    skip_space();
    size_t b = pos_;
    while (pos_ < s_.size() && (std::isalnum(static_cast<unsigned char>(s_[pos_])) || s_[pos_] == '_')) ++pos_;
    return std::string(s_.substr(b, pos_ - b));
  }

  Result parse_or() {
    auto a = parse_and();
    bool unknown = !a;
    while (true) {
      skip_space();
      if (!eat("||")) break;
      auto b = parse_and();
      if (!b) unknown = true;
      else if (a) a = Condition::either(*a, *b);
    }
    if (unknown) return std::nullopt;
    return a;
  }

  Result parse_and() {
    auto a = parse_unary();
    Condition acc = a.value_or(Condition::always());
    bool any_known = a.has_value();
    while (true) {
      skip_space();
      if (s_.substr(pos_).rfind("&&", 0) != 0) break;
      pos_ += 2;
      auto b = parse_unary();
      if (b) acc = Condition::both(acc, *b), any_known = true;
    }
    if (!any_known) return std::nullopt;
    return acc;
  }

  Result parse_unary() {
    skip_space();
    if (s_.substr(pos_).rfind("!=", 0) != 0 && eat("!")) {
      auto c = parse_unary();
      if (!c) return std::nullopt;
      return Condition::negate(*c);
    }
    auto c = parse_primary();
    // Comparisons and arithmetic make the operand unknown.
    skip_space();
    static const char* ops[] = {"==", "!=", "<=", ">=", "<", ">", "+", "-", "*", "/", "&", "|", "?", ":"};
    for (const char* op : ops) {
      if (s_.substr(pos_).rfind("&&", 0) == 0 || s_.substr(pos_).rfind("||", 0) == 0) break;
      if (eat(op)) {
        parse_unary();
        return std::nullopt;
      }
    }
    return c;
  }

  static Result config_symbol(const std::string& id) {
    if (id.rfind("CONFIG_", 0) == 0) return Condition::symbol(id.substr(7));
    return std::nullopt;
  }

  Result parse_primary() {
    skip_space();
    if (eat("(")) {
      auto c = parse_or();
      eat(")");
      return c;
    }
    if (pos_ < s_.size() && std::isdigit(static_cast<unsigned char>(s_[pos_]))) {
      size_t b = pos_;
      while (pos_ < s_.size() && std::isalnum(static_cast<unsigned char>(s_[pos_]))) ++pos_;
      auto num = std::string(s_.substr(b, pos_ - b));
      return std::strtoll(num.c_str(), nullptr, 0) ? Condition::always() : Condition::never();
    }
    auto id = identifier();
    if (id.empty()) {
      ++pos_;  // something we do not model
      return std::nullopt;
    }
    if (id == "defined") {
      bool paren = eat("(");
      auto name = identifier();
      if (paren) eat(")");
      return config_symbol(name);
    }
    if (id == "IS_ENABLED" || id == "IS_BUILTIN" || id == "IS_REACHABLE" || id == "IS_MODULE") {
      if (!eat("(")) return std::nullopt;
      auto name = identifier();
      eat(")");
      if (id == "IS_MODULE") return name.rfind("CONFIG_", 0) == 0 ? Result(Condition::never()) : std::nullopt;
      return config_symbol(name);
    }
    if (eat("(")) {  // some other function-like macro: skip its arguments
      int depth = 1;
      while (pos_ < s_.size() && depth) {
        if (s_[pos_] == '(') ++depth;
        if (s_[pos_] == ')') --depth;
        ++pos_;
      }
      return std::nullopt;
    }
    return config_symbol(id);
  }

  std::string_view s_;
  size_t pos_ = 0;
};

struct Scope {
  std::optional<Condition> branch;  // nullopt: unknown test
  Condition previous = Condition::always();  // earlier branches all failed
  bool previous_known = true;
};

}  // namespace

std::optional<Condition> parse_if_expression(std::string_view expression) { return IfParser(expression).parse(); }

namespace {

// The body text without blanks and comments, to recognise ENOSYS stubs.
std::string squeeze(std::string_view body) {
  std::string out;
  for (size_t i = 0; i < body.size(); ++i) {
    if (body.substr(i, 2) == "/*") {
      auto end = body.find("*/", i + 2);
      i = end == std::string_view::npos ? body.size() : end + 1;
      continue;
    }
    if (!std::isspace(static_cast<unsigned char>(body[i]))) out += body[i];
  }
  return out;
}

}  // namespace

SourceScan scan_source(std::string_view source) {
  SourceScan scan;
  auto& out = scan.definitions;
  // The body of the latest definition, collected until its braces balance.
  std::optional<size_t> collecting;
  std::string body;
  int depth = 0;
  auto collect = [&](std::string_view text) {
    if (!collecting) return;
    for (char ch : text) {
      if (depth == 0 && ch != '{' && body.empty()) continue;
      body += ch;
      if (ch == '{') ++depth;
      if (ch == '}' && --depth == 0) {
        out[*collecting].stub = squeeze(body) == "{return-ENOSYS;}";
        collecting.reset();
        body.clear();
        return;
      }
    }
    body += '\n';
    if (body.size() > 4096) collecting.reset(), body.clear(), depth = 0;  // long bodies are real ones
  };
  std::vector<Scope> scopes;
  auto context = [&] {
    Condition c = Condition::always();
    for (const auto& s : scopes) c = Condition::both(c, s.branch.value_or(Condition::always()));
    return c;
  };
  std::istringstream in{std::string(source)};
  std::string line;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    int first_line = number;
    // Directives may continue over several lines.
    while (!line.empty() && line.back() == '\\') {
      std::string more;
      if (!std::getline(in, more)) break;
      ++number;
      line.pop_back();
      line += " " + more;
    }
    auto b = line.find_first_not_of(" \t");
    if (b == std::string::npos) continue;
    std::string_view l(line);
    l.remove_prefix(b);
    if (l.front() == '#') {
      l.remove_prefix(1);
      auto kb = l.find_first_not_of(" \t");
      if (kb == std::string_view::npos) continue;
      l.remove_prefix(kb);
      auto ke = l.find_first_of(" \t(");
      auto keyword = l.substr(0, ke);
      auto rest = ke == std::string_view::npos ? std::string_view() : l.substr(ke);
      if (auto c = rest.find("//"); c != std::string_view::npos) rest = rest.substr(0, c);
      if (keyword == "if") {
        scopes.push_back({parse_if_expression(rest)});
      } else if (keyword == "ifdef" || keyword == "ifndef") {
        auto name = IfParser(rest).parse();
        std::optional<Condition> c = name;
        if (c && keyword == "ifndef") c = Condition::negate(*c);
        scopes.push_back({c});
      } else if (keyword == "elif" || keyword == "else") {
        if (scopes.empty()) continue;
        auto& s = scopes.back();
        if (s.branch) s.previous = Condition::both(s.previous, Condition::negate(*s.branch));
        else s.previous_known = false;
        std::optional<Condition> c = keyword == "elif" ? parse_if_expression(rest) : Condition::always();
        // After an unknown branch we cannot say which earlier branch failed.
        std::optional<Condition> prev = s.previous_known ? std::optional<Condition>(s.previous) : std::nullopt;
        if (c && prev) s.branch = Condition::both(*prev, *c);
        else if (c) s.branch = c;
        else s.branch = prev;
      } else if (keyword == "endif") {
        if (!scopes.empty()) scopes.pop_back();
      } else if (keyword == "include") {
        auto q1 = rest.find('"'), q2 = rest.rfind('"');
        if (q1 != std::string_view::npos && q2 > q1) {
          std::string path(rest.substr(q1 + 1, q2 - q1 - 1));
          if (path.ends_with(".c")) scan.c_includes.push_back({path, context()});
        }
      }
      continue;
    }
    auto def = l.find("SYSCALL_DEFINE");
    if (def != 0) {  // only at the start of a line (not COMPAT_SYSCALL_DEFINE, not in comments)
      collect(l);
      continue;
    }
    auto rest = l.substr(14);
    size_t i = 0;
    while (i < rest.size() && std::isdigit(static_cast<unsigned char>(rest[i]))) ++i;
    if (i == 0 || i >= rest.size() || rest[i] != '(') continue;
    auto close = rest.find_first_of(",)", i + 1);
    if (close == std::string_view::npos) continue;
    std::string name(rest.substr(i + 1, close - i - 1));
    auto nb = name.find_first_not_of(" \t");
    auto ne = name.find_last_not_of(" \t");
    if (nb == std::string::npos) continue;
    out.push_back({name.substr(nb, ne - nb + 1), first_line, context()});
    collecting = out.size() - 1;
    body.clear();
    depth = 0;
    collect(l);
  }
  return scan;
}

}  // namespace tailor::knowledge
