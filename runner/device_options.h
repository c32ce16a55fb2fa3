// The values of --disk and --net, which attach the optional virtio modules.
// They live apart from the monitor's core: only the modules need them.
#pragma once

#include <string>

#include "runner/runner.h"

namespace tailor::runner {

// "FILE" (read-write) or "FILE:ro". Throws Error(kUsage) when FILE is empty.
BlockDevice parse_disk_option(const std::string& value);

// "TAP" or "TAP,mac=XX:XX:XX:XX:XX:XX"; or user-mode networking:
// "user[,hostfwd=tcp:127.0.0.1:8080-:80]...[,mac=..]" (hostfwd repeatable, in
// QEMU's syntax, see parse_port_forward). Throws Error(kUsage) when TAP is
// empty, an option is unknown, or a forward is malformed.
NetDevice parse_net_option(const std::string& value);

}  // namespace tailor::runner
