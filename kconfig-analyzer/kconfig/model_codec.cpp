// Binary form of a finalized Model (see model_codec.h). Layout, all integers
// little-endian, vectors and strings prefixed with their length:
//   dialect, modules_sym, files,
//   symbols (name, type, flags, props, menus, dir/rev/implied, prompts,
//            defaults, ranges, choice, choice_menu, in_choice_list, members,
//            subtree, name_str, seq),
//   props, menus, expression nodes (the final, shared pool), walk_order.
#include "kconfig-analyzer/kconfig/model_codec.h"

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

// An enumerator stored as one byte; `last` is the enum's last one.
template <typename Enum>
Enum decode_enum(ByteReader& in, Enum last, const char* what) {
  uint8_t v = in.u8();
  if (v > static_cast<uint8_t>(last)) corrupt(std::string("unknown ") + what);
  return static_cast<Enum>(v);
}

// One table's bounds: an id must be below its size (or kNone, where the
// model allows "none").
struct IdTable {
  size_t size;
  const char* what;
  void check(uint32_t id) const {
    if (id >= size) corrupt(std::string(what) + " id out of range");
  }
  void check_or_none(uint32_t id) const {
    if (id != kNone) check(id);
  }
  void check_all(const std::vector<uint32_t>& ids) const {
    for (uint32_t id : ids) check(id);
  }
};

struct Tables {
  IdTable symbols, props, menus, exprs, files;
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
      case ExprKind::Symbol: t.symbols.check(n.left); break;
      case ExprKind::None: break;
      default:
        if (!is_comparison(n.kind) && n.kind != ExprKind::Range) corrupt("unknown expression kind");
        t.symbols.check(n.left);
        t.symbols.check(n.right);
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
    for (ExprId e : {s.dir_dep, s.rev_dep, s.implied}) out.u32(e);
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
  m.dialect = decode_enum(in, Dialect::Modern, "dialect");
  m.modules_sym = in.u32();
  m.files.resize(in.count(4));
  for (std::string& f : m.files) f = in.string();

  m.symbols.resize(in.count(kMinSymbolBytes));
  for (Symbol& s : m.symbols) {
    s.name = in.string();
    s.type = decode_enum(in, SymbolType::String, "symbol type");
    s.flags = in.u32();
    s.props = in.u32s();
    s.menus = in.u32s();
    for (ExprId* e : {&s.dir_dep, &s.rev_dep, &s.implied}) *e = in.u32();
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
    p.kind = decode_enum(in, PropKind::Range, "property kind");
    p.text = in.string();
    p.visible = in.u32();
    p.expr = in.u32();
    p.menu = in.u32();
    p.loc = decode_loc(in);
  }

  // The root menu node exists from Model's constructor; the data replaces it.
  m.menus.resize(in.count(kMinMenuBytes));
  for (MenuNode& n : m.menus) {
    for (uint32_t* v : {&n.parent, &n.next, &n.list, &n.sym, &n.prompt, &n.visibility, &n.dep}) *v = in.u32();
    n.help = in.string();
    n.has_help = in.u8() != 0;
    n.loc = decode_loc(in);
    n.choice_members = in.u32s();
  }

  std::vector<ExprNode> nodes(in.count(kExprBytes));
  for (ExprNode& n : nodes) {
    n.kind = decode_enum(in, ExprKind::Range, "expression kind");
    n.left = in.u32();
    n.right = in.u32();
  }
  m.walk_order = in.u32s();
  if (!in.at_end()) corrupt("trailing bytes after the model");

  // Every id inside its table.
  const Tables t{{m.symbols.size(), "symbol"},
                 {m.props.size(), "property"},
                 {m.menus.size(), "menu"},
                 {nodes.size(), "expression"},
                 {m.files.size(), "file"}};
  t.symbols.check(m.modules_sym);
  for (const Symbol& s : m.symbols) {
    for (const auto* props : {&s.props, &s.prompts, &s.defaults, &s.ranges}) t.props.check_all(*props);
    for (const auto* syms : {&s.members, &s.subtree}) t.symbols.check_all(*syms);
    t.menus.check_all(s.menus);
    for (ExprId e : {s.dir_dep, s.rev_dep, s.implied}) t.exprs.check_or_none(e);
    t.symbols.check_or_none(s.choice);
    t.menus.check_or_none(s.choice_menu);
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
    for (ExprId e : {p.visible, p.expr}) t.exprs.check_or_none(e);
    t.menus.check_or_none(p.menu);
    t.files.check_or_none(p.loc.file);
    bool needs_symbol = p.kind == PropKind::Select || p.kind == PropKind::Imply;
    if (needs_symbol && (p.expr == kNoExpr || nodes[p.expr].kind != ExprKind::Symbol))
      corrupt("select or imply without a symbol");
  }
  for (const MenuNode& n : m.menus) {
    for (MenuId link : {n.parent, n.next, n.list}) t.menus.check_or_none(link);
    t.symbols.check_or_none(n.sym);
    t.props.check_or_none(n.prompt);
    for (ExprId e : {n.visibility, n.dep}) t.exprs.check_or_none(e);
    t.files.check_or_none(n.loc.file);
    t.symbols.check_all(n.choice_members);
  }
  if (m.menus[Model::kRootMenu].prompt == kNone) corrupt("root menu without a title");
  t.symbols.check_all(m.walk_order);
  check_expressions(nodes, t);
  check_menu_tree(m.menus);

  m.exprs = ExprPool::frozen_from(std::move(nodes));
  if (!m.restore_indexes()) corrupt("symbol table inconsistent");
  if (evaluation_depth(m).depth > kMaxEvalDepth) corrupt("evaluation deeper than the engine allows");
  return m;
}

}  // namespace tailor::kconfig
