// A kernel's version from its top-level Makefile ("VERSION = 6",
// "PATCHLEVEL = 1", ...): the one reader, for the Kconfig environment
// (KERNELVERSION, the dialect) and for the kernel source cache and the
// analyzer (the "6.1.192" they name trees by).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace tailor {

struct KernelVersion {
  std::string version, patchlevel, sublevel, extraversion;  // each as its line gives it ("" when absent)

  // $(VERSION)$(if $(PATCHLEVEL),.$(PATCHLEVEL)$(if $(SUBLEVEL),.$(SUBLEVEL)))$(EXTRAVERSION):
  // "6.1.192", "6.12.0-rc1".
  std::string text() const;
};

// The four lines among the Makefile's first 40 (where kbuild has them; later
// lines are left alone), each value trimmed and cut at a '#' comment.
// nullopt when there is no VERSION line with a value.
std::optional<KernelVersion> makefile_kernel_version(std::string_view makefile);

// "6.1.192" from a top-level kernel Makefile's text; throws Error naming
// `where` when it has no VERSION/PATCHLEVEL lines (not a Linux source tree).
std::string kernel_version_from_makefile(const std::string& makefile_text, const std::string& where);

}  // namespace tailor
