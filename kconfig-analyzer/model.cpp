// Symbol table, interned values and menu-walk helpers of the parsed model.
#include "kconfig-analyzer/model.h"

namespace tailor::kconfig {

std::string_view type_name(SymbolType t) {
  switch (t) {
    case SymbolType::Bool: return "bool";
    case SymbolType::Tristate: return "tristate";
    case SymbolType::Int: return "integer";
    case SymbolType::Hex: return "hex";
    case SymbolType::String: return "string";
    case SymbolType::Unknown: break;
  }
  return "unknown";
}

ExprId ExprPool::copy(ExprId e) {
  if (e == kNoExpr) return kNoExpr;
  ExprNode n = nodes_[e];
  switch (n.kind) {
    case ExprKind::Not: n.left = copy(n.left); break;
    case ExprKind::And:
    case ExprKind::Or:
      n.left = copy(n.left);
      n.right = copy(n.right);
      break;
    default: break;  // leaves refer to symbols, which are shared
  }
  return add(n);
}

Model::Model() {
  for (std::string_view s : {"", "n", "m", "y", "0", "0x0"}) intern(s);
  // The three constants, which are not in conf's symbol table.
  for (std::string_view s : {"n", "m", "y"}) {
    Symbol sym;
    sym.name = std::string(s);
    sym.type = SymbolType::Tristate;
    sym.flags = kSymConst;
    sym.name_str = intern(s);
    symbols.push_back(std::move(sym));
  }
  MenuNode root;
  menus.push_back(root);
}

StrId Model::intern(std::string_view s) {
  auto it = string_ids_.find(std::string(s));
  if (it != string_ids_.end()) return it->second;
  StrId id = static_cast<StrId>(strings_.size());
  strings_.emplace_back(s);
  string_ids_.emplace(std::string(s), id);
  return id;
}

SymbolId Model::add_symbol(std::string_view name, uint32_t flags) {
  Symbol sym;
  sym.name = std::string(name);
  sym.flags = flags;
  sym.name_str = intern(name);
  sym.seq = next_seq_++;
  symbols.push_back(std::move(sym));
  return static_cast<SymbolId>(symbols.size() - 1);
}

SymbolId Model::lookup(std::string_view name, bool is_const) {
  if (name.size() == 1) {
    if (name[0] == 'n') return kSymNo;
    if (name[0] == 'm') return kSymMod;
    if (name[0] == 'y') return kSymYes;
  }
  auto& table = is_const ? const_by_name_ : by_name_;
  auto it = table.find(std::string(name));
  if (it != table.end()) return it->second;
  SymbolId id = add_symbol(name, is_const ? kSymConst : 0);
  table.emplace(std::string(name), id);
  return id;
}

SymbolId Model::lookup_choice(std::string_view name) {
  if (!name.empty()) {
    auto it = choice_by_name_.find(std::string(name));
    if (it != choice_by_name_.end()) return it->second;
  }
  SymbolId id = add_symbol(name, kSymChoice);
  if (!name.empty()) choice_by_name_.emplace(std::string(name), id);
  return id;
}

SymbolId Model::find(std::string_view name) const {
  if (name.size() == 1) {
    if (name[0] == 'n') return kSymNo;
    if (name[0] == 'm') return kSymMod;
    if (name[0] == 'y') return kSymYes;
  }
  auto it = by_name_.find(std::string(name));
  return it == by_name_.end() ? kNoSymbol : it->second;
}

std::string Model::where(const Location& l) const {
  if (l.file == kNone) return "<none>";
  return files[l.file] + ":" + std::to_string(l.line);
}

MenuId Model::menu_next(MenuId m, MenuId root) const {
  if (menus[m].list != kNone) return menus[m].list;
  while (m != root && menus[m].next == kNone) m = menus[m].parent;
  if (m == root) return kNone;
  return menus[m].next;
}

std::string_view Model::menu_prompt_text(MenuId m) const {
  const MenuNode& n = menus[m];
  if (n.prompt != kNone) return props[n.prompt].text;
  if (n.sym != kNoSymbol) return symbols[n.sym].name;
  return {};
}

}  // namespace tailor::kconfig
