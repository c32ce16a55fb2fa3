// The KVM monitor: placeholder until the VM builder lands (next commits).
#include "runner/vmm/monitor.h"

#include "common/error.h"

namespace tailor::runner::vmm {

BootResult run_kvm(const BootSpec&, const x86::KernelImage&, const MappedFile&, const MappedFile*,
                   const std::string&, RunReport&) {
  throw Error("the KVM backend is not built yet in this revision; use --backend qemu", exit_codes::kNoBackend);
}

}  // namespace tailor::runner::vmm
