// How the dynamic loader looks for a DT_NEEDED library, written once for the
// image builder's closure and the analyzer's: the directories it searches, in
// order (DT_RPATH only when the object has no DT_RUNPATH, inherited along the
// chain of objects that loaded it; LD_LIBRARY_PATH; DT_RUNPATH; the loader's
// standard directories), with $ORIGIN, $LIB and $PLATFORM expanded, and the
// names a loader answers itself.
#pragma once

#include <string>
#include <vector>

#include "common/elf/elf_file.h"

namespace tailor::elf {

// The interpreter is musl's loader (which is also its libc).
bool is_musl_interpreter(const std::string& interpreter);

// The dynamic loader's standard directories for an interpreter path:
// glibc's multiarch list (what `ld.so --help` prints on Debian) or musl's.
std::vector<std::string> default_library_dirs(const std::string& interpreter);

// True when the loader `interpreter` provides library `needed` itself, so no
// file is looked for: its own name (libc.so.6 needs ld-linux-x86-64.so.2,
// already in the process), and musl's built-in libc.so, libpthread.so.0, ...
bool loader_provides(const std::string& interpreter, const std::string& needed);

// "$ORIGIN/../lib" -> "/opt/app/lib" for an object at /opt/app/bin/x (also
// ${ORIGIN}, $LIB and $PLATFORM as x86-64 glibc expands them).
std::string expand_dynamic_tokens(const std::string& dir, const std::string& object_image_path);

// The RPATH directories `object` hands on to the objects it loads: its own
// DT_RPATH (expanded; the loader ignores it when the object also has a
// DT_RUNPATH) then `inherited`, those of the objects that loaded it, nearest
// first, up to the program.
std::vector<std::string> inherited_rpath(const ElfFile& object, const std::string& object_image_path,
                                         const std::vector<std::string>& inherited);

// Every directory searched for a DT_NEEDED name of `object`, in order: when
// it has no DT_RUNPATH, its RPATH chain (inherited_rpath); then
// `ld_library_path`; its DT_RUNPATH; the standard directories of
// `interpreter` (the program's loader).
std::vector<std::string> library_search_dirs(const ElfFile& object, const std::string& object_image_path,
                                             const std::vector<std::string>& inherited,
                                             const std::vector<std::string>& ld_library_path,
                                             const std::string& interpreter);

// The image paths tried for `needed`, in order and normalized: the name
// itself when it holds a '/' (absolute names only), else each absolute
// directory of `dirs` joined with it.
std::vector<std::string> library_candidates(const std::string& needed, const std::vector<std::string>& dirs);

}  // namespace tailor::elf
