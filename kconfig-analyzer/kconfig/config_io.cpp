// .config reader and writers (see config_io.h).
#include "kconfig-analyzer/kconfig/config_io.h"

#include <cstring>

namespace tailor::kconfig {

namespace {

constexpr std::string_view kPrefix = "CONFIG_";

bool starts_with(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }

class Reader {
 public:
  Reader(Evaluator& ev, const std::string& name, std::vector<std::string>& warnings, const ReadOptions& opts)
      : ev_(ev), m_(ev.model()), name_(name), warnings_(warnings), opts_(opts) {}

  int run(std::string_view text) {
    reset_user_values();
    size_t pos = 0;
    while (pos < text.size()) {
      size_t nl = text.find('\n', pos);
      size_t end = nl == std::string_view::npos ? text.size() : nl + 1;
      ++lineno_;
      // Classic keeps the newline in the line it looks at; Modern strips it
      // (and a carriage return before it).
      std::string_view line = text.substr(pos, end - pos);
      pos = end;
      if (m_.dialect == Dialect::Modern) {
        if (!line.empty() && line.back() == '\n') {
          line.remove_suffix(1);
          if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        }
        modern_line(line);
      } else {
        classic_line(line);
      }
    }
    return count_;
  }

 private:
  void warn(const std::string& msg) {
    warnings_.push_back(name_ + ":" + std::to_string(lineno_) + ":warning: " + msg);
    ++count_;
  }

  void reset_user_values() {
    for (SymbolId s : m_.walk_order) {
      SymState& st = ev_.state(s);
      if (m_.dialect == Dialect::Classic) {
        st.flags &= ~(kDefUser | kValid);
        if (m_.is_choice(s)) st.flags |= kDefUser;
      } else {
        st.flags &= ~kDefUser;
      }
      st.def_val = Model::kStrEmpty;
      st.def_tri = Tri::No;
      st.def_choice = kNoSymbol;
    }
    if (m_.dialect == Dialect::Modern)
      for (SymbolId s : m_.walk_order) ev_.state(s).flags &= ~kValid;
    ev_.invalidate_exprs();
  }

  void classic_line(std::string_view line) {
    std::string_view name, val;
    if (!line.empty() && line[0] == '#') {
      if (line.size() < 2 || line[1] != ' ') return;
      std::string_view p = line.substr(2);
      if (!starts_with(p, kPrefix)) return;
      p.remove_prefix(kPrefix.size());
      size_t sp = p.find(' ');
      if (sp == std::string_view::npos) return;
      name = p.substr(0, sp);
      if (!starts_with(p.substr(sp + 1), "is not set")) return;
      val = "n";
    } else if (starts_with(line, kPrefix)) {
      std::string_view p = line.substr(kPrefix.size());
      size_t eq = p.find('=');
      if (eq == std::string_view::npos) return;
      name = p.substr(0, eq);
      val = p.substr(eq + 1);
      size_t nl = val.find('\n');
      if (nl != std::string_view::npos) {
        val = val.substr(0, nl);
        if (!val.empty() && val.back() == '\r') val.remove_suffix(1);
      }
    } else {
      if (!line.empty() && line[0] != '\r' && line[0] != '\n')
        warn("unexpected data: " + std::string(line.substr(0, line.find_first_of("\r\n"))));
      return;
    }
    assign(name, val);
  }

  void modern_line(std::string_view line) {
    if (line.empty()) return;
    std::string_view name, val;
    if (line[0] == '#') {
      if (line.size() < 2 || line[1] != ' ') return;
      std::string_view p = line.substr(2);
      if (!starts_with(p, kPrefix)) return;
      p.remove_prefix(kPrefix.size());
      size_t sp = p.find(' ');
      if (sp == std::string_view::npos) return;
      name = p.substr(0, sp);
      if (p.substr(sp + 1) != "is not set") return;
      val = "n";
    } else {
      if (!starts_with(line, kPrefix)) {
        warn("unexpected data: " + std::string(line));
        return;
      }
      std::string_view p = line.substr(kPrefix.size());
      size_t eq = p.find('=');
      if (eq == std::string_view::npos) {
        warn("unexpected data: " + std::string(line));
        return;
      }
      name = p.substr(0, eq);
      val = p.substr(eq + 1);
    }
    assign(name, val);
  }

