// Deriving syscall -> CONFIG_ requirements from a kernel tree (see syscall_knowledge.h).
#include "kconfig-analyzer/analyzer/knowledge/syscall_knowledge.h"

#include <sys/stat.h>

#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <sstream>

#include "common/error.h"
#include "common/fs.h"
#include "common/sha256.h"
#include "kconfig-analyzer/analyzer/knowledge/kbuild.h"
#include "kconfig-analyzer/analyzer/knowledge/syscall_definitions.h"

namespace tailor::knowledge {

namespace fs = std::filesystem;
using json = nlohmann::json;

namespace {

// Bump when the derivation's results change for the same tree: cached tables
// from an older version are then derived again.
constexpr int kFormatVersion = 2;
const char* kTable = "arch/x86/entry/syscalls/syscall_64.tbl";
const char* kSysNi = "kernel/sys_ni.c";

std::string stat_key(const fs::path& p) {
  struct stat st {};
  if (::stat(p.c_str(), &st) != 0) return "missing";
  return std::to_string(st.st_size) + ":" + std::to_string(st.st_mtim.tv_sec) + "." +
         std::to_string(st.st_mtim.tv_nsec);
}

// Walks the Kbuild graph from the top of the tree, collecting every C source
// that can be built in and the condition under which it is.
class TreeWalker {
 public:
  TreeWalker(const fs::path& tree, std::map<std::string, std::string>& inputs) : tree_(tree), inputs_(inputs) {
    vars_ = {{"SRCARCH", "x86"}, {"ARCH", "x86_64"}, {"BITS", "64"}, {"srctree", tree.string()},
             {"src", "."}, {"obj", "."}};
  }

  std::map<std::string, Condition> sources() {
    // The top: Kbuild lists the main directories; the top Makefile and the
    // arch Makefile add lib/ and arch sub-directories through core-/drivers-/libs- lists.
    walk("", Condition::always());
    for (const auto* mk : {"Makefile", "arch/x86/Makefile"}) {
      auto text = read(mk);
      if (!text) continue;
      auto dir = parse_kbuild(*text, vars_);
      for (const auto& [list, entries] : dir.lists)
        for (const auto& e : entries)
          if (!e.name.empty() && e.name.back() == '/') walk(e.name, e.condition);
    }
    return sources_;
  }

 private:
  std::optional<std::string> read(const std::string& rel) {
    auto p = tree_ / rel;
    std::error_code ec;
    if (!fs::is_regular_file(p, ec)) return std::nullopt;
    inputs_[rel] = stat_key(p);
    return read_file(p);
  }

  void walk(const std::string& dir, const Condition& cond) {
    if (cond.is_false()) return;
    auto [it, fresh] = visited_.emplace(dir, cond);
    if (!fresh) {
      it->second = Condition::either(it->second, cond);
      return;
    }
    auto text = read(dir + "Kbuild");
    if (!text) text = read(dir + "Makefile");
    if (!text) return;
    auto parsed = parse_kbuild(*text, vars_);
    if (dir.empty()) {
      // The top Kbuild's obj-y lists the main directories, e.g. arch/$(SRCARCH)/.
    }
    for (const auto& obj : parsed.objects) {
      auto c = Condition::both(cond, obj.condition);
      if (c.is_false()) continue;
      auto rel = fs::path(dir + obj.name).lexically_normal().string();
      auto source = rel.substr(0, rel.size() - 2) + ".c";
      std::error_code ec;
      if (!fs::is_regular_file(tree_ / source, ec)) continue;
      auto [s, added] = sources_.emplace(source, c);
      if (!added) s->second = Condition::either(s->second, c);
    }
    for (const auto& sub : parsed.subdirs) {
      auto rel = fs::path(dir + sub.name).lexically_normal().string();
      if (rel.empty() || rel.back() != '/') rel += '/';
      walk(rel, Condition::both(cond, sub.condition));
    }
  }

