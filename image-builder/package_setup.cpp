// A reader of maintainer scripts that understands just enough sh to find the
// users, directories and alternatives they create; and of sysusers.d and
// tmpfiles.d, which say the same things as data.
#include "image-builder/package_setup.h"

#include <algorithm>
#include <cctype>
#include <set>
#include <sstream>

namespace tailor::image {
namespace {

constexpr int kMaxCallDepth = 8;          // shell functions calling each other
constexpr size_t kMaxWarningsPerPackage = 3;

bool is_name(const std::string& s) {
  if (s.empty() || !(std::isalpha(static_cast<unsigned char>(s[0])) || s[0] == '_')) return false;
  return std::all_of(s.begin(), s.end(), [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; });
}

std::string trim(const std::string& s) {
  size_t b = s.find_first_not_of(" \t\r");
  if (b == std::string::npos) return {};
  return s.substr(b, s.find_last_not_of(" \t\r") - b + 1);
}

// A word after quote removal and expansion; `known` is false when it held an
// expansion the reader cannot know ($(...), `...`, an unset variable).
struct Word {
  std::string text;
  bool known = true;
  std::string raw;  // as written, for messages
};

struct Scope {
  std::map<std::string, std::string> vars;
  std::vector<std::string> args;  // $1, $2, ...
};

// Splits one logical line into simple commands (at ; && || | outside quotes)
// and each into words, expanding $NAME, ${NAME} and $1 from `scope`.
std::vector<std::vector<Word>> split_commands(const std::string& line, const Scope& scope) {
  std::vector<std::vector<Word>> commands(1);
  Word word;
  bool in_word = false;
  char quote = 0;
  size_t start = 0, i = 0;  // where the current word began; the cursor
  auto end_word = [&] {
    if (in_word) {
      word.raw = line.substr(start, i - start);
      commands.back().push_back(word);
    }
    word = Word{};
    in_word = false;
  };
  auto expand = [&](size_t& i) {  // at '$'
    std::string name;
    if (i + 1 < line.size() && line[i + 1] == '{') {
      size_t close = line.find('}', i + 2);
      if (close == std::string::npos) {
        word.known = false;
        in_word = true;
        i = line.size() - 1;
        return;
      }
      name = line.substr(i + 2, close - i - 2);
      i = close;
    } else if (i + 1 < line.size() && std::isdigit(static_cast<unsigned char>(line[i + 1]))) {
      name = line.substr(i + 1, 1);
      i += 1;
    } else {
      size_t j = i + 1;
      while (j < line.size() && (std::isalnum(static_cast<unsigned char>(line[j])) || line[j] == '_')) ++j;
      name = line.substr(i + 1, j - i - 1);
      if (name.empty()) {  // $( $? $@ ...
        word.known = false;
        in_word = true;
        if (j < line.size() && line[j] == '(') {
          int depth = 0;
          for (; j < line.size(); ++j) {
            if (line[j] == '(') ++depth;
            if (line[j] == ')' && --depth == 0) break;
          }
        }
        i = std::min(j, line.size() - 1);
        return;
      }
      i = j - 1;
    }
    in_word = true;
    if (!name.empty() && std::isdigit(static_cast<unsigned char>(name[0])) &&
        std::all_of(name.begin(), name.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); })) {
      size_t n = std::stoul(name);
      if (n >= 1 && n <= scope.args.size()) word.text += scope.args[n - 1];
      else word.known = false;
    } else if (auto it = scope.vars.find(name); it != scope.vars.end()) {
      word.text += it->second;
    } else {
      word.known = false;
    }
  };
  for (; i < line.size(); ++i) {
    const char c = line[i];
    if (!in_word && quote == 0) start = i;
    if (quote == '\'') {
      if (c == '\'') quote = 0;
      else word.text += c;
      continue;
    }
    if (quote == '"') {
      if (c == '"') quote = 0;
      else if (c == '$') expand(i);
      else if (c == '`') word.known = false;
      else word.text += c;
      continue;
    }
    if (c == '\'' || c == '"') {
      quote = c;
      in_word = true;
      continue;
    }
    if (c == '$') { expand(i); continue; }
    if (c == '`') { word.known = false; in_word = true; continue; }
    if (c == '#' && !in_word) break;  // a comment
    if (c == ' ' || c == '\t') { end_word(); continue; }
    if (c == ';' || c == '&' || c == '|') {
      end_word();
      if (!commands.back().empty()) commands.emplace_back();
      continue;
    }
    if (c == '>' || c == '<') {  // a redirection: drop it and its target
      end_word();
      size_t j = i + 1;
      while (j < line.size() && (line[j] == '>' || line[j] == '&' || std::isdigit(static_cast<unsigned char>(line[j])))) ++j;
      while (j < line.size() && (line[j] == ' ' || line[j] == '\t')) ++j;
      while (j < line.size() && line[j] != ' ' && line[j] != '\t' && line[j] != ';' && line[j] != '|' && line[j] != '&') ++j;
      i = j - 1;
      continue;
    }
    word.text += c;
    in_word = true;
  }
  end_word();
  // "2" left of a "2>/dev/null" would be a word: drop a trailing lone digit.
  for (auto& cmd : commands)
    while (!cmd.empty() && cmd.back().text.size() == 1 && std::isdigit(static_cast<unsigned char>(cmd.back().text[0])))
      cmd.pop_back();
  commands.erase(std::remove_if(commands.begin(), commands.end(), [](const auto& c) { return c.empty(); }), commands.end());
  return commands;
}

