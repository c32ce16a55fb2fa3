// The finalized Model in the tree cache's binary form. encode_model writes
// every field the parser and finalize() produced (the lookup tables and
// interned strings are rebuilt from the symbols on decoding); decode_model
// reads it back and checks, before anything evaluates it, that every id
// points inside its table, that expressions are finite trees no deeper than
// kMaxExprDepth, and that the menu tree is a tree. Nothing here recurses, so
// hostile nesting in the data cannot exhaust the stack.
#pragma once

#include <string>
#include <string_view>

#include "kconfig-analyzer/kconfig/byte_codec.h"
#include "kconfig-analyzer/kconfig/model.h"

namespace tailor::kconfig {

void encode_model(ByteWriter& out, const Model& m);
// Throws CorruptData when the bytes are not a model this code wrote.
Model decode_model(ByteReader& in);

}  // namespace tailor::kconfig
