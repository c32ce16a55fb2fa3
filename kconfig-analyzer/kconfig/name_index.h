// A hash index from names to ids whose names are kept elsewhere (the model's
// symbols and interned strings): open addressing over a vector of ids, so it
// stores no copy of any name, lookups by string_view allocate nothing, and it
// stays valid however the tables holding the names grow.
#pragma once

#include <cstdint>
#include <functional>
#include <string_view>
#include <vector>

#include "kconfig-analyzer/kconfig/types.h"

namespace tailor::kconfig {

class NameIndex {
 public:
  // `name_of(id)` gives the name an id stands for.
  template <typename NameOf>
  uint32_t find(std::string_view name, const NameOf& name_of) const {
    if (slots_.empty()) return kNone;
    size_t mask = slots_.size() - 1;
    for (size_t i = std::hash<std::string_view>{}(name) & mask;; i = (i + 1) & mask) {
      uint32_t id = slots_[i];
      if (id == kNone) return kNone;
      if (name_of(id) == name) return id;
    }
  }

  // Adds `id` under `name`, which must not be in the index yet.
  template <typename NameOf>
  void insert(uint32_t id, std::string_view name, const NameOf& name_of) {
    if ((count_ + 1) * 2 > slots_.size()) grow(name_of);
    place(id, name);
    ++count_;
  }

  // Room for `n` ids without growing.
  void reserve(size_t n) {
    size_t want = 64;
    while (want < n * 2) want *= 2;
    if (want > slots_.size() && count_ == 0) slots_.assign(want, kNone);
  }

  size_t size() const { return count_; }
  void clear() {
    slots_.clear();
    count_ = 0;
  }

 private:
  void place(uint32_t id, std::string_view name) {
    size_t mask = slots_.size() - 1;
    size_t i = std::hash<std::string_view>{}(name) & mask;
    while (slots_[i] != kNone) i = (i + 1) & mask;
    slots_[i] = id;
  }
  template <typename NameOf>
  void grow(const NameOf& name_of) {
    std::vector<uint32_t> old = std::move(slots_);
    slots_.assign(old.empty() ? 64 : old.size() * 2, kNone);
    for (uint32_t id : old)
      if (id != kNone) place(id, name_of(id));
  }

  std::vector<uint32_t> slots_;  // a power of two in size, at most half full
  size_t count_ = 0;
};

}  // namespace tailor::kconfig
