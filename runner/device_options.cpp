#include "runner/device_options.h"

#include "common/error.h"

namespace tailor::runner {

BlockDevice parse_disk_option(const std::string& value) {
  BlockDevice b;
  const bool read_only = value.ends_with(":ro");
  b.file = read_only ? value.substr(0, value.size() - 3) : value;
  b.read_only = read_only;
  if (b.file.empty()) throw Error("--disk needs a file name (FILE or FILE:ro)", exit_codes::kUsage);
  return b;
}

NetDevice parse_net_option(const std::string& value) {
  NetDevice dev;
  const auto comma = value.find(',');
  dev.tap = value.substr(0, comma);
  if (comma != std::string::npos) {
    const std::string opt = value.substr(comma + 1);
    if (!opt.starts_with("mac="))
      throw Error("--net " + value + ": unknown option '" + opt + "' (expected mac=XX:XX:XX:XX:XX:XX)",
                  exit_codes::kUsage);
    dev.mac = opt.substr(4);
  }
  if (dev.tap.empty()) throw Error("--net needs a TAP interface name (TAP or TAP,mac=XX:XX:XX:XX:XX:XX)", exit_codes::kUsage);
  return dev;
}

}  // namespace tailor::runner
