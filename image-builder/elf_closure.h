// The shared-library closure of an image: for the app's program (argv[0],
// through #! scripts) and every other ELF file in the payload, find its
// interpreter (PT_INTERP) and libraries (DT_NEEDED via DT_RPATH, LD_LIBRARY_PATH,
// DT_RUNPATH and the loader's standard directories: the rules of
// common/elf/library_search.h) the way the guest's dynamic loader
// will, and add what is missing: from the payload first, then
// from a pool of candidate files (the packages' dependencies), then from the host.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "image-builder/payload_tree.h"

namespace tailor::image {

struct ClosureOptions {
  std::string argv0;                          // the app's program (image path)
  std::string argv0_where;                    // where the manifest says so, for messages ("m.toml:4:9")
  std::vector<std::string> ld_library_path;   // LD_LIBRARY_PATH from the app's environment
  const PayloadTree* pool = nullptr;          // candidate files taken only when needed (may be null)
  bool use_host = true;                       // fall back to the host's files
  std::filesystem::path host_root = "/";      // where "the host" is (tests use a fake root)
};

struct ClosureResult {
  // The chain that runs the app: argv[0], then each #! interpreter, ending at an ELF file.
  std::vector<std::string> exec_chain;
  std::string app_elf;                        // the ELF program the chain ends at
  std::vector<std::string> added;             // image paths the closure added, in order
  std::vector<std::string> warnings;          // libraries of payload files the app does not need up front
};

// Completes `payload` in place. Errors (thrown as Error, naming the file, the
// missing item and the places searched): argv[0] missing, not executable,
// neither ELF nor a #! script, not x86_64; a missing interpreter or library
// of the app's program or of anything it loads. A library missing for some
// other ELF file of the payload (a tool the app may never run) is a warning.
ClosureResult complete_closure(PayloadTree& payload, const ClosureOptions& options);

}  // namespace tailor::image
