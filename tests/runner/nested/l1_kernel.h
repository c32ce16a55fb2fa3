// Test-only: the L1 kernel of the nested KVM harness — Debian's
// linux-image-6.1.0-*-amd64 package, fetched with `apt-get download` once and
// reduced to vmlinuz and the modules KVM needs on AMD (the SVM that QEMU TCG
// emulates), cached under <cache>/nested/<package>/.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace tailor::testing {

struct L1Kernel {
  std::string package;                       // linux-image-6.1.0-56-amd64
  std::filesystem::path vmlinuz;
  std::vector<std::filesystem::path> modules;  // in load order: irqbypass, kvm, ccp, kvm-amd
};

// The package that linux-image-amd64 depends on (`apt-cache depends`).
std::string current_l1_package();

// Returns the cached L1 kernel for `package`, downloading and extracting it
// first when missing (or from `deb` when given). Throws Error with apt's or
// libarchive's message on failure.
L1Kernel prepare_l1_kernel(const std::filesystem::path& cache, const std::string& package,
                           const std::filesystem::path& deb = {});

// Module file names in load order.
const std::vector<std::string>& l1_module_names();

}  // namespace tailor::testing
