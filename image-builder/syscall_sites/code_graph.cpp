// Control flow graphs of single functions (see code_graph.h).
#include "image-builder/syscall_sites/code_graph.h"

#include <algorithm>
#include <optional>

namespace tailor::syscall_sites {
namespace {

using x86::Flow;
using x86::Insn;

std::optional<size_t> index_of(const std::vector<Insn>& insns, uint64_t address) {
  auto it = std::lower_bound(insns.begin(), insns.end(), address,
                             [](const Insn& x, uint64_t a) { return x.address < a; });
  if (it == insns.end() || it->address != address) return std::nullopt;
  return size_t(it - insns.begin());
}

}  // namespace

CodeGraph build_code_graph(const std::vector<Insn>& insns, const std::vector<uint64_t>& noreturn,
                           const std::vector<uint64_t>& foreign_entries) {
  CodeGraph g;
  g.succ.resize(insns.size());
  g.pred.resize(insns.size());
  for (size_t i = 0; i < insns.size(); ++i) {
    const Insn& insn = insns[i];
    auto& out = g.succ[i];
    bool falls_through = true;
    switch (insn.flow) {
      case Flow::Return:
      case Flow::Stop:
        falls_through = false;
        break;
      case Flow::IndirectJump:
        g.complete = false;
        falls_through = false;
        break;
      case Flow::Jump:
        if (auto t = index_of(insns, insn.target)) out.push_back(*t);
        falls_through = false;
        break;
      case Flow::CondJump:
        if (auto t = index_of(insns, insn.target)) out.push_back(*t);
        break;
      case Flow::Call:
        if (std::binary_search(noreturn.begin(), noreturn.end(), insn.target)) falls_through = false;
        break;
      default:
        break;
    }
    if (falls_through && i + 1 < insns.size()) out.push_back(i + 1);
    for (size_t s : out) g.pred[s].push_back(i);
  }
  for (uint64_t address : foreign_entries)
    if (auto i = index_of(insns, address); i && *i != 0) g.foreign.push_back(*i);
  std::sort(g.foreign.begin(), g.foreign.end());
  g.foreign.erase(std::unique(g.foreign.begin(), g.foreign.end()), g.foreign.end());
  return g;
}

}  // namespace tailor::syscall_sites
