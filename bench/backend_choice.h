// Which backend a study's timings come from, and whether they can answer the
// study's question: decided once per study so that every variant runs the same
// way, and stated in results.json and the report.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "runner/runner.h"

namespace tailor::bench {

struct BackendChoice {
  runner::Backend backend = runner::Backend::Auto;  // Kvm or Qemu (never Auto)
  // {"name": "kvm" | "qemu-kvm" | "qemu-tcg", "requested", "detail",
  //  "meaningful": bool, "why": "..."}
  nlohmann::json description;
};

// `requested`: "auto" (tailor-vmm on usable KVM, else QEMU), "kvm" or "qemu".
// Throws Error when the backend asked for cannot run here.
BackendChoice choose_backend(const std::string& requested);

}  // namespace tailor::bench