  fs::path tree_;
  std::map<std::string, std::string>& inputs_;
  std::map<std::string, std::string> vars_;
  std::map<std::string, Condition> visited_;
  std::map<std::string, Condition> sources_;
};

json dnf_json(const Dnf& d) {
  json out = json::array();
  for (const auto& c : d) {
    json term = json::array();
    for (const auto& l : c) term.push_back((l.positive ? "" : "!") + l.symbol);
    out.push_back(term);
  }
  return out;
}

Dnf dnf_from_json(const json& j) {
  Dnf d;
  for (const auto& term : j) {
    Conjunction c;
    for (const auto& lit : term) {
      auto s = lit.get<std::string>();
      if (!s.empty() && s[0] == '!') c.push_back({s.substr(1), false});
      else c.push_back({s, true});
    }
    d.push_back(std::move(c));
  }
  return d;
}

// Records the definitions in one source (and the .c files it includes).
void scan_file(const fs::path& tree, const std::string& source, const std::string& text, const Condition& build_cond,
               std::map<std::string, std::vector<SyscallDefinitionSite>>& defs,
               std::map<std::string, std::string>& inputs, int depth) {
  if (text.find("SYSCALL_DEFINE") == std::string::npos && text.find(".c\"") == std::string::npos) return;
  auto scan = scan_source(text);
  for (const auto& found : scan.definitions) {
    SyscallDefinitionSite site;
    site.file = source;
    site.line = found.line;
    site.build_condition = build_cond.to_dnf();
    site.source_condition = found.condition.to_dnf();
    site.condition = Condition::both(build_cond, found.condition).to_dnf();
    site.stub = found.stub;
    defs[found.name].push_back(std::move(site));
  }
  if (depth >= 2) return;
  for (const auto& inc : scan.c_includes) {
    auto rel = (fs::path(source).parent_path() / inc.path).lexically_normal().string();
    std::error_code ec;
    if (!fs::is_regular_file(tree / rel, ec)) continue;
    inputs[rel] = stat_key(tree / rel);
    scan_file(tree, rel, read_file(tree / rel), Condition::both(build_cond, inc.condition), defs, inputs, depth + 1);
  }
}

}  // namespace

bool SyscallFacts::always_available() const {
  for (const auto& c : requirement)
    if (c.empty()) return true;
  return false;
}

std::vector<SyscallTableEntry> parse_syscall_table(const std::string& text, const std::string& where) {
  std::vector<SyscallTableEntry> out;
  std::istringstream in(text);
  std::string line;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    auto hash = line.find('#');
    if (hash != std::string::npos) line.resize(hash);
    std::istringstream fields(line);
    std::string nr, abi, name, entry;
    if (!(fields >> nr)) continue;
    if (!(fields >> abi >> name))
      throw Error(where + ":" + std::to_string(number) + ": expected '<number> <abi> <name> [<entry point>]'");
    fields >> entry;
    if (abi == "x32") continue;
    SyscallTableEntry e;
    try {
      e.nr = std::stoi(nr);
    } catch (...) {
      throw Error(where + ":" + std::to_string(number) + ": syscall number '" + nr + "' is not a number");
    }
    e.abi = abi;
    e.name = name;
    e.entry = entry;
    out.push_back(std::move(e));
  }
  return out;
}

std::vector<std::string> parse_cond_syscalls(const std::string& text) {
  std::vector<std::string> out;
  static const std::regex re(R"(^\s*COND_SYSCALL\((\w+)\);)");
  std::istringstream in(text);
  std::string line;
  std::smatch m;
  while (std::getline(in, line))
    if (std::regex_search(line, m, re)) out.push_back(m[1]);
  return out;
}

void SyscallKnowledge::index() {
  by_nr_.clear();
  by_name_.clear();
  for (size_t i = 0; i < syscalls_.size(); ++i) {
    by_nr_[syscalls_[i].nr] = i;
    by_name_[syscalls_[i].name] = i;
  }
}

const SyscallFacts* SyscallKnowledge::by_number(int nr) const {
  auto it = by_nr_.find(nr);
  return it == by_nr_.end() ? nullptr : &syscalls_[it->second];
}

const SyscallFacts* SyscallKnowledge::by_name(const std::string& name) const {
  auto it = by_name_.find(name);
  return it == by_name_.end() ? nullptr : &syscalls_[it->second];
}

std::string SyscallKnowledge::name_of(int nr) const {
  const auto* f = by_number(nr);
  return f ? f->name : "syscall_" + std::to_string(nr);
}

