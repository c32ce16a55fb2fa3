// UserNet for static programs built without a static libslirp (Debian ships
// only the shared library; see runner/CMakeLists.txt): user-mode networking
// is refused before the guest starts, saying where it is available.
#include "common/error.h"
#include "runner/vmm/user_net.h"

namespace tailor::runner::vmm {

UserNet::UserNet(const NetDevice&, bool) {
  throw Error("user-mode networking is not in this statically linked program (built without a static libslirp); "
              "`tailor boot --backend kvm --net user,...` runs the same monitor with it, or use a TAP (--net TAP)",
              exit_codes::kUsage);
}
UserNet::~UserNet() = default;
UniqueFd UserNet::take_guest_end() { return {}; }

}  // namespace tailor::runner::vmm
