// Counts one level of nesting for as long as it lives: the recursive parts
// of the engine (the parser, the macro expander) bound their depth with it.
#pragma once

namespace tailor::kconfig {

class NestingGuard {
 public:
  explicit NestingGuard(int& depth) : depth_(depth) { ++depth_; }
  ~NestingGuard() { --depth_; }
  NestingGuard(const NestingGuard&) = delete;
  NestingGuard& operator=(const NestingGuard&) = delete;

 private:
  int& depth_;
};

}  // namespace tailor::kconfig
