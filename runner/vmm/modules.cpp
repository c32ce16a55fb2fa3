// Optional modules: none built in yet in this revision.
#include "runner/vmm/modules.h"

#include "common/error.h"

namespace tailor::runner::vmm {

Modules attach_modules(const BootSpec& spec, const ModuleContext&) {
  if (!spec.disks.empty() || !spec.nets.empty())
    throw Error("tailor-vmm: virtio disks and nets are not available yet in this revision (use --backend qemu)",
                exit_codes::kUsage);
  return {};
}

}  // namespace tailor::runner::vmm
