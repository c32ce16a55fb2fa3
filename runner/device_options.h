// The values of --disk and --net, which attach the optional virtio modules.
// They live apart from the monitor's core: only the modules need them.
#pragma once

#include <string>

#include "runner/runner.h"

namespace tailor::runner {

// "FILE" (read-write) or "FILE:ro". Throws Error(kUsage) when FILE is empty.
BlockDevice parse_disk_option(const std::string& value);

// "TAP" or "TAP,mac=XX:XX:XX:XX:XX:XX". Throws Error(kUsage) when TAP is empty
// or the option is not mac=.
NetDevice parse_net_option(const std::string& value);

}  // namespace tailor::runner
