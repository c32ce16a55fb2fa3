#include "bench/image_rows.h"

#include <set>

#include "bench/report.h"
#include "common/error.h"
#include "runner/capabilities.h"
#include "runner/boot_profile.h"

namespace tailor::bench {

namespace stdfs = std::filesystem;

std::vector<ImageRow> image_rows(const StudyCommon& c, const std::vector<stdfs::path>& manifests,
                                 const std::vector<std::pair<std::string, stdfs::path>>& kernels, bool need_check,
                                 Progress& progress) {
  if (manifests.empty()) throw Error("no app manifest given (--manifest FILE)");
  // Every input is checked before the first (long) kernel build.
  std::vector<image::Manifest> apps;
  std::set<std::string> labels;
  for (const auto& path : manifests) {
    apps.push_back(image::load_manifest(path));
    const image::Manifest& m = apps.back();
    if (!labels.insert(m.name).second) throw Error(path.string() + ": a second manifest named '" + m.name + "'");
    if (need_check && !m.check.present)
      throw Error(path.string() + ": no [check] table: the study needs one to know that the app still works");
  }
  for (const auto& [label, kernel] : kernels) {
    std::error_code ec;
    if (!stdfs::is_regular_file(kernel, ec)) throw Error(kernel.string() + ": --kernel " + label + ": no such kernel");
    if (!labels.insert(label).second) throw Error("--kernel " + label + ": that label names another row already");
  }
  std::vector<ImageRow> rows;
  for (const image::Manifest& m : apps) {
    image::Manifest unchecked = m;
    unchecked.check = {};  // the check is the study's business, not the image's
    BuiltImage built = build_study_image(c, unchecked, unchecked, "app-" + m.name, progress);
    rows.push_back({m.name, built.guest, m, built.details.value("kernel_key", "")});
  }
  for (const auto& [label, kernel] : kernels) {
    ImageRow row = rows.front();
    row.label = label;
    row.guest.kernel = stdfs::absolute(kernel);
    row.kernel_detail = row.guest.kernel.string();
    row.extra_kernel = true;
    rows.push_back(row);
  }
  return rows;
}

Study deterministic_study(const std::string& name, const std::string& title, const StudyCommon& c) {
  if (c.backend == "kvm")
    throw Error("bench " + name + " boots on QEMU's TCG with instruction counting, not on KVM (drop --backend kvm)");
  const runner::Capabilities caps = runner::probe_capabilities();
  if (!caps.qemu.usable) throw Error("bench " + name + ": QEMU is not usable here (" + caps.qemu.reason + ")");
  Study s;
  s.name = name;
  s.title = title;
  s.mode = "deterministic";
  s.machine = describe_machine();
  s.backend = {{"name", "qemu-icount"},
               {"detail", "QEMU " + caps.qemu.version + " -M microvm, TCG, -icount shift=0,sleep=off"},
               {"meaningful", true}};
  return s;
}

runner::BootSpec deterministic_boot(const GuestImage& guest, std::uint32_t memory_mib,
                                    std::chrono::milliseconds timeout) {
  runner::BootSpec spec = captured_boot(guest, timeout);
  spec.memory_mib = memory_mib;
  runner::make_deterministic(spec, /*per_initcall=*/false);
  return spec;
}

}  // namespace tailor::bench
