// `tailor bench kml`: what Kernel-Mode-Linux buys. The null system call in
// four variants (normal kernel; KML kernel, program outside /trusted; at CPL 0
// with the raw SYSCALL instruction; at CPL 0 through the KML call entry), and
// an application: redis-benchmark against redis-server in the same guest, on
// the normal kernel and with redis-server at CPL 0 on the KML kernel.
#pragma once

#include <filesystem>
#include <optional>

#include "bench/study_image.h"
#include "common/progress.h"

namespace tailor::bench {

struct KmlStudyOptions {
  StudyCommon common;
  // The app whose kernel configuration is studied (its payload goes in too);
  // nullopt: a built-in image with redis-server and redis-tools.
  std::optional<std::filesystem::path> manifest;
  // Zero: by mode (quick: 10^6 calls, 3 repeats, 2000 requests by 10
  // clients; full: 10^7 calls, 10 repeats, 100000 requests by 50 clients).
  long iterations = 0;
  int repeats = 0;
  int requests = 0, clients = 0;
};

void run_kml_study(const KmlStudyOptions& options, Progress& progress);

}  // namespace tailor::bench
