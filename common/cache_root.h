// Where tailor keeps what it can rebuild: kernel trees, kernel builds, package
// downloads. Outside the repository, shared by every checkout on the machine.
#pragma once

#include <filesystem>
#include <string>

namespace tailor {

// The explicit --cache value if non-empty, else $TAILOR_CACHE, else
// $XDG_CACHE_HOME/tailor, else ~/.cache/tailor. Created if missing.
std::filesystem::path cache_root(const std::string& explicit_dir = {});

}  // namespace tailor
