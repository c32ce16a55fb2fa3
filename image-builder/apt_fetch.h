// Debian packages by name: resolved with the host's apt lists, downloaded
// with `apt-get download` into <cache>/debs (verified by SHA-256, kept for the
// next build), and the library packages they depend on.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "common/progress.h"
#include "image-builder/deb_package.h"

namespace tailor {

struct AptDeb {
  std::string spec;       // what was asked for: "sqlite3" or "sqlite3=3.40.1-2"
  std::string filename;   // "sqlite3_3.40.1-2+deb12u2_amd64.deb"
  std::string sha256;
  std::uint64_t size = 0;
  std::filesystem::path file;  // the cached .deb
  bool downloaded = false;     // fetched by this call (not from the cache)
};

// What apt-get download --print-uris says about `specs`: one line per package.
// Throws Error naming the first spec apt cannot resolve ("unknown Debian
// package 'foo'"), with apt's own message. apt's binary package cache is kept
// under <cache>/apt (hosts such as Docker images often turn it off, which
// makes every apt call parse all package lists again).
std::vector<AptDeb> resolve_debs(const std::vector<std::string>& specs, const std::filesystem::path& cache);

// Resolves and makes sure each .deb is in <cache>/debs, downloading the
// missing ones (network) in one apt-get call; every file is checked against
// the archive's SHA-256 before it is kept.
std::vector<AptDeb> fetch_debs(const std::vector<std::string>& specs, const std::filesystem::path& cache,
                               Progress& progress);

// Control data of package names as apt knows them (candidate versions);
// names apt does not know as real packages are left out.
using ControlLookup = std::function<std::vector<DebControl>(const std::vector<std::string>& names)>;
ControlLookup apt_cache_lookup(const std::filesystem::path& cache);

// The library packages reachable from `roots` through Depends and
// Pre-Depends: for each dependency group, the first alternative that is a
// real package; the walk enters a package only if it is a library (Section
// libs/oldlibs, or named lib*), so tools and their dependencies stay out.
// Returns names, sorted, without the roots.
std::vector<std::string> library_dependencies(const std::vector<DebControl>& roots, const ControlLookup& lookup);

}  // namespace tailor
