// kbuild-like environment for reading a tree's Kconfig (see environment.h).
#include "kconfig-analyzer/kconfig/environment.h"

#include <sys/utsname.h>

#include <algorithm>
#include <regex>
#include <sstream>

#include "common/error.h"
#include "common/fs.h"
#include "common/kernel_version.h"
#include "common/process_environment.h"
#include "kconfig-analyzer/kconfig/preprocessor.h"

namespace tailor::kconfig {

std::string subarch_of(std::string m) {
  auto re = [&](const char* pattern, const char* with) { m = std::regex_replace(m, std::regex(pattern), with); };
  // Same substitutions, in the same order, as scripts/subarch.include's sed.
  re("i.86", "x86");
  re("x86_64", "x86");
  re("sun4u", "sparc64");
  re("arm.*", "arm");
  re("sa110", "arm");
  re("s390x", "s390");
  re("ppc.*", "powerpc");
  re("mips.*", "mips");
  re("sh[234].*", "sh");
  re("aarch64.*", "arm64");
  re("riscv.*", "riscv");
  re("loongarch.*", "loongarch");
  return m;
}

KbuildEnv kbuild_environment(const EnvOptions& opts) {
  KbuildEnv env;
  std::error_code ec;
  env.srctree = std::filesystem::absolute(opts.srctree, ec).lexically_normal();
  if (!env.srctree.empty() && env.srctree.filename().empty()) env.srctree = env.srctree.parent_path();
  std::filesystem::path makefile = env.srctree / "Makefile";
  if (!std::filesystem::exists(makefile))
    throw Error(makefile.string() + ": no such file; --srctree must name the top of a kernel source tree");
  const std::optional<KernelVersion> version = makefile_kernel_version(read_file(makefile));
  if (!version) throw Error(makefile.string() + ": no VERSION/PATCHLEVEL header; is this a kernel source tree?");
  env.version = std::atoi(version->version.c_str());
  env.patchlevel = std::atoi(version->patchlevel.c_str());
  env.kernelversion = version->text();
  env.dialect = (env.version > 6 || (env.version == 6 && env.patchlevel >= 11)) ? Dialect::Modern : Dialect::Classic;

  std::map<std::string, std::string>& vars = env.vars;
  if (opts.use_process_env)
    for (auto& [k, v] : process_environment()) vars[k] = std::move(v);
  for (const auto& [k, v] : opts.base_env) vars[k] = v;

  std::map<std::string, std::string> make_vars(opts.make_vars.begin(), opts.make_vars.end());
  auto var = [&](const std::string& name, const std::string& dflt) {
    auto it = make_vars.find(name);
    return it != make_vars.end() ? it->second : dflt;
  };

  // ARCH ?= $(SUBARCH): the command line, then the environment, then the host.
  std::string arch = opts.arch;
  if (arch.empty()) arch = var("ARCH", "");
  if (arch.empty() && vars.count("ARCH")) arch = vars["ARCH"];
  if (arch.empty()) {
    struct utsname u {};
    ::uname(&u);
    arch = subarch_of(u.machine);
  }
  std::string srcarch = arch;
  if (arch == "i386" || arch == "x86_64") srcarch = "x86";
  if (arch == "sparc32" || arch == "sparc64") srcarch = "sparc";
  if (arch == "parisc64") srcarch = "parisc";
  if (arch == "sh64") srcarch = "sh";
  env.arch = arch;
  env.srcarch = srcarch;
  env.kconfig = var("KBUILD_KCONFIG", "Kconfig");
  if (env.kconfig.empty()) env.kconfig = "Kconfig";
  if (srcarch == "x86") {
    struct utsname u {};
    ::uname(&u);
    env.defconfig = arch == "x86" ? (std::string(u.machine) == "x86_64" ? "x86_64_defconfig" : "i386_defconfig")
                                  : arch + "_defconfig";
  } else {
    env.defconfig = "defconfig";
  }

  std::string cross = var("CROSS_COMPILE", vars.count("CROSS_COMPILE") ? vars["CROSS_COMPILE"] : "");
  std::string cc = var("CC", cross + "gcc");
  std::map<std::string, std::string> exported = {
      {"ARCH", arch},
      {"SRCARCH", srcarch},
      {"KERNELVERSION", env.kernelversion},
      {"KERNELRELEASE", ""},
      {"srctree", env.srctree.string()},
      {"objtree", "."},
      {"CROSS_COMPILE", cross},
      {"CC", cc},
      {"LD", var("LD", cross + "ld")},
      {"AR", var("AR", cross + "ar")},
      {"NM", var("NM", cross + "nm")},
      {"OBJCOPY", var("OBJCOPY", cross + "objcopy")},
      {"OBJDUMP", var("OBJDUMP", cross + "objdump")},
      {"READELF", var("READELF", cross + "readelf")},
      {"STRIP", var("STRIP", cross + "strip")},
      {"CPP", var("CPP", cc + " -E")},
      {"PAHOLE", var("PAHOLE", "pahole")},
      {"RUSTC", var("RUSTC", "rustc")},
      {"RUSTDOC", var("RUSTDOC", "rustdoc")},
      {"RUSTFMT", var("RUSTFMT", "rustfmt")},
      {"BINDGEN", var("BINDGEN", "bindgen")},
      {"CARGO", var("CARGO", "cargo")},
      {"HOSTCC", var("HOSTCC", "gcc")},
      {"HOSTCXX", var("HOSTCXX", "g++")},
      {"HOSTRUSTC", var("HOSTRUSTC", "rustc")},
      {"HOSTPKG_CONFIG", var("HOSTPKG_CONFIG", "pkg-config")},
      {"CONFIG_SHELL", "sh"},
      {"BASH", "bash"},
      {"PERL", "perl"},
      {"PYTHON3", "python3"},
      {"LEX", "flex"},
      {"YACC", "bison"},
      {"AWK", "awk"},
      {"LC_COLLATE", "C"},
      {"LC_NUMERIC", "C"},
      {"KBUILD_DEFCONFIG", env.defconfig},
      {"KBUILD_KCONFIG", make_vars.count("KBUILD_KCONFIG") ? make_vars["KBUILD_KCONFIG"] : ""},
      {"RUSTC_BOOTSTRAP", "1"},
  };
  for (const auto& [k, v] : exported) vars[k] = v;
  for (const auto& [k, v] : make_vars) vars[k] = v;  // command-line variables are exported as given

  return env;
}

void add_computed_variables(KbuildEnv& env, ShellRunner& shell) {
  // The Makefile computes these with $(shell ...) and exports them, '#' removed.
  auto strip_pound = [](std::string s) {
    s.erase(std::remove(s.begin(), s.end(), '#'), s.end());
    return s;
  };
  std::string cc = env.vars["CC"];
  env.vars["CC_VERSION_TEXT"] =
      strip_pound(normalize_shell_output(shell.run("LC_ALL=C " + cc + " --version 2>/dev/null | head -n 1")));
  if (env.dialect == Dialect::Modern)
    env.vars["RUSTC_VERSION_TEXT"] =
        strip_pound(normalize_shell_output(shell.run(env.vars["RUSTC"] + " --version 2>/dev/null")));
}

}  // namespace tailor::kconfig
