// Completes a parsed model the way conf's menu_finalize() and conf_parse() do:
// propagates each menu's dependencies into its entries and their properties,
// builds reverse dependencies from select and imply, sets up choices, nests
// entries under the symbol they depend on, computes each symbol's direct
// dependencies, checks for recursive dependencies, and derives the indexes
// the evaluator needs.
#pragma once

#include "kconfig-analyzer/kconfig/diagnostics.h"
#include "kconfig-analyzer/kconfig/model.h"

namespace tailor::kconfig {

// Throws KconfigError listing recursive dependencies or invalid choices.
void finalize(Model& model, Diagnostics& diag);

// conf's symbol hash (FNV-1a over the name's chars as signed char).
uint32_t symbol_hash(std::string_view name);

}  // namespace tailor::kconfig
