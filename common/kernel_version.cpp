// Reading a kernel Makefile's version header (see kernel_version.h).
#include "common/kernel_version.h"

#include "common/error.h"

namespace tailor {
namespace {

std::string_view trim(std::string_view s) {
  size_t b = s.find_first_not_of(" \t\r");
  if (b == std::string_view::npos) return {};
  return s.substr(b, s.find_last_not_of(" \t\r") + 1 - b);
}

}  // namespace

std::string KernelVersion::text() const {
  std::string t = version;
  if (!patchlevel.empty()) {
    t += "." + patchlevel;
    if (!sublevel.empty()) t += "." + sublevel;
  }
  return t + extraversion;
}

std::optional<KernelVersion> makefile_kernel_version(std::string_view makefile) {
  KernelVersion v;
  const std::pair<std::string_view, std::string*> fields[] = {
      {"VERSION", &v.version}, {"PATCHLEVEL", &v.patchlevel}, {"SUBLEVEL", &v.sublevel}, {"EXTRAVERSION", &v.extraversion}};
  size_t pos = 0;
  for (int line_no = 0; line_no < 40 && pos < makefile.size(); ++line_no) {
    size_t end = makefile.find('\n', pos);
    std::string_view line = makefile.substr(pos, end == std::string_view::npos ? std::string_view::npos : end - pos);
    pos = end == std::string_view::npos ? makefile.size() : end + 1;
    for (const auto& [key, value] : fields) {
      // "KEY = value", "KEY=value": the key, blanks, then '='.
      if (!line.starts_with(key)) continue;
      size_t eq = line.find_first_not_of(" \t", key.size());
      if (eq == std::string_view::npos || line[eq] != '=') continue;
      std::string_view rest = line.substr(eq + 1);
      *value = std::string(trim(rest.substr(0, rest.find('#'))));
    }
  }
  if (v.version.empty()) return std::nullopt;
  return v;
}

std::string kernel_version_from_makefile(const std::string& makefile_text, const std::string& where) {
  const std::optional<KernelVersion> v = makefile_kernel_version(makefile_text);
  if (!v || v->patchlevel.empty())
    throw Error(where + ": Makefile has no VERSION/PATCHLEVEL lines; not a Linux source tree");
  return v->text();
}

}  // namespace tailor
