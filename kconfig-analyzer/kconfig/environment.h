// The environment a kernel tree's Kconfig files are read in, derived the way
// the top-level Makefile derives what it exports to conf: ARCH/SRCARCH,
// KERNELVERSION, the toolchain (CC=gcc, LD=ld, ... or CROSS_COMPILE and
// explicit overrides like `make CC=clang`), srctree, CC_VERSION_TEXT.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "kconfig-analyzer/kconfig/types.h"

namespace tailor::kconfig {

class ShellRunner;

struct EnvOptions {
  std::filesystem::path srctree;
  // ARCH as given to make; empty: $ARCH from the environment, else the
  // host's (uname -m mapped like scripts/subarch.include, e.g. x86).
  std::string arch;
  // Variables given on make's command line (CC=clang, CROSS_COMPILE=...).
  std::vector<std::pair<std::string, std::string>> make_vars;
  // The process environment to start from; empty: this process's.
  std::map<std::string, std::string> base_env;
  bool use_process_env = true;
};

struct KbuildEnv {
  std::filesystem::path srctree;  // absolute
  std::string arch, srcarch, kernelversion;
  int version = 0, patchlevel = 0;
  Dialect dialect = Dialect::Classic;
  std::string kconfig = "Kconfig";  // KBUILD_KCONFIG
  std::string defconfig;            // KBUILD_DEFCONFIG (arch/$SRCARCH/configs/...)
  std::map<std::string, std::string> vars;  // the full environment for Kconfig and its shell commands
};

// Reads srctree/Makefile for the version and sets up the exported variables.
// Throws tailor::Error naming the Makefile when the tree has no version header.
KbuildEnv kbuild_environment(const EnvOptions& opts);
// Adds what the Makefile computes by running commands: CC_VERSION_TEXT (and
// RUSTC_VERSION_TEXT on Modern trees). `shell` should already run in env.vars.
void add_computed_variables(KbuildEnv& env, ShellRunner& shell);

// scripts/subarch.include's mapping of `uname -m`.
std::string subarch_of(std::string machine);

}  // namespace tailor::kconfig
