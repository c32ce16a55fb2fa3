// Binary form of a finalized Model (see model_codec.h). Layout, all integers
// little-endian, vectors and strings prefixed with their length:
//   dialect, modules_sym, files,
//   symbols (name, type, flags, props, menus, dir/rev/implied, prompts,
//            defaults, ranges, choice, choice_menu, in_choice_list, members,
//            subtree, name_str, seq),
//   props, menus, expression nodes (the final, shared pool), walk_order.
#include "kconfig-analyzer/model_codec.h"

#include <utility>

namespace tailor::kconfig {

namespace {

// The smallest encoded size of each element, to reject counts the rest of
// the data cannot hold before allocating for them.
constexpr size_t kMinSymbolBytes = 4 + 1 + 4 + 4 * 4 + 3 * 4 + 4 + 4 + 1 + 4 + 4 + 4 + 4;
constexpr size_t kMinPropBytes = 1 + 4 + 4 + 4 + 4 + 4 + 4;
constexpr size_t kMinMenuBytes = 7 * 4 + 4 + 1 + 8 + 4;
constexpr size_t kExprBytes = 1 + 4 + 4;

void encode_loc(ByteWriter& out, const Location& l) {
  out.u32(l.file);
  out.i32(l.line);
}

Location decode_loc(ByteReader& in) {
  Location l;
  l.file = in.u32();
  l.line = in.i32();
  return l;
}

[[noreturn]] void corrupt(const std::string& what) { throw CorruptData(what); }

// Bounds of every id table, for the checks below.
struct Tables {
  size_t symbols, props, menus, exprs, files;

