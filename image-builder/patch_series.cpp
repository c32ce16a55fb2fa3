#include "image-builder/patch_series.h"

#include <sstream>

#include "common/error.h"
#include "common/fs.h"
#include "common/sha256.h"

namespace tailor::image {

std::vector<SeriesEntry> parse_series(const std::string& series_text, const std::filesystem::path& series_file) {
  std::vector<SeriesEntry> entries;
  std::istringstream in(series_text);
  std::string line;
  int lineno = 0;
  while (std::getline(in, line)) {
    ++lineno;
    if (size_t hash = line.find('#'); hash != std::string::npos) line.erase(hash);
    std::istringstream words(line);
    std::string word;
    SeriesEntry entry;
    entry.line = lineno;
    while (words >> word) {
      if (entry.name.empty()) {
        entry.name = word;
      } else if (word.size() > 2 && word.rfind("-p", 0) == 0 &&
                 word.find_first_not_of("0123456789", 2) == std::string::npos) {
        entry.strip = std::stoi(word.substr(2));
      } else {
        throw Error(series_file.string() + ":" + std::to_string(lineno) + ": unexpected '" + word +
                    "' after patch name (only -pN is allowed)");
      }
    }
    if (entry.name.empty()) continue;
    if (entry.name.rfind("-", 0) == 0)
      throw Error(series_file.string() + ":" + std::to_string(lineno) + ": expected a patch file name, got '" +
                  entry.name + "'");
    entry.file = series_file.parent_path() / entry.name;
    entries.push_back(std::move(entry));
  }
  return entries;
}

PatchSeries load_series(const std::filesystem::path& series_file) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(series_file, ec))
    throw Error(series_file.string() + ": no such patch series file");
  PatchSeries series;
  series.series_file = std::filesystem::absolute(series_file);
  series.patches = parse_series(read_file(series_file), series.series_file);
  Sha256 h;
  h.field("tailor-series-v1");
  for (const auto& p : series.patches) {
    if (!std::filesystem::is_regular_file(p.file, ec))
      throw Error(series_file.string() + ":" + std::to_string(p.line) + ": patch '" + p.name + "' not found (" +
                  p.file.string() + ")");
    h.field(p.name).field(std::to_string(p.strip)).field(read_file(p.file));
  }
  series.content_hash = h.hex();
  return series;
}

}  // namespace tailor::image
