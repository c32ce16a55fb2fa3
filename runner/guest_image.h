// A built guest as a boot starts it: kernel, initramfs (none when it is built
// into the kernel), command line, memory and vCPUs. The one way from an
// image to a BootSpec: `tailor run` and the benchmarks fill one (the image
// builder's guest_image() makes it from a build), then add their own
// timeouts, devices and console sinks.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

#include "runner/runner.h"

namespace tailor::runner {

struct GuestImage {
  std::filesystem::path kernel;                 // what the monitor boots (vmlinux with PVH, else bzImage)
  std::optional<std::filesystem::path> initrd;  // unset: the initramfs is inside the kernel
  std::string cmdline;
  std::uint32_t memory_mib = 256;
  std::uint32_t cpus = 1;
};

// Sets the guest's fields of `spec`; leaves everything else as it is.
inline void set_guest(BootSpec& spec, const GuestImage& guest) {
  spec.kernel = guest.kernel;
  spec.initrd = guest.initrd;
  spec.cmdline = guest.cmdline;
  spec.memory_mib = guest.memory_mib;
  spec.cpus = guest.cpus;
}

// A BootSpec for the guest, everything else at its defaults.
inline BootSpec boot_spec_for(const GuestImage& guest) {
  BootSpec spec;
  set_guest(spec, guest);
  return spec;
}

}  // namespace tailor::runner
