// Development probe: prints the static syscall analysis of host programs.
#include <cstdio>
#include <cstdlib>
#include <set>

#include "common/error.h"
#include "kconfig-analyzer/analyzer/syscalls/program_analysis.h"

int main(int argc, char** argv) {
  using namespace tailor;
  try {
    for (int i = 1; i < argc; ++i) {
      syscalls::AnalysisOptions opts;
      if (const char* b = std::getenv("PROBE_BARRIERS")) {
        std::string list = b;
        for (size_t p = 0; p <= list.size();) {
          auto e = list.find(',', p);
          if (e == std::string::npos) e = list.size();
          opts.barriers.insert(list.substr(p, e - p));
          p = e + 1;
        }
      }
      if (const char* b = std::getenv("PROBE_APPLETS")) {
        std::set<std::string> applets;
        std::string list = b;
        for (size_t p = 0; p <= list.size();) {
          auto e = list.find(',', p);
          if (e == std::string::npos) e = list.size();
          applets.insert(list.substr(p, e - p));
          p = e + 1;
        }
        opts.busybox_applets = applets;
      }
      auto a = syscalls::analyze_program(argv[i], elf::host_path_map(), nullptr, opts);
      std::printf("%s: %zu modules, %zu functions, %zu instructions, %zu syscalls\n", argv[i], a.modules.size(),
                  a.functions, a.instructions, a.syscalls.size());
      for (auto& [nr, e] : a.syscalls) {
        std::printf("  %3d  %s  via", nr, e.site.c_str());
        for (size_t k = 0; k < e.via.size() && k < 4; ++k) std::printf(" %s", e.via[k].c_str());
        std::printf("%s\n", e.via.size() > 4 ? " ..." : "");
        if (std::getenv("PROBE_PATHS"))
          for (auto& p : e.path) std::printf("        <- %s\n", p.c_str());
      }
      for (auto& [fam, e] : a.socket_families) {
        std::printf("  AF %d via %s\n", fam, e.via.front().c_str());
        if (std::getenv("PROBE_PATHS"))
          for (auto& p : e.path) std::printf("        <- %s\n", p.c_str());
      }
      std::printf("  unknown family: %d; unresolved sites: %zu\n", a.unknown_socket_family, a.unresolved_sites.size());
      for (auto& e : a.unknown_family_evidence) {
        std::printf("    family? %s via %s\n", e.site.c_str(), e.via.front().c_str());
        if (std::getenv("PROBE_PATHS"))
          for (auto& p : e.path) std::printf("        <- %s\n", p.c_str());
      }
      for (auto& s : a.unresolved_sites) std::printf("    ? %s\n", s.c_str());
      for (auto& [p, m] : a.paths) std::printf("  path %s (%s)\n", p.c_str(), m.c_str());
    }
  } catch (const Error& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
}
