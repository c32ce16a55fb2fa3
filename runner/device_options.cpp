#include "runner/device_options.h"

#include <vector>

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
  std::vector<std::string> parts;
  for (std::size_t from = 0;;) {
    const auto comma = value.find(',', from);
    parts.push_back(value.substr(from, comma - from));
    if (comma == std::string::npos) break;
    from = comma + 1;
  }
  // "user" selects user-mode networking; anything else names a TAP.
  dev.user = parts[0] == "user";
  if (!dev.user) dev.tap = parts[0];
  for (std::size_t i = 1; i < parts.size(); ++i) {
    const std::string& opt = parts[i];
    if (opt.starts_with("mac=")) {
      dev.mac = opt.substr(4);
    } else if (dev.user && opt.starts_with("hostfwd=")) {
      dev.forwards.push_back(parse_port_forward(opt.substr(8)));
    } else {
      throw Error("--net " + value + ": unknown option '" + opt + "' (expected " +
                      (dev.user ? "hostfwd=[tcp|udp:][ADDRESS]:PORT-:GUESTPORT or mac=XX:XX:XX:XX:XX:XX)"
                                : "mac=XX:XX:XX:XX:XX:XX; port forwards need user mode: --net user,hostfwd=...)"),
                  exit_codes::kUsage);
    }
  }
  if (!dev.user && dev.tap.empty())
    throw Error("--net needs a TAP interface name or 'user' (TAP[,mac=..] or user[,hostfwd=..][,mac=..])",
                exit_codes::kUsage);
  return dev;
}

}  // namespace tailor::runner
