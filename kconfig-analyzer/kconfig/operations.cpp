// conf's modes (see operations.h): the same reads, passes and writes, in the
// same order, as scripts/kconfig/conf.c's main().
#include "kconfig-analyzer/kconfig/operations.h"

#include <cctype>

#include "common/config_line.h"
#include "kconfig-analyzer/kconfig/config_io.h"
#include "kconfig-analyzer/kconfig/diagnostics.h"

namespace tailor::kconfig {

namespace {
struct ModeName {
  Mode mode;
  std::string_view name;
};
constexpr ModeName kModes[] = {
    {Mode::OldDefConfig, "olddefconfig"}, {Mode::AllNoConfig, "allnoconfig"},   {Mode::AllYesConfig, "allyesconfig"},
    {Mode::AllModConfig, "allmodconfig"}, {Mode::AllDefConfig, "alldefconfig"}, {Mode::DefConfig, "defconfig"},
    {Mode::SaveDefConfig, "savedefconfig"},
};
}  // namespace

std::optional<Mode> mode_from_name(std::string_view name) {
  for (const auto& m : kModes)
    if (m.name == name) return m.mode;
  return std::nullopt;
}

std::string_view mode_name(Mode mode) {
  for (const auto& m : kModes)
    if (m.mode == mode) return m.name;
  return "?";
}

void set_all_new_symbols(Evaluator& ev, Mode mode) {
  const Model& m = ev.model();
  auto value_for = [&](Tri& out) {
    switch (mode) {
      case Mode::AllYesConfig: out = Tri::Yes; return true;
      case Mode::AllModConfig: out = Tri::Mod; return true;
      case Mode::AllNoConfig: out = Tri::No; return true;
      default: return false;  // defaults: leave the user value unset
    }
  };
  if (m.dialect == Dialect::Classic) {
    for (SymbolId s : m.walk_order) {
      SymState& st = ev.state(s);
      if ((st.flags & kDefUser) || (st.flags & kValid)) continue;
      SymbolType t = ev.effective_type(s);
      if (t != SymbolType::Bool && t != SymbolType::Tristate) continue;
      Tri v;
      if (!value_for(v)) continue;
      st.def_tri = v;
      st.flags |= kDefUser;
    }
    ev.clear_all_valid();
    for (SymbolId s : m.walk_order)
      if ((m.is_choice(s) && !ev.has_value(s)) || m.is_choice_value(s)) ev.state(s).flags |= kNeedSetChoiceValues;
    for (SymbolId s : m.walk_order) {
      if (ev.has_value(s) || !m.is_choice(s)) continue;
      ev.calc(s);
      ev.set_all_choice_values(s);
    }
    return;
  }
  for (MenuId menu = m.menu_next(Model::kRootMenu, Model::kRootMenu); menu != kNone;
       menu = m.menu_next(menu, Model::kRootMenu)) {
    SymbolId s = m.menus[menu].sym;
    if (s == kNoSymbol || m.menus[menu].prompt == kNone || ev.has_value(s)) continue;
    SymbolType t = m.sym(s).type;
    if ((t != SymbolType::Bool && t != SymbolType::Tristate) || m.is_choice_value(s) || m.is_choice(s)) continue;
    Tri v;
    if (!value_for(v)) continue;
    ev.state(s).def_tri = v;
    ev.state(s).flags |= kDefUser;
  }
  ev.clear_all_valid();
}

ModeResult run_mode(const std::shared_ptr<const Model>& model, Mode mode, const std::optional<ConfigText>& input) {
  ModeResult r{{}, {}, Evaluator(model)};
  Evaluator& ev = r.state;
  switch (mode) {
    case Mode::OldDefConfig:
    case Mode::SaveDefConfig:
    case Mode::DefConfig:
      if (!input) throw KconfigError(std::string(mode_name(mode)) + " needs an input configuration");
      read_config(ev, input->text, input->name, r.warnings);
      break;
    default:
      // KCONFIG_ALLCONFIG: a plain read, without conf_read's consistency pass.
      if (input) read_config_simple(ev, input->text, input->name, r.warnings);
      break;
  }
  switch (mode) {
    case Mode::AllNoConfig:
    case Mode::AllYesConfig:
    case Mode::AllModConfig:
    case Mode::AllDefConfig:
    case Mode::DefConfig: set_all_new_symbols(ev, mode); break;
    default: break;
  }
  r.output = mode == Mode::SaveDefConfig ? write_defconfig(ev) : write_config(ev);
  return r;
}

namespace {

bool is_word(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

// The symbol a fragment line sets, as merge_config.sh's sed expressions find it.
std::string fragment_symbol(std::string_view line) {
  auto c = parse_config_line(line);
  return c ? c->symbol() : std::string();
}

// grep -w: `word` occurs with no word character on either side.
bool contains_word(std::string_view line, std::string_view word) {
  for (size_t pos = line.find(word); pos != std::string_view::npos; pos = line.find(word, pos + 1)) {
    bool left = pos == 0 || !is_word(line[pos - 1]);
    size_t end = pos + word.size();
    bool right = end >= line.size() || !is_word(line[end]);
    if (left && right) return true;
  }
  return false;
}

std::vector<std::string_view> split_lines(std::string_view text) {
  std::vector<std::string_view> lines;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    if (nl == std::string_view::npos) nl = text.size();
    lines.push_back(text.substr(pos, nl - pos));
    pos = nl + 1;
  }
  return lines;
}

}  // namespace

std::string merge_config_fragments(std::string base, const std::vector<ConfigText>& fragments) {
  for (const ConfigText& frag : fragments) {
    for (std::string_view fl : split_lines(frag.text)) {
      std::string cfg = fragment_symbol(fl);
      if (cfg.empty()) continue;
      bool present = false;
      for (std::string_view bl : split_lines(base))
        if (contains_word(bl, cfg)) present = true;
      if (!present) continue;
      // sed "/CFG[ =]/d"
      std::string kept;
      size_t pos = 0;
      while (pos < base.size()) {
        size_t nl = base.find('\n', pos);
        size_t end = nl == std::string::npos ? base.size() : nl + 1;
        std::string_view line(base.data() + pos, end - pos);
        bool drop = line.find(cfg + " ") != std::string_view::npos || line.find(cfg + "=") != std::string_view::npos;
        if (!drop) kept.append(line);
        pos = end;
      }
      base = std::move(kept);
    }
    base += "\n";
    base += frag.text;
  }
  return base;
}

}  // namespace tailor::kconfig