  void assign(std::string_view name_view, std::string_view val) {
    // conf works on C strings: a NUL byte ends the name.
    std::string name(name_view.substr(0, name_view.find('\0')));
    SymbolId s = m_.find(name);
    if (s == kNoSymbol) {
      if (opts_.warn_unknown) warn("unknown symbol: " + name);
      ev_.changed = true;
      return;
    }
    SymState& st = ev_.state(s);
    if (st.flags & kDefUser) warn("override: reassigning to symbol " + m_.sym(s).name);
    if (!set_value(s, val)) return;
    if (m_.dialect == Dialect::Classic) {
      if (!m_.is_choice_value(s)) return;
      SymbolId cs = m_.sym(s).choice;
      SymState& cst = ev_.state(cs);
      switch (st.def_tri) {
        case Tri::No: break;
        case Tri::Mod:
          if (cst.def_tri == Tri::Yes) {
            warn(m_.sym(s).name + " creates inconsistent choice state");
            cst.flags &= ~kDefUser;
          }
          break;
        case Tri::Yes:
          if (cst.def_tri != Tri::No) warn("override: " + m_.sym(s).name + " changes choice state");
          cst.def_choice = s;
          break;
      }
      cst.def_tri = tri_or(cst.def_tri, st.def_tri);
    } else if (m_.sym(s).choice_menu != kNone) {
      // The member read last has the highest priority.
      std::vector<SymbolId>& order = ev_.choice_order(m_.sym(s).choice);
      for (size_t i = 0; i < order.size(); ++i)
        if (order[i] == s) {
          order.erase(order.begin() + static_cast<long>(i));
          order.insert(order.begin(), s);
          break;
        }
    }
  }

  // conf_set_sym_val. False when the value was rejected.
  bool set_value(SymbolId s, std::string_view raw) {
    const Symbol& sym = m_.sym(s);
    SymState& st = ev_.state(s);
    std::string p(raw.substr(0, raw.find('\0')));
    switch (sym.type) {
      case SymbolType::Tristate:
        if (!p.empty() && p[0] == 'm') {
          st.def_tri = Tri::Mod;
          st.flags |= kDefUser;
          return true;
        }
        [[fallthrough]];
      case SymbolType::Bool:
        if (!p.empty() && (p[0] == 'y' || p[0] == 'n')) {
          st.def_tri = p[0] == 'y' ? Tri::Yes : Tri::No;
          st.flags |= kDefUser;
          return true;
        }
        warn("symbol value '" + p + "' invalid for " + sym.name);
        return false;
      case SymbolType::String: {
        if (p.empty() || p[0] != '"') return true;  // silently ignored, as conf does
        std::string out;
        bool closed = false;
        for (size_t i = 1; i < p.size(); ++i) {
          if (p[i] == '"') {
            closed = true;
            break;
          }
          if (p[i] == '\\') {
            if (++i >= p.size()) break;
          }
          out += p[i];
        }
        if (!closed) {
          warn("invalid string found");
          return false;
        }
        p = std::move(out);
        [[fallthrough]];
      }
      case SymbolType::Int:
      case SymbolType::Hex:
        if (Evaluator::string_valid(sym.type, p)) {
          st.def_val = ev_.intern(p);
          st.flags |= kDefUser;
          return true;
        }
        warn("symbol value '" + p + "' invalid for " + sym.name);
        return false;
      default: return true;
    }
  }

