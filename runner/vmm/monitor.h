// tailor-vmm's KVM backend: builds the VM (memory, boot state, devices),
// runs its vCPUs until the guest ends, and reports how it ended.
#pragma once

#include <string>

#include "runner/boot/kernel_image.h"
#include "runner/mapped_file.h"
#include "runner/run_report.h"
#include "runner/runner.h"

namespace tailor::runner::vmm {

// Throws Error before the first guest instruction when the VM cannot be built
// (kNoBackend: no /dev/kvm; kBadImage: image does not fit or lacks a 64-bit
// entry; kMonitorFailed: an ioctl failed). Every ending after that is a result.
BootResult run_kvm(const BootSpec& spec, const x86::KernelImage& image, const MappedFile& kernel,
                   const MappedFile* initrd, const std::string& cmdline, RunReport& report);

}  // namespace tailor::runner::vmm
