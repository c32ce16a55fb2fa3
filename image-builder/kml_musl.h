// The KML-aware musl (kml-patches/libc): Debian's musl 1.2.3 source with our
// patch, whose system calls go through the KML call entry (AT_SYSINFO) when
// the kernel gives one, and through `syscall` otherwise. Its libc.so is also
// its dynamic loader, so a dynamically linked musl program gets it by being
// started through it (trusted_program.h). Built and cached by
// kml-patches/libc/build-musl.sh.
#pragma once

#include <filesystem>

#include "common/progress.h"

namespace tailor::image {

// kml-patches/libc/build-musl.sh of this source tree.
std::filesystem::path default_kml_musl_script();

// The KML-aware musl's libc.so: runs `script` with TAILOR_CACHE = `cache`
// (about 2 minutes on 2 cores the first time, a cache hit after that;
// fetching the source needs deb.debian.org, or KML_MUSL_SOURCE_DIR). Throws
// Error with the end of its output when the build fails or leaves no
// libc.so.
std::filesystem::path kml_musl_libc(const std::filesystem::path& script, const std::filesystem::path& cache,
                                    Progress& progress);

}  // namespace tailor::image
