// Quilt-style patch series: a `series` file listing patch files in the order
// they apply, comments after '#', an optional "-pN" strip level per line.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace tailor::image {

struct SeriesEntry {
  std::string name;                 // as written in the series file
  std::filesystem::path file;       // resolved next to the series file
  int strip = 1;                    // -pN (quilt's default is 1)
  int line = 0;                     // line in the series file, for messages
};

struct PatchSeries {
  std::filesystem::path series_file;
  std::vector<SeriesEntry> patches;
  // Hash over the order, strip levels and bytes of every patch: the series'
  // identity in cache keys (renaming the series file changes nothing).
  std::string content_hash;
};

// Parses `series_text` (read from `series_file`); does not touch the patches.
// Throws Error "file:line: ..." on a malformed line.
std::vector<SeriesEntry> parse_series(const std::string& series_text, const std::filesystem::path& series_file);

// Reads and parses a series file and hashes every patch it names. Throws
// Error naming the series file:line of a patch that is missing.
PatchSeries load_series(const std::filesystem::path& series_file);

}  // namespace tailor::image
