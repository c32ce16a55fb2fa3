// Boolean conditions over Kconfig symbols, as the kernel's build gates code:
// Kbuild's obj-$(CONFIG_X) and ifdef blocks, and #if/#ifdef around a
// definition. Symbols are written without the CONFIG_ prefix. A symbol is
// "on" when it is y (we build no modules).
#pragma once

#include <memory>
#include <string>
#include <vector>

namespace tailor::knowledge {

// One symbol that must be on (positive) or off.
struct Literal {
  std::string symbol;
  bool positive = true;
  auto operator<=>(const Literal&) const = default;
};
// A conjunction of literals; a requirement is a disjunction of these (DNF).
using Conjunction = std::vector<Literal>;
using Dnf = std::vector<Conjunction>;

std::string to_string(const Conjunction& c);  // "EPOLL && !MMU", "" for true
std::string to_string(const Dnf& d);          // "(A && B) || C", "y" for always, "n" for never

class Condition {
 public:
  enum class Kind { True, False, Symbol, Not, And, Or };

  static Condition always();
  static Condition never();
  static Condition symbol(std::string name);
  static Condition negate(Condition c);
  static Condition both(Condition a, Condition b);
  static Condition either(Condition a, Condition b);

  Kind kind() const { return kind_; }
  bool is_true() const { return kind_ == Kind::True; }
  bool is_false() const { return kind_ == Kind::False; }

  // Disjunctive normal form, simplified (no duplicate or contradictory terms,
  // absorbed terms removed). At most `limit` terms: beyond that, the least
  // specific term set that still implies the condition is unknowable cheaply,
  // so it returns {{}} (true: no requirement) and sets *truncated.
  Dnf to_dnf(size_t limit = 64, bool* truncated = nullptr) const;
  std::string to_string() const;

 private:
  Dnf dnf(bool negated, size_t limit, bool& truncated) const;

  Kind kind_ = Kind::True;
  std::string symbol_;
  std::vector<Condition> kids_;
};

// Simplifies a DNF: sorts literals, drops contradictory and duplicate terms,
// and terms implied by a shorter one (A || A&&B == A).
Dnf simplify(Dnf d);

}  // namespace tailor::knowledge
