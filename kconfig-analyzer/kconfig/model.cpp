// Symbol table, interned values and menu-walk helpers of the parsed model.
#include "kconfig-analyzer/kconfig/model.h"

#include <algorithm>

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

ExprSize expr_size(const ExprPool& pool, ExprId root) {
  ExprSize total;
  if (root == kNoExpr) return total;
  // (node, its depth) pairs still to visit.
  std::vector<std::pair<ExprId, uint32_t>> stack{{root, 1}};
  while (!stack.empty()) {
    auto [e, depth] = stack.back();
    stack.pop_back();
    total.depth = std::max(total.depth, depth);
    const ExprNode& n = pool[e];
    switch (n.kind) {
      case ExprKind::And:
      case ExprKind::Or:
        stack.emplace_back(n.right, depth + 1);
        stack.emplace_back(n.left, depth + 1);
        break;
      case ExprKind::Not: stack.emplace_back(n.left, depth + 1); break;
      default: ++total.leaves; break;
    }
  }
  return total;
}

void Model::index_common_strings() {
  auto text = [this](StrId id) { return str(id); };
  for (StrId id = 0; id < kCommonStrings; ++id) string_ids_.insert(id, kCommon[id], text);
}

EvalDepth evaluation_depth(const Model& m) {
  const size_t n = m.symbols.size();
  // What a symbol's value is computed from, and its deepest expression.
  auto inputs = [&](SymbolId s, std::vector<SymbolId>& out) {
    const Symbol& sym = m.symbols[s];
    uint32_t deepest = 0;
    std::vector<ExprId> exprs = {sym.dir_dep, sym.rev_dep, sym.implied};
    for (PropId p : sym.props) {
      const Property& prop = m.props[p];
      exprs.push_back(prop.visible);
      if (prop.kind == PropKind::Default || prop.kind == PropKind::Range) exprs.push_back(prop.expr);
    }
    std::vector<ExprId> stack;
    for (ExprId root : exprs) {
      if (root == kNoExpr) continue;
      deepest = std::max(deepest, expr_size(m.exprs, root).depth);
      stack.push_back(root);
      while (!stack.empty()) {
        const ExprNode& e = m.exprs[stack.back()];
        stack.pop_back();
        switch (e.kind) {
          case ExprKind::And:
          case ExprKind::Or:
            stack.push_back(e.left);
            stack.push_back(e.right);
            break;
          case ExprKind::Not: stack.push_back(e.left); break;
          case ExprKind::Symbol: out.push_back(e.left); break;
          case ExprKind::None: break;
          default:
            out.push_back(e.left);
            out.push_back(e.right);
            break;
        }
      }
    }
    if (sym.choice != kNoSymbol) out.push_back(sym.choice);
    out.insert(out.end(), sym.members.begin(), sym.members.end());
    return deepest;
  };
  // Iterative depth-first search; a symbol's depth is known once all its
  // inputs' are (post-order). 0: not seen, kOnPath: being computed.
  constexpr uint32_t kOnPath = UINT32_MAX;
  std::vector<uint32_t> depth(n, 0);
  struct Frame {
    SymbolId sym;
    std::vector<SymbolId> inputs;
    size_t next = 0;
    uint32_t own = 0;   // kEvalLinkWeight + its deepest expression
    uint32_t best = 0;  // deepest input so far
  };
  EvalDepth result;
  std::vector<Frame> path;
  for (SymbolId root = 0; root < n; ++root) {
    if (depth[root] != 0) continue;
    auto enter = [&](SymbolId s) {
      Frame f{s, {}, 0, 0, 0};
      f.own = kEvalLinkWeight + inputs(s, f.inputs);
      depth[s] = kOnPath;
      path.push_back(std::move(f));
    };
    enter(root);
    while (!path.empty()) {
      Frame& f = path.back();
      if (f.next < f.inputs.size()) {
        SymbolId in = f.inputs[f.next++];
        if (depth[in] == kOnPath) continue;  // a cycle: reported by finalize
        if (depth[in] == 0) {
          enter(in);
          continue;
        }
        f.best = std::max(f.best, depth[in]);
        continue;
      }
      uint32_t d = f.own + f.best;
      depth[f.sym] = d;
      if (d > result.depth) result = {d, f.sym};
      path.pop_back();
      if (!path.empty()) path.back().best = std::max(path.back().best, d);
    }
  }
  return result;
}

