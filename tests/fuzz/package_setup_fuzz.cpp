// libFuzzer target: the maintainer-script, sysusers.d and tmpfiles.d reader
// (image-builder/package_setup.cpp). A package's author decides every byte
// of them. The input: a postinst; after a NUL, a sysusers.d file; after a
// second NUL, a tmpfiles.d file. Whatever it says, the reader must end
// (functions calling themselves, loops) and /etc/passwd must come out.
#include <cstdint>
#include <string>
#include <string_view>

#include "image-builder/package_setup.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto first = text.find('\0');
  const auto second = first == std::string_view::npos ? first : text.find('\0', first + 1);
  auto part = [&](std::size_t from, std::size_t to) {
    return from == std::string_view::npos || from >= text.size() ? std::string() : std::string(text.substr(from, to - from));
  };
  tailor::image::PackageSetupInput input{"fuzzed", {{"postinst", part(0, first)}}, {}, {}};
  if (first != std::string_view::npos) input.sysusers.push_back(part(first + 1, second));
  if (second != std::string_view::npos) input.tmpfiles.push_back(part(second + 1, std::string_view::npos));
  const tailor::image::PackageSetup setup = tailor::image::derive_package_setup({input});
  (void)tailor::image::passwd_file(setup);
  (void)tailor::image::group_file(setup);
  return 0;
}
