// Small value types shared by every part of the Kconfig engine: tristate
// logic, symbol types, ids into the model's tables, and the language dialect.
#pragma once

#include <algorithm>
#include <cstdint>
#include <limits>
#include <string_view>

namespace tailor::kconfig {

// Kconfig's three-valued logic: n < m < y. AND is min, OR is max, NOT is 2 - x
// (kconfig-language.rst, "Menu dependencies").
enum class Tri : uint8_t { No = 0, Mod = 1, Yes = 2 };

inline Tri tri_and(Tri a, Tri b) { return std::min(a, b); }
inline Tri tri_or(Tri a, Tri b) { return std::max(a, b); }
inline Tri tri_not(Tri a) { return static_cast<Tri>(2 - static_cast<int>(a)); }
inline char tri_char(Tri t) { return t == Tri::Yes ? 'y' : t == Tri::Mod ? 'm' : 'n'; }

enum class SymbolType : uint8_t { Unknown, Bool, Tristate, Int, Hex, String };

// The name conf prints for a type ("bool", "tristate", "integer", ...).
std::string_view type_name(SymbolType t);

using SymbolId = uint32_t;
using ExprId = uint32_t;
using PropId = uint32_t;
using MenuId = uint32_t;
using FileId = uint32_t;
// Interned string: model strings below kLocalStringBit, strings created while
// evaluating (user values) at or above it.
using StrId = uint32_t;

inline constexpr uint32_t kNone = std::numeric_limits<uint32_t>::max();
inline constexpr ExprId kNoExpr = kNone;
inline constexpr SymbolId kNoSymbol = kNone;
inline constexpr StrId kLocalStringBit = 0x80000000u;

// The constant symbols every tree has, at fixed ids.
inline constexpr SymbolId kSymNo = 0;
inline constexpr SymbolId kSymMod = 1;
inline constexpr SymbolId kSymYes = 2;

// Linux changed the semantics of choices (and a few details around them) in
// 6.11: choices stopped being symbols with a mode, `optional` went away, and
// int/hex symbols without a value became 0/0x0. Each tree is read with the
// rules of its own kernel: Classic for <= 6.10 (verified on 6.1), Modern for
// >= 6.11 (verified on 6.12).
enum class Dialect : uint8_t { Classic, Modern };

}  // namespace tailor::kconfig