Model::Model() {
  index_common_strings();
  // The three constants, which are not in conf's symbol table.
  for (StrId id : {kStrN, kStrM, kStrY}) {
    Symbol sym;
    sym.name = std::string(kCommon[id]);
    sym.type = SymbolType::Tristate;
    sym.flags = kSymConst;
    sym.name_str = id;
    symbols.push_back(std::move(sym));
  }
  MenuNode root;
  menus.push_back(root);
}

StrId Model::intern_name(std::string_view name, SymbolId owner) {
  auto text = [this](StrId id) { return str(id); };
  StrId id = string_ids_.find(name, text);
  if (id != kNone) return id;
  id = static_cast<StrId>(string_count());
  string_owner_.push_back(owner);
  string_ids_.insert(id, name, text);
  return id;
}

SymbolId Model::add_symbol(std::string_view name, uint32_t flags) {
  Symbol sym;
  sym.name = std::string(name);
  sym.flags = flags;
  sym.name_str = intern_name(name, static_cast<SymbolId>(symbols.size()));
  sym.seq = next_seq_++;
  symbols.push_back(std::move(sym));
  return static_cast<SymbolId>(symbols.size() - 1);
}

bool Model::restore_indexes() {
  string_owner_.clear();
  string_ids_.clear();
  by_name_.clear();
  const_by_name_.clear();
  choice_by_name_.clear();
  string_owner_.reserve(symbols.size());
  string_ids_.reserve(symbols.size() + kCommonStrings);
  by_name_.reserve(symbols.size());
  index_common_strings();
  if (symbols.size() < 3) return false;
  auto name = [this](SymbolId id) { return symbol_name(id); };
  uint32_t max_seq = 0;
  for (SymbolId s = 0; s < symbols.size(); ++s) {
    const Symbol& sym = symbols[s];
    if (intern_name(sym.name, s) != sym.name_str) return false;
    if (s <= kSymYes) {
      if (sym.name != std::string(1, "nmy"[s]) || !(sym.flags & kSymConst)) return false;
      continue;
    }
    max_seq = std::max(max_seq, sym.seq + 1);
    NameIndex* table = (sym.flags & kSymConst) ? &const_by_name_
                       : (sym.flags & kSymChoice) ? (sym.name.empty() ? nullptr : &choice_by_name_)
                                                  : &by_name_;
    if (!table) continue;
    if (table->find(sym.name, name) != kNone) return false;
    table->insert(s, sym.name, name);
  }
  next_seq_ = max_seq;
  return true;
}

SymbolId Model::lookup(std::string_view name, bool is_const) {
  if (name.size() == 1) {
    if (name[0] == 'n') return kSymNo;
    if (name[0] == 'm') return kSymMod;
    if (name[0] == 'y') return kSymYes;
  }
  auto names = [this](SymbolId id) { return symbol_name(id); };
  NameIndex& table = is_const ? const_by_name_ : by_name_;
  SymbolId found = table.find(name, names);
  if (found != kNone) return found;
  SymbolId id = add_symbol(name, is_const ? uint32_t{kSymConst} : 0u);
  table.insert(id, name, names);
  return id;
}

SymbolId Model::lookup_choice(std::string_view name) {
  auto names = [this](SymbolId id) { return symbol_name(id); };
  if (!name.empty()) {
    SymbolId found = choice_by_name_.find(name, names);
    if (found != kNone) return found;
  }
  SymbolId id = add_symbol(name, kSymChoice);
  if (!name.empty()) choice_by_name_.insert(id, name, names);
  return id;
}

SymbolId Model::find(std::string_view name) const {
  if (name.size() == 1) {
    if (name[0] == 'n') return kSymNo;
    if (name[0] == 'm') return kSymMod;
    if (name[0] == 'y') return kSymYes;
  }
  return by_name_.find(name, [this](SymbolId id) { return symbol_name(id); });
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
