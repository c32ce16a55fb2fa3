// Building (or finding in the cache) the KML-aware musl.
#include "image-builder/kml_musl.h"

#include <string>

#include "common/error.h"
#include "common/subprocess.h"

namespace tailor::image {

namespace stdfs = std::filesystem;

stdfs::path default_kml_musl_script() { return stdfs::path(TAILOR_SOURCE_DIR) / "kml-patches" / "libc" / "build-musl.sh"; }

stdfs::path kml_musl_libc(const stdfs::path& script, const stdfs::path& cache, Progress& progress) {
  std::error_code ec;
  if (!stdfs::is_regular_file(script, ec))
    throw Error("KML: the KML-aware musl's build script " + script.string() + " is missing; a tailor source tree has it");
  ProcessOptions options;
  options.env = {{"TAILOR_CACHE", stdfs::absolute(cache).string()}};
  options.merge_stderr = false;  // the script prints its prefix on stdout, what it does on stderr
  options.capture = true;
  progress.update("KML musl", -1, "kml-patches/libc/build-musl.sh");
  const ProcessResult r = run_process({"bash", "--", script.string()}, options);
  progress.clear();
  std::string prefix = r.output;
  while (!prefix.empty() && (prefix.back() == '\n' || prefix.back() == '\r')) prefix.pop_back();
  if (const auto nl = prefix.rfind('\n'); nl != std::string::npos) prefix.erase(0, nl + 1);
  if (!r.ok())
    throw Error("KML: building the KML-aware musl for a musl program failed (" + r.describe() + ": " + script.string() +
                "); its messages are above. Set KML_MUSL_SOURCE_DIR to a folder with Debian's musl 1.2.3-1 source "
                "tarballs when deb.debian.org cannot be reached");
  const stdfs::path libc = stdfs::path(prefix) / "lib" / "libc.so";
  if (prefix.empty() || !stdfs::is_regular_file(libc, ec))
    throw Error("KML: " + script.string() + " printed '" + prefix + "', which holds no lib/libc.so");
  return libc;
}

}  // namespace tailor::image
