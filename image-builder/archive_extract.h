// Unpacking archives (kernel source tarballs, .deb data, image layers) with
// libarchive, refusing paths that would escape the destination.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string_view>

namespace tailor {

struct ExtractOptions {
  // Leading path components to drop ("linux-source-6.1/Makefile" -> "Makefile").
  int strip_components = 0;
  // Called now and then with (compressed bytes consumed, total archive bytes).
  std::function<void(std::uint64_t done, std::uint64_t total)> on_progress;
};

// Extracts every entry of `archive` under `dest` (which must exist). Throws
// Error naming the archive, the entry and libarchive's reason on a missing,
// corrupt or truncated archive; what was written so far is left for the
// caller to discard (extract into a TempDir).
// Returns the number of entries written.
std::uint64_t extract_archive(const std::filesystem::path& archive, const std::filesystem::path& dest,
                              const ExtractOptions& options = {});

// True when a '/'-separated archive member name has a '..' component, which
// could make it land outside the directory it is unpacked into.
bool has_dotdot_component(std::string_view name);

}  // namespace tailor