  Evaluator& ev_;
  const Model& m_;
  const std::string& name_;
  std::vector<std::string>& warnings_;
  const ReadOptions& opts_;
  int lineno_ = 0;
  int count_ = 0;
};

std::string escape_string(std::string_view in) {
  std::string out = "\"";
  for (char c : in) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  out += '"';
  return out;
}

}  // namespace

int read_config_simple(Evaluator& ev, std::string_view text, const std::string& name, std::vector<std::string>& warnings,
                       const ReadOptions& opts) {
  return Reader(ev, name, warnings, opts).run(text);
}

void read_config(Evaluator& ev, std::string_view text, const std::string& name, std::vector<std::string>& warnings,
                 const ReadOptions& opts) {
  const Model& m = ev.model();
  ev.changed = false;
  int conf_warnings = read_config_simple(ev, text, name, warnings, opts);
  ev.calc(m.modules_sym);

  // Does the computed configuration match what was read?
  int unsaved = 0;
  for (SymbolId s : m.walk_order) {
    ev.calc(s);
    const SymState& st = ev.state(s);
    if (m.is_choice(s) || (m.sym(s).flags & kSymNoWrite)) continue;
    bool user = st.flags & kDefUser, write = st.flags & kWrite;
    if (user && write) {
      SymbolType t = m.sym(s).type;
      if (t == SymbolType::Bool || t == SymbolType::Tristate) {
        if (st.def_tri == st.curr_tri) continue;
      } else if (ev.str(st.curr_val) == ev.str(st.def_val)) {
        continue;
      }
    } else if (!user && !write) {
      continue;
    }
    if (m.dialect == Dialect::Modern) {
      ev.changed = true;
    } else {
      ++unsaved;
    }
  }

  if (m.dialect == Dialect::Classic) {
    for (SymbolId s : m.walk_order) {
      SymState& st = ev.state(s);
      if (!(st.flags & kDefUser) || m.is_choice_value(s)) continue;
      // User values of invisible symbols are forgotten when nothing changed.
      if (st.visible == Tri::No && !unsaved) st.flags &= ~kDefUser;
      SymbolType t = m.sym(s).type;
      if (t == SymbolType::String || t == SymbolType::Int || t == SymbolType::Hex) {
        // An out-of-range number is dropped; the symbol gets its default.
        if (ev.string_within_range(s, ev.str(st.def_val))) continue;
        st.flags &= ~(kValid | kDefUser);
        ev.invalidate_exprs();
        ++unsaved;
      }
    }
  }
  if (conf_warnings || unsaved) ev.changed = true;
}

std::string config_line(Evaluator& ev, SymbolId s) {
  const Symbol& sym = ev.model().sym(s);
  if (sym.type == SymbolType::Unknown) return {};
  std::string_view val = ev.string_value(s);
  if ((sym.type == SymbolType::Bool || sym.type == SymbolType::Tristate) && !val.empty() && val[0] == 'n')
    return "# CONFIG_" + sym.name + " is not set\n";
  if (sym.type == SymbolType::String) return "CONFIG_" + sym.name + "=" + escape_string(val) + "\n";
  return "CONFIG_" + sym.name + "=" + std::string(val) + "\n";
}

std::string write_config(Evaluator& ev) {
  const Model& m = ev.model();
  std::string out = "#\n# Automatically generated file; DO NOT EDIT.\n# " + m.main_menu_text() + "\n#\n";
  if (!ev.changed) ev.clear_all_valid();
  bool need_newline = false;
  MenuId menu = m.menus[Model::kRootMenu].list;
  while (menu != kNone) {
    const MenuNode& n = m.menus[menu];
    SymbolId s = n.sym;
    if (s == kNoSymbol) {
      if (ev.menu_is_visible(menu)) {
        out += "\n#\n# ";
        out += m.menu_prompt_text(menu);
        out += "\n#\n";
        need_newline = false;
      }
    } else if (!m.is_choice(s) && !(ev.state(s).flags & kWritten)) {
      ev.calc(s);
      if (ev.state(s).flags & kWrite) {
        if (need_newline) {
          out += "\n";
          need_newline = false;
        }
        ev.state(s).flags |= kWritten;
        out += config_line(ev, s);
      }
    }
    if (n.list != kNone) {
      menu = n.list;
      continue;
    }
    // Leaving entries: close each menu we leave with "# end of".
    for (;;) {
      const MenuNode& cur = m.menus[menu];
      if (cur.sym == kNoSymbol && menu != Model::kRootMenu && ev.menu_is_visible(menu) &&
          m.props[cur.prompt].kind == PropKind::Menu) {
        out += "# end of ";
        out += m.menu_prompt_text(menu);
        out += "\n";
        need_newline = true;
      }
      if (cur.next != kNone) {
        menu = cur.next;
        break;
      }
      menu = cur.parent;
      if (menu == kNone) break;
    }
  }
  for (SymbolId s : m.walk_order) ev.state(s).flags &= ~kWritten;
  ev.changed = false;
  return out;
}

std::string write_defconfig(Evaluator& ev) {
  const Model& m = ev.model();
  std::string out;
  ev.clear_all_valid();
  for (MenuId menu = m.menu_next(Model::kRootMenu, Model::kRootMenu); menu != kNone;
       menu = m.menu_next(menu, Model::kRootMenu)) {
    SymbolId s = m.menus[menu].sym;
    if (s == kNoSymbol) {
      if (m.dialect == Dialect::Classic) ev.menu_is_visible(menu);  // only for its effects
      continue;
    }
    if (m.is_choice(s)) continue;
    ev.calc(s);
    SymState& st = ev.state(s);
    if (!(st.flags & kWrite)) continue;
    st.flags &= ~kWrite;
    if (!ev.is_changeable(s)) continue;
    std::string dflt = ev.string_default(s);
    if (ev.string_value(s) == dflt) continue;
    if (m.dialect == Dialect::Classic) {
      if (m.is_choice_value(s)) {
        SymbolId cs = m.sym(s).choice;
        SymbolId ds = ev.choice_default(cs);
        if (!(m.sym(cs).flags & kSymOptional) && s == ds && m.sym(s).type == SymbolType::Bool &&
            ev.state(s).curr_tri == Tri::Yes)
          continue;
      }
    } else if (m.sym(s).choice_menu != kNone) {
      SymbolId ds = ev.choice_default(m.sym(s).choice);
      if (s == ds && ev.state(s).curr_tri == Tri::Yes) continue;
    }
    out += config_line(ev, s);
  }
  return out;
}

}  // namespace tailor::kconfig