SyscallKnowledge SyscallKnowledge::derive(const fs::path& tree, Progress* progress) {
  SyscallKnowledge k;
  auto table_path = tree / kTable;
  std::error_code ec;
  if (!fs::is_regular_file(table_path, ec))
    throw Error(tree.string() + " does not look like a Linux source tree: " + kTable + " is missing");
  k.inputs_[kTable] = stat_key(table_path);
  auto table = parse_syscall_table(read_file(table_path), table_path.string());
  std::set<std::string> optional;
  if (fs::is_regular_file(tree / kSysNi, ec)) {
    k.inputs_[kSysNi] = stat_key(tree / kSysNi);
    for (auto& n : parse_cond_syscalls(read_file(tree / kSysNi))) optional.insert(n);
  }

  if (progress) progress->update("syscall knowledge", -1, "reading Kbuild makefiles");
  TreeWalker walker(tree, k.inputs_);
  auto sources = walker.sources();

  // Every definition in every source that can be built in.
  std::map<std::string, std::vector<SyscallDefinitionSite>> defs;
  size_t done = 0;
  for (const auto& [source, build_cond] : sources) {
    if (progress && (++done % 500 == 0))
      progress->update("syscall knowledge", int(100 * done / sources.size()), "scanning sources");
    auto path = tree / source;
    auto text = read_file(path);
    k.inputs_[source] = stat_key(path);
    scan_file(tree, source, text, build_cond, defs, k.inputs_, 0);
  }

  for (const auto& e : table) {
    SyscallFacts f;
    f.nr = e.nr;
    f.name = e.name;
    f.entry = e.entry;
    f.conditional = optional.count(e.name) > 0;
    std::string defined_as = e.entry.rfind("sys_", 0) == 0 ? e.entry.substr(4) : std::string();
    if (!defined_as.empty() && defs.count(defined_as)) f.definitions = defs[defined_as];
    Dnf any;
    for (const auto& d : f.definitions)
      if (!d.stub) any.insert(any.end(), d.condition.begin(), d.condition.end());
    f.requirement = simplify(std::move(any));
    k.syscalls_.push_back(std::move(f));
  }
  k.index();
  return k;
}

std::string SyscallKnowledge::to_json() const {
  json out;
  out["format"] = kFormatVersion;
  json calls = json::array();
  for (const auto& f : syscalls_) {
    json c;
    c["nr"] = f.nr;
    c["name"] = f.name;
    c["entry"] = f.entry;
    c["conditional"] = f.conditional;
    c["requirement"] = dnf_json(f.requirement);
    json defs = json::array();
    for (const auto& d : f.definitions)
      defs.push_back({{"file", d.file}, {"line", d.line}, {"build", dnf_json(d.build_condition)},
                      {"source", dnf_json(d.source_condition)}, {"condition", dnf_json(d.condition)},
                      {"stub", d.stub}});
    c["definitions"] = defs;
    calls.push_back(c);
  }
  out["syscalls"] = calls;
  out["inputs"] = inputs_;
  return out.dump(1) + "\n";
}

SyscallKnowledge SyscallKnowledge::from_json(const std::string& text, const std::string& where) {
  SyscallKnowledge k;
  try {
    auto j = json::parse(text);
    if (j.at("format").get<int>() != kFormatVersion) throw Error(where + ": written by another version of tailor");
    for (const auto& c : j.at("syscalls")) {
      SyscallFacts f;
      f.nr = c.at("nr");
      f.name = c.at("name");
      f.entry = c.at("entry");
      f.conditional = c.at("conditional");
      f.requirement = dnf_from_json(c.at("requirement"));
      for (const auto& d : c.at("definitions"))
        f.definitions.push_back({d.at("file"), d.at("line"), dnf_from_json(d.at("build")),
                                 dnf_from_json(d.at("source")), dnf_from_json(d.at("condition")), d.at("stub")});
      k.syscalls_.push_back(std::move(f));
    }
    k.inputs_ = j.at("inputs").get<std::map<std::string, std::string>>();
  } catch (const json::exception& e) {
    throw Error(where + ": not a syscall knowledge file (" + e.what() + ")");
  }
  k.index();
  return k;
}

SyscallKnowledge SyscallKnowledge::load_or_derive(const fs::path& tree, const fs::path& cache, Progress* progress) {
  auto canonical = fs::weakly_canonical(tree).string();
  auto file = cache / "analyzer" / ("syscalls-" + sha256_hex("v" + std::to_string(kFormatVersion) + ":" + canonical).substr(0, 24) + ".json");
  std::error_code ec;
  if (fs::is_regular_file(file, ec)) {
    try {
      auto k = from_json(read_file(file), file.string());
      bool fresh = !k.inputs().empty();
      for (const auto& [rel, key] : k.inputs())
        if (stat_key(tree / rel) != key) {
          fresh = false;
          break;
        }
      if (fresh) return k;
    } catch (const Error&) {
      // A damaged cache entry is rebuilt below.
    }
  }
  auto k = derive(tree, progress);
  fs::create_directories(file.parent_path());
  write_file_atomic(file, k.to_json());
  return k;
}

}  // namespace tailor::knowledge