// Logical lines: continuations joined.
std::vector<std::string> logical_lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  std::string line, pending;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\\') {
      pending += line.substr(0, line.size() - 1) + " ";
      continue;
    }
    out.push_back(trim(pending + line));
    pending.clear();
  }
  if (!pending.empty()) out.push_back(trim(pending));
  return out;
}

std::optional<std::uint32_t> octal_mode(const std::string& s) {
  if (s.empty() || s.size() > 4 || !std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '7'; }))
    return std::nullopt;
  return static_cast<std::uint32_t>(std::stoul(s, nullptr, 8));
}

std::optional<std::uint32_t> number(const std::string& s) {
  if (s.empty() || s.size() > 9 || !std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return std::nullopt;
  return static_cast<std::uint32_t>(std::stoul(s));
}

bool absolute(const std::string& p) { return !p.empty() && p[0] == '/' && p.find("..") == std::string::npos; }

class ScriptReader {
 public:
  ScriptReader(const std::string& package, const std::string& script, PackageSetup& out,
               std::vector<std::string>& warnings)
      : package_(package), script_(script), out_(out), warnings_(warnings) {}

  void read(const std::string& text) {
    Scope top;
    top.vars["DPKG_ROOT"] = "";  // dpkg sets it empty for the running system
    top.args = {script_ == "preinst" ? "install" : "configure"};
    run(logical_lines(text), top, 0);
  }

 private:
  void run(const std::vector<std::string>& lines, Scope& scope, int depth) {
    for (size_t i = 0; i < lines.size(); ++i) {
      const std::string& line = lines[i];
      if (line.empty()) continue;
      // A function definition: NAME () { ... }
      if (size_t paren = line.find("()"); paren != std::string::npos && is_name(trim(line.substr(0, paren)))) {
        const std::string name = trim(line.substr(0, paren));
        std::vector<std::string> body;
        for (++i; i < lines.size() && lines[i] != "}"; ++i)
          if (lines[i] != "{") body.push_back(lines[i]);
        functions_[name] = body;
        continue;
      }
      // for VAR in words; do ... done
      if (line.rfind("for ", 0) == 0) {
        std::vector<std::string> body;
        int nesting = 1;
        for (++i; i < lines.size(); ++i) {
          const std::string& l = lines[i];
          if (l.rfind("for ", 0) == 0 || l.rfind("while ", 0) == 0) ++nesting;
          if ((l == "done" || l.rfind("done ", 0) == 0 || l.rfind("done;", 0) == 0) && --nesting == 0) break;
          if (l == "do") continue;
          body.push_back(l);
        }
        auto cmds = split_commands(line, scope);
        if (cmds.empty() || cmds[0].size() < 3 || cmds[0][2].text != "in") continue;
        const std::string var = cmds[0][1].text;
        std::vector<Word> words(cmds[0].begin() + 3, cmds[0].end());
        words.erase(std::remove_if(words.begin(), words.end(), [](const Word& w) { return w.text == "do"; }), words.end());
        const bool all_known = std::all_of(words.begin(), words.end(), [](const Word& w) { return w.known; });
        if (!all_known || words.empty()) {
          scope.vars.erase(var);
          run(body, scope, depth);
          continue;
        }
        for (const auto& w : words) {
          scope.vars[var] = w.text;
          run(body, scope, depth);
        }
        continue;
      }
      for (auto& cmd : split_commands(line, scope)) command(cmd, scope, depth);
    }
  }

  void command(std::vector<Word> words, Scope& scope, int depth) {
    static const std::set<std::string> keywords = {"if", "then", "else", "elif", "do", "while", "until", "!", "{", "}",
                                                    "fi", "done", "esac", "in", "local", "export", "readonly"};
    while (!words.empty() && keywords.count(words.front().text)) words.erase(words.begin());
    if (words.empty()) return;
    const std::string& cmd = words[0].text;
    // A command named by a variable the reader does not know ("$helper"),
    // a case keyword or pattern: nothing to derive.
    if (cmd.empty() || cmd == "case" || cmd.back() == ')' || cmd == ";;") return;
    // NAME=value (as the whole command)
    if (size_t eq = cmd.find('='); eq != std::string::npos && is_name(cmd.substr(0, eq)) && words.size() == 1) {
      if (words[0].known) scope.vars[cmd.substr(0, eq)] = cmd.substr(eq + 1);
      else scope.vars.erase(cmd.substr(0, eq));
      return;
    }
    if (auto f = functions_.find(cmd); f != functions_.end()) {
      if (depth >= kMaxCallDepth) return;
      Scope inner = scope;
      inner.args.clear();
      for (size_t i = 1; i < words.size(); ++i) inner.args.push_back(words[i].known ? words[i].text : "");
      run(f->second, inner, depth + 1);
      return;
    }
    std::vector<std::string> args;
    bool known = true;
    for (size_t i = 1; i < words.size(); ++i) {
      args.push_back(words[i].text);
      known = known && words[i].known;
    }
    if (cmd == "adduser" || cmd == "addgroup" || cmd == "useradd" || cmd == "groupadd") {
      if (!known) return warn(words);
      account(cmd, args, words);
    } else if (cmd == "update-alternatives") {
      if (!args.empty() && args[0] == "--install") {
        if (!known) return warn(words);
        alternative(args);
      }
    } else if (cmd == "mkdir" || (cmd == "install" && std::find(args.begin(), args.end(), "-d") != args.end())) {
      if (!known) return warn(words);
      directories(cmd, args);
    } else if (cmd == "ln" || cmd == "cp") {
      if (!known) return warn(words);
      link_or_copy(cmd, args, words);
    } else if (cmd == "dpkg-statoverride") {
      if (std::find(args.begin(), args.end(), "--list") == args.end()) warn(words);
    } else {
      static const std::set<std::string> not_derived = {"chown", "chmod", "chgrp", "mv", "touch",
                                                         "ucf", "ucfr", "setcap", "update-ca-certificates",
                                                         "systemd-tmpfiles", "phpenmod", "php_invoke", "sed"};
      if (not_derived.count(cmd)) warn(words);
    }
  }

  void warn(const std::vector<Word>& words) {
    std::string text;
    for (const auto& w : words) text += (text.empty() ? "" : " ") + (w.known ? w.text : w.raw);
    if (text.size() > 100) text = text.substr(0, 97) + "...";
    warnings_.push_back(script_ + " `" + text + "`");
  }

  void account(const std::string& cmd, const std::vector<std::string>& args, const std::vector<Word>& words) {
    static const std::set<std::string> with_value = {"--home", "--shell", "--ingroup", "--gid", "--uid", "--gecos",
                                                     "--comment", "--firstuid", "--lastuid", "--firstgid",
                                                     "--lastgid", "--conf", "-d", "--home-dir", "-s", "-g", "-u",
                                                     "-c", "-G", "-K", "-k", "-p"};
    std::map<std::string, std::string> opt;
    std::set<std::string> flags;
    std::vector<std::string> positional;
    for (size_t i = 0; i < args.size(); ++i) {
      const std::string& a = args[i];
      if (a.rfind("-", 0) == 0) {
        if (size_t eq = a.find('='); eq != std::string::npos) opt[a.substr(0, eq)] = a.substr(eq + 1);
        else if (with_value.count(a) && i + 1 < args.size()) opt[a] = args[++i];
        else flags.insert(a);
      } else {
        positional.push_back(a);
      }
    }
    auto get = [&](std::initializer_list<const char*> keys) -> std::string {
      for (const char* k : keys)
        if (auto it = opt.find(k); it != opt.end()) return it->second;
      return {};
    };
    if (positional.empty()) return warn(words);
    const std::string name = positional.back();
    const bool group_only = cmd == "addgroup" || cmd == "groupadd" ||
                            (cmd == "adduser" && flags.count("--group") && !flags.count("--system"));
    if (cmd == "adduser" && positional.size() == 2) return;  // adduser USER GROUP: a membership
    if (group_only) {
      out_.groups.push_back({name, number(get({"--gid", "-g"})), "", "", "", package_});
      return;
    }
    SystemAccount u;
    u.name = name;
    u.id = number(get({"--uid", "-u"}));
    u.package = package_;
    if (std::string home = get({"--home", "-d", "--home-dir"}); !home.empty()) u.home = home;
    if (std::string shell = get({"--shell", "-s"}); !shell.empty()) u.shell = shell;
    if (flags.count("--group") || flags.count("-U") || flags.count("--user-group")) {
      u.group = name;
      out_.groups.push_back({name, std::nullopt, "", "", "", package_});
    } else {
      u.group = get({"--ingroup", "-g"});
    }
    out_.users.push_back(u);
    const bool no_home = flags.count("--no-create-home") || flags.count("-M") ||
                         (cmd == "useradd" && !flags.count("-m") && !flags.count("--create-home"));
    if (!no_home && absolute(u.home) && u.home != "/nonexistent")
      out_.dirs.push_back({u.home, 0755, package_, cmd + " --home"});
  }

  void alternative(const std::vector<std::string>& args) {
    // --install LINK NAME PATH PRIORITY [--slave LINK NAME PATH]...
    if (args.size() < 5) return;
    char* end = nullptr;
    const long priority = std::strtol(args[4].c_str(), &end, 10);
    if (absolute(args[1]) && absolute(args[3]))
      out_.links.push_back({args[1], args[3], args[2], priority, package_, "update-alternatives " + args[2]});
    for (size_t i = 5; i + 3 < args.size(); i += 4)
      if (args[i] == "--slave" && absolute(args[i + 1]) && absolute(args[i + 3]))
        out_.links.push_back({args[i + 1], args[i + 3], args[2] + "/" + args[i + 2], priority, package_,
                              "update-alternatives " + args[2]});
  }

  // ln -s[f][n] TARGET LINK and cp [-p] FROM TO: two literal paths.
  void link_or_copy(const std::string& cmd, const std::vector<std::string>& args, const std::vector<Word>& words) {
    std::vector<std::string> paths;
    bool symbolic = false;
    for (const auto& a : args) {
      if (a.rfind("-", 0) == 0) symbolic = symbolic || (a.find('s') != std::string::npos && a.rfind("--", 0) != 0);
      else paths.push_back(a);
    }
    if (paths.size() != 2 || !absolute(paths[1]) || (cmd == "ln" && !symbolic) || (cmd == "cp" && !absolute(paths[0])))
      return warn(words);
    if (cmd == "ln") out_.links.push_back({paths[1], paths[0], paths[1], 0, package_, "ln -s"});
    else out_.copies.push_back({paths[0], paths[1], package_});
  }

  void directories(const std::string& cmd, const std::vector<std::string>& args) {
    std::uint32_t mode = 0755;
    for (size_t i = 0; i < args.size(); ++i) {
      const std::string& a = args[i];
      if (a == "-m" || a == "--mode") {
        if (i + 1 < args.size())
          if (auto m = octal_mode(args[++i])) mode = *m;
        continue;
      }
      if (a == "-o" || a == "-g" || a == "--owner" || a == "--group") { ++i; continue; }
      if (a.rfind("-", 0) == 0) continue;
      if (absolute(a)) out_.dirs.push_back({a, mode, package_, cmd});
    }
  }

  std::string package_, script_;
  PackageSetup& out_;
  std::vector<std::string>& warnings_;
  std::map<std::string, std::vector<std::string>> functions_;
};

// Each line of a sysusers.d/tmpfiles.d file with at least two words, split
// as the shell would (quotes removed, comments dropped).
template <typename Fn>
void for_each_config_line(const std::string& text, Fn fn) {
  std::istringstream in(text);
  std::string line;
  const Scope none;
  while (std::getline(in, line)) {
    auto cmds = split_commands(trim(line), none);
    if (!cmds.empty() && cmds[0].size() >= 2) fn(cmds[0]);
  }
}

// sysusers.d(5): "u NAME ID GECOS HOME SHELL", "g NAME ID"; '-' for a default.
void read_sysusers(const std::string& package, const std::string& text, PackageSetup& out) {
  for_each_config_line(text, [&](const std::vector<Word>& w) {
    const std::string& type = w[0].text;
    const std::string& name = w[1].text;
    if (name.find('%') != std::string::npos) return;
    const std::string id = w.size() > 2 ? w[2].text.substr(0, w[2].text.find(':')) : "-";
    if (type == "g") {
      out.groups.push_back({name, number(id), "", "", "", package});
    } else if (type == "u") {
      SystemAccount u;
      u.name = name;
      u.id = number(id);
      u.group = name;
      u.package = package;
      if (w.size() > 4 && w[4].text != "-" && absolute(w[4].text)) u.home = w[4].text;
      if (w.size() > 5 && w[5].text != "-" && absolute(w[5].text)) u.shell = w[5].text;
      out.users.push_back(u);
      out.groups.push_back({name, number(id), "", "", "", package});
    }
  });
}

// tmpfiles.d(5): "d PATH MODE USER GROUP AGE" (and D) create directories.
void read_tmpfiles(const std::string& package, const std::string& text, PackageSetup& out) {
  for_each_config_line(text, [&](const std::vector<Word>& w) {
    if (w[0].text != "d" && w[0].text != "D") return;
    if (!absolute(w[1].text) || w[1].text.find('%') != std::string::npos) return;
    std::uint32_t mode = 0755;
    if (w.size() > 2)
      if (auto m = octal_mode(w[2].text)) mode = *m;
    out.dirs.push_back({w[1].text, mode, package, "tmpfiles.d"});
  });
}

// Debian's static users and groups, as base-passwd installs them.
struct StaticAccount {
  const char* name;
  std::uint32_t id;
  const char* home;
};
constexpr StaticAccount kStaticUsers[] = {{"root", 0, "/root"},          {"daemon", 1, "/usr/sbin"},
                                          {"bin", 2, "/bin"},            {"sys", 3, "/dev"},
                                          {"www-data", 33, "/var/www"},  {"nobody", 65534, "/nonexistent"}};
constexpr StaticAccount kStaticGroups[] = {{"root", 0, ""},  {"daemon", 1, ""},    {"bin", 2, ""},
                                           {"sys", 3, ""},   {"adm", 4, ""},       {"tty", 5, ""},
                                           {"disk", 6, ""},  {"www-data", 33, ""}, {"users", 100, ""},
                                           {"nogroup", 65534, ""}};

// Ids for `accounts` (sorted by name, no duplicates, none static): asked-for
// ids first, then the lowest free id from 100 (Debian's system range).
std::map<std::string, std::uint32_t> allocate(const std::vector<SystemAccount>& accounts, std::set<std::uint32_t> used) {
  std::map<std::string, std::uint32_t> ids;
  for (const auto& a : accounts)
    if (a.id && !used.count(*a.id)) {
      ids[a.name] = *a.id;
      used.insert(*a.id);
    }
  std::uint32_t next = 100;
  for (const auto& a : accounts) {
    if (ids.count(a.name)) continue;
    while (used.count(next)) ++next;
    ids[a.name] = next;
    used.insert(next);
  }
  return ids;
}

template <typename Table>
bool is_static(const Table& table, const std::string& name) {
  return std::any_of(std::begin(table), std::end(table), [&](const StaticAccount& s) { return name == s.name; });
}

std::map<std::string, std::uint32_t> group_ids(const PackageSetup& setup) {
  std::set<std::uint32_t> used;
  std::map<std::string, std::uint32_t> ids;
  for (const auto& g : kStaticGroups) {
    used.insert(g.id);
    ids[g.name] = g.id;
  }
  auto derived = allocate(setup.groups, used);
  ids.insert(derived.begin(), derived.end());
  return ids;
}

// Sorted by name, first request of each name kept; static names dropped.
template <typename Table>
std::vector<SystemAccount> unique_accounts(std::vector<SystemAccount> all, const Table& statics) {
  std::stable_sort(all.begin(), all.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
  all.erase(std::unique(all.begin(), all.end(), [](const auto& a, const auto& b) { return a.name == b.name; }),
            all.end());
  all.erase(std::remove_if(all.begin(), all.end(), [&](const auto& a) { return is_static(statics, a.name); }),
            all.end());
  return all;
}

}  // namespace

PackageSetup derive_package_setup(const std::vector<PackageSetupInput>& packages) {
  PackageSetup out;
  for (const auto& p : packages) {
    std::vector<std::string> warnings;
    for (const auto& text : p.sysusers) read_sysusers(p.package, text, out);
    for (const auto& text : p.tmpfiles) read_tmpfiles(p.package, text, out);
    for (const auto& [script, text] : p.scripts) ScriptReader(p.package, script, out, warnings).read(text);
    // One line per package: what its scripts would do that the image lacks.
    std::vector<std::string> unique;
    for (const auto& w : warnings)
      if (std::find(unique.begin(), unique.end(), w) == unique.end()) unique.push_back(w);
    if (unique.empty()) continue;
    std::string text;
    for (size_t i = 0; i < unique.size() && i < kMaxWarningsPerPackage; ++i) text += (i ? ", " : "") + unique[i];
    if (unique.size() > kMaxWarningsPerPackage)
      text += " and " + std::to_string(unique.size() - kMaxWarningsPerPackage) + " more";
    out.warnings.push_back(p.package + ": not derived from its maintainer scripts (the image lacks what they do): " +
                           text);
  }
  out.users = unique_accounts(out.users, kStaticUsers);
  out.groups = unique_accounts(out.groups, kStaticGroups);
  // A user's primary group must exist: one that names no group gets nogroup.
  std::set<std::string> group_names;
  for (const auto& g : kStaticGroups) group_names.insert(g.name);
  for (const auto& g : out.groups) group_names.insert(g.name);
  for (auto& u : out.users)
    if (u.group.empty() || !group_names.count(u.group)) u.group = "nogroup";

  std::stable_sort(out.dirs.begin(), out.dirs.end(), [](const auto& a, const auto& b) { return a.path < b.path; });
  out.dirs.erase(std::unique(out.dirs.begin(), out.dirs.end(), [](const auto& a, const auto& b) { return a.path == b.path; }),
                 out.dirs.end());
  // update-alternatives picks the highest priority per name (then the first).
  std::stable_sort(out.links.begin(), out.links.end(), [](const auto& a, const auto& b) {
    return a.group_name != b.group_name ? a.group_name < b.group_name : a.priority > b.priority;
  });
  out.links.erase(std::unique(out.links.begin(), out.links.end(),
                              [](const auto& a, const auto& b) { return a.group_name == b.group_name; }),
                  out.links.end());
  std::sort(out.links.begin(), out.links.end(), [](const auto& a, const auto& b) { return a.link < b.link; });
  std::stable_sort(out.copies.begin(), out.copies.end(), [](const auto& a, const auto& b) { return a.to < b.to; });
  out.copies.erase(std::unique(out.copies.begin(), out.copies.end(), [](const auto& a, const auto& b) { return a.to == b.to; }),
                   out.copies.end());
  return out;
}

std::string passwd_file(const PackageSetup& setup) {
  std::set<std::uint32_t> used;
  std::string out;
  const auto gids = group_ids(setup);
  for (const auto& s : kStaticUsers) {
    used.insert(s.id);
    const std::string shell = s.id == 0 ? "/bin/sh" : "/usr/sbin/nologin";
    out += std::string(s.name) + ":x:" + std::to_string(s.id) + ":" + std::to_string(s.id) + ":" + s.name + ":" +
           s.home + ":" + shell + "\n";
  }
  for (const auto& entry : allocate(setup.users, used)) {
    const std::string& name = entry.first;
    const std::uint32_t uid = entry.second;
    const auto& u = *std::find_if(setup.users.begin(), setup.users.end(), [&](const auto& a) { return a.name == name; });
    out += name + ":x:" + std::to_string(uid) + ":" + std::to_string(gids.at(u.group)) + ":" + name + ":" + u.home +
           ":" + u.shell + "\n";
  }
  return out;
}

std::string group_file(const PackageSetup& setup) {
  std::string out;
  std::set<std::uint32_t> used;
  for (const auto& g : kStaticGroups) {
    out += std::string(g.name) + ":x:" + std::to_string(g.id) + ":\n";
    used.insert(g.id);
  }
  for (const auto& [name, gid] : allocate(setup.groups, used)) out += name + ":x:" + std::to_string(gid) + ":\n";
  return out;
}

}  // namespace tailor::image