  void symbol(SymbolId s) const {
    if (s >= symbols) corrupt("symbol id out of range");
  }
  void symbol_or_none(SymbolId s) const {
    if (s != kNoSymbol) symbol(s);
  }
  void prop(PropId p) const {
    if (p >= props) corrupt("property id out of range");
  }
  void prop_or_none(PropId p) const {
    if (p != kNone) prop(p);
  }
  void menu(MenuId m) const {
    if (m >= menus) corrupt("menu id out of range");
  }
  void menu_or_none(MenuId m) const {
    if (m != kNone) menu(m);
  }
  void expr(ExprId e) const {
    if (e >= exprs) corrupt("expression id out of range");
  }
  void expr_or_none(ExprId e) const {
    if (e != kNoExpr) expr(e);
  }
  void loc(const Location& l) const {
    if (l.file != kNone && l.file >= files) corrupt("file id out of range");
  }
  template <typename Check>
  void each(const std::vector<uint32_t>& ids, Check check) const {
    for (uint32_t id : ids) (this->*check)(id);
  }
};

// The final pool lists operands before the expressions that use them, so an
// operand id smaller than its user's rules out cycles, and depths follow in
// one pass. Depth is bounded: the evaluator, the printer and the rewrites
// recurse once per level.
void check_expressions(const std::vector<ExprNode>& nodes, const Tables& t) {
  std::vector<uint32_t> depth(nodes.size(), 1);
  for (ExprId e = 0; e < nodes.size(); ++e) {
    const ExprNode& n = nodes[e];
    auto operand = [&](ExprId c) {
      if (c >= e) corrupt("expression operand not before its use");
      depth[e] = std::max(depth[e], depth[c] + 1);
    };
    switch (n.kind) {
      case ExprKind::And:
      case ExprKind::Or:
        operand(n.left);
        operand(n.right);
        break;
      case ExprKind::Not: operand(n.left); break;
      case ExprKind::Symbol: t.symbol(n.left); break;
      case ExprKind::None: break;
      default:
        if (!is_comparison(n.kind) && n.kind != ExprKind::Range) corrupt("unknown expression kind");
        t.symbol(n.left);
        t.symbol(n.right);
        break;
    }
    if (depth[e] > kMaxExprDepth) corrupt("expression deeper than the engine allows");
  }
}

// The menu tree: every node but the root is reached exactly once through a
// `list` or `next` link, its parent is the node whose children it is among,
// and the root reaches them all. Then conf's walks (menu_next, the writers)
// terminate and never step outside the table.
void check_menu_tree(const std::vector<MenuNode>& menus) {
  if (menus.empty() || menus[Model::kRootMenu].parent != kNone) corrupt("bad root menu");
  std::vector<uint8_t> seen(menus.size(), 0);
  seen[Model::kRootMenu] = 1;
  size_t reached = 1;
  std::vector<std::pair<MenuId, int>> blocks{{Model::kRootMenu, 0}};  // node, its depth
  while (!blocks.empty()) {
    auto [parent, depth] = blocks.back();
    blocks.pop_back();
    if (depth > kMaxMenuDepth) corrupt("menu tree deeper than the engine allows");
    for (MenuId c = menus[parent].list; c != kNone; c = menus[c].next) {
      if (seen[c]) corrupt("menu tree has a cycle or a shared node");
      seen[c] = 1;
      ++reached;
      if (menus[c].parent != parent) corrupt("menu node's parent does not list it");
      blocks.emplace_back(c, depth + 1);
    }
  }
  if (reached != menus.size()) corrupt("menu nodes outside the menu tree");
}

}  // namespace

void encode_model(ByteWriter& out, const Model& m) {
  out.u8(static_cast<uint8_t>(m.dialect));
  out.u32(m.modules_sym);
  out.count(m.files.size());
  for (const std::string& f : m.files) out.bytes(f);

  out.count(m.symbols.size());
  for (const Symbol& s : m.symbols) {
    out.bytes(s.name);
    out.u8(static_cast<uint8_t>(s.type));
    out.u32(s.flags);
    out.u32s(s.props);
    out.u32s(s.menus);
    out.u32(s.dir_dep);
    out.u32(s.rev_dep);
    out.u32(s.implied);
    out.u32s(s.prompts);
    out.u32s(s.defaults);
    out.u32s(s.ranges);
    out.u32(s.choice);
    out.u32(s.choice_menu);
    out.u8(s.in_choice_list ? 1 : 0);
    out.u32s(s.members);
    out.u32s(s.subtree);
    out.u32(s.name_str);
    out.u32(s.seq);
  }

  out.count(m.props.size());
  for (const Property& p : m.props) {
    out.u8(static_cast<uint8_t>(p.kind));
    out.bytes(p.text);
    out.u32(p.visible);
    out.u32(p.expr);
    out.u32(p.menu);
    encode_loc(out, p.loc);
  }

  out.count(m.menus.size());
  for (const MenuNode& n : m.menus) {
    for (uint32_t v : {n.parent, n.next, n.list, n.sym, n.prompt, n.visibility, n.dep}) out.u32(v);
    out.bytes(n.help);
    out.u8(n.has_help ? 1 : 0);
    encode_loc(out, n.loc);
    out.u32s(n.choice_members);
  }

  out.count(m.exprs.size());
  for (ExprId e = 0; e < m.exprs.size(); ++e) {
    const ExprNode& n = m.exprs[e];
    out.u8(static_cast<uint8_t>(n.kind));
    out.u32(n.left);
    out.u32(n.right);
  }
  out.u32s(m.walk_order);
}

Model decode_model(ByteReader& in) {
  Model m;
  uint8_t dialect = in.u8();
  if (dialect > static_cast<uint8_t>(Dialect::Modern)) corrupt("unknown dialect");
  m.dialect = static_cast<Dialect>(dialect);
  m.modules_sym = in.u32();
  m.files.resize(in.count(4));
  for (std::string& f : m.files) f = in.string();

  m.symbols.resize(in.count(kMinSymbolBytes));
  for (Symbol& s : m.symbols) {
    s.name = in.string();
    uint8_t type = in.u8();
    if (type > static_cast<uint8_t>(SymbolType::String)) corrupt("unknown symbol type");
    s.type = static_cast<SymbolType>(type);
    s.flags = in.u32();
    s.props = in.u32s();
    s.menus = in.u32s();
    s.dir_dep = in.u32();
    s.rev_dep = in.u32();
    s.implied = in.u32();
    s.prompts = in.u32s();
    s.defaults = in.u32s();
    s.ranges = in.u32s();
    s.choice = in.u32();
    s.choice_menu = in.u32();
    s.in_choice_list = in.u8() != 0;
    s.members = in.u32s();
    s.subtree = in.u32s();
    s.name_str = in.u32();
    s.seq = in.u32();
  }

  m.props.resize(in.count(kMinPropBytes));
  for (Property& p : m.props) {
    uint8_t kind = in.u8();
    if (kind > static_cast<uint8_t>(PropKind::Range)) corrupt("unknown property kind");
    p.kind = static_cast<PropKind>(kind);
    p.text = in.string();
    p.visible = in.u32();
    p.expr = in.u32();
    p.menu = in.u32();
    p.loc = decode_loc(in);
  }

  // The root menu node exists from Model's constructor; the data replaces it.
  m.menus.resize(in.count(kMinMenuBytes));
  for (MenuNode& n : m.menus) {
    n.parent = in.u32();
    n.next = in.u32();
    n.list = in.u32();
    n.sym = in.u32();
    n.prompt = in.u32();
    n.visibility = in.u32();
    n.dep = in.u32();
    n.help = in.string();
    n.has_help = in.u8() != 0;
    n.loc = decode_loc(in);
    n.choice_members = in.u32s();
  }

  std::vector<ExprNode> nodes(in.count(kExprBytes));
  for (ExprNode& n : nodes) {
    uint8_t kind = in.u8();
    if (kind > static_cast<uint8_t>(ExprKind::Range)) corrupt("unknown expression kind");
    n.kind = static_cast<ExprKind>(kind);
    n.left = in.u32();
    n.right = in.u32();
  }
  m.walk_order = in.u32s();
  if (!in.at_end()) corrupt("trailing bytes after the model");

  // Every id inside its table.
  const Tables t{m.symbols.size(), m.props.size(), m.menus.size(), nodes.size(), m.files.size()};
  t.symbol(m.modules_sym);
  for (const Symbol& s : m.symbols) {
    t.each(s.props, &Tables::prop);
    t.each(s.menus, &Tables::menu);
    t.each(s.prompts, &Tables::prop);
    t.each(s.defaults, &Tables::prop);
    t.each(s.ranges, &Tables::prop);
    t.each(s.members, &Tables::symbol);
    t.each(s.subtree, &Tables::symbol);
    t.expr_or_none(s.dir_dep);
    t.expr_or_none(s.rev_dep);
    t.expr_or_none(s.implied);
    t.symbol_or_none(s.choice);
    t.menu_or_none(s.choice_menu);
    // The evaluator follows a member to its choice's state.
    bool member = (s.flags & kSymChoiceVal) || s.choice_menu != kNone;
    if (member && (s.choice == kNoSymbol || !(m.symbols[s.choice].flags & kSymChoice)))
      corrupt("choice member without its choice");
    for (PropId p : s.ranges)
      if (m.props[p].expr == kNoExpr || nodes.size() <= m.props[p].expr || nodes[m.props[p].expr].kind != ExprKind::Range)
        corrupt("range property without a range");
    for (PropId p : s.defaults)
      if (m.props[p].expr == kNoExpr) corrupt("default property without a value");
  }
  for (const Property& p : m.props) {
    t.expr_or_none(p.visible);
    t.expr_or_none(p.expr);
    t.menu_or_none(p.menu);
    t.loc(p.loc);
    bool needs_symbol = p.kind == PropKind::Select || p.kind == PropKind::Imply;
    if (needs_symbol && (p.expr == kNoExpr || nodes[p.expr].kind != ExprKind::Symbol))
      corrupt("select or imply without a symbol");
  }
  for (const MenuNode& n : m.menus) {
    t.menu_or_none(n.parent);
    t.menu_or_none(n.next);
    t.menu_or_none(n.list);
    t.symbol_or_none(n.sym);
    t.prop_or_none(n.prompt);
    t.expr_or_none(n.visibility);
    t.expr_or_none(n.dep);
    t.loc(n.loc);
    t.each(n.choice_members, &Tables::symbol);
  }
  if (m.menus[Model::kRootMenu].prompt == kNone) corrupt("root menu without a title");
  t.each(m.walk_order, &Tables::symbol);
  check_expressions(nodes, t);
  check_menu_tree(m.menus);

  m.exprs = ExprPool::frozen_from(std::move(nodes));
  if (!m.restore_indexes()) corrupt("symbol table inconsistent");
  return m;
}

}  // namespace tailor::kconfig
