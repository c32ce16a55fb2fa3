// Conditions over Kconfig symbols and their DNF (see condition.h).
#include "kconfig-analyzer/analyzer/knowledge/condition.h"

#include <algorithm>
#include <set>

namespace tailor::knowledge {

std::string to_string(const Conjunction& c) {
  std::string s;
  for (const auto& l : c) s += (s.empty() ? "" : " && ") + std::string(l.positive ? "" : "!") + l.symbol;
  return s;
}

std::string to_string(const Dnf& d) {
  if (d.empty()) return "n";
  for (const auto& c : d)
    if (c.empty()) return "y";
  std::string s;
  for (const auto& c : d) {
    auto t = to_string(c);
    if (d.size() > 1 && c.size() > 1) t = "(" + t + ")";
    s += (s.empty() ? "" : " || ") + t;
  }
  return s;
}

Condition Condition::always() { return Condition(); }
Condition Condition::never() {
  Condition c;
  c.kind_ = Kind::False;
  return c;
}
Condition Condition::symbol(std::string name) {
  Condition c;
  c.kind_ = Kind::Symbol;
  c.symbol_ = std::move(name);
  return c;
}
Condition Condition::negate(Condition x) {
  if (x.kind_ == Kind::True) return never();
  if (x.kind_ == Kind::False) return always();
  if (x.kind_ == Kind::Not) return x.kids_.front();
  Condition c;
  c.kind_ = Kind::Not;
  c.kids_.push_back(std::move(x));
  return c;
}
Condition Condition::both(Condition a, Condition b) {
  if (a.is_false() || b.is_false()) return never();
  if (a.is_true()) return b;
  if (b.is_true()) return a;
  Condition c;
  c.kind_ = Kind::And;
  c.kids_ = {std::move(a), std::move(b)};
  return c;
}
Condition Condition::either(Condition a, Condition b) {
  if (a.is_true() || b.is_true()) return always();
  if (a.is_false()) return b;
  if (b.is_false()) return a;
  Condition c;
  c.kind_ = Kind::Or;
  c.kids_ = {std::move(a), std::move(b)};
  return c;
}

Dnf simplify(Dnf d) {
  Dnf out;
  for (auto& c : d) {
    std::sort(c.begin(), c.end());
    c.erase(std::unique(c.begin(), c.end()), c.end());
    bool contradictory = false;
    for (size_t i = 0; i + 1 < c.size(); ++i)
      if (c[i].symbol == c[i + 1].symbol) contradictory = true;
    if (!contradictory) out.push_back(std::move(c));
  }
  std::sort(out.begin(), out.end(), [](const Conjunction& a, const Conjunction& b) {
    return a.size() != b.size() ? a.size() < b.size() : a < b;
  });
  out.erase(std::unique(out.begin(), out.end()), out.end());
  // (X && A) || (X && !A) == X: merge terms that differ only in one literal's sign.
  for (bool merged = true; merged;) {
    merged = false;
    for (size_t i = 0; i < out.size() && !merged; ++i)
      for (size_t j = i + 1; j < out.size() && !merged; ++j) {
        const auto& a = out[i];
        const auto& b = out[j];
        if (a.size() != b.size()) continue;
        size_t diff = a.size();
        bool one = true;
        for (size_t k = 0; k < a.size(); ++k) {
          if (a[k] == b[k]) continue;
          if (a[k].symbol != b[k].symbol || diff != a.size()) {
            one = false;
            break;
          }
          diff = k;
        }
        if (!one || diff == a.size()) continue;
        Conjunction m = a;
        m.erase(m.begin() + diff);
        out.erase(out.begin() + j);
        out[i] = std::move(m);
        merged = true;
      }
    if (merged) {
      std::sort(out.begin(), out.end(), [](const Conjunction& a, const Conjunction& b) {
        return a.size() != b.size() ? a.size() < b.size() : a < b;
      });
      out.erase(std::unique(out.begin(), out.end()), out.end());
    }
  }
  Dnf kept;
  for (auto& c : out) {
    bool absorbed = std::any_of(kept.begin(), kept.end(), [&](const Conjunction& k) {
      return std::includes(c.begin(), c.end(), k.begin(), k.end());
    });
    if (!absorbed) kept.push_back(std::move(c));
  }
  return kept;
}

Dnf Condition::dnf(bool negated, size_t limit, bool& truncated) const {
  switch (kind_) {
    case Kind::True: return negated ? Dnf{} : Dnf{{}};
    case Kind::False: return negated ? Dnf{{}} : Dnf{};
    case Kind::Symbol: return {{{symbol_, !negated}}};
    case Kind::Not: return kids_.front().dnf(!negated, limit, truncated);
    case Kind::And:
    case Kind::Or: {
      // De Morgan: a negated AND is an OR of negations, and vice versa.
      bool conjunction = (kind_ == Kind::And) != negated;
      auto a = kids_[0].dnf(negated, limit, truncated);
      auto b = kids_[1].dnf(negated, limit, truncated);
      if (truncated) return {{}};
      if (!conjunction) {
        a.insert(a.end(), b.begin(), b.end());
        return simplify(std::move(a));
      }
      Dnf out;
      for (const auto& x : a)
        for (const auto& y : b) {
          if (out.size() >= limit) {
            truncated = true;
            return {{}};
          }
          Conjunction c = x;
          c.insert(c.end(), y.begin(), y.end());
          out.push_back(std::move(c));
        }
      return simplify(std::move(out));
    }
  }
  return {{}};
}

Dnf Condition::to_dnf(size_t limit, bool* truncated) const {
  bool t = false;
  auto d = dnf(false, limit, t);
  if (truncated) *truncated = t;
  return d;
}

std::string Condition::to_string() const { return knowledge::to_string(to_dnf()); }

}  // namespace tailor::knowledge
