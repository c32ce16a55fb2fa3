#include "bench/kml_study.h"

#include <fmt/core.h>

#include "bench/backend_choice.h"
#include "bench/guest_programs.h"
#include "bench/report.h"
#include "bench/study_runner.h"
#include "common/error.h"

namespace tailor::bench {
namespace {

constexpr const char* kRedisManifest = R"(name = "bench-kml"

[app]
argv = ["/bench/smpbench", "plan"]
mounts = ["devtmpfs", "proc"]
loopback = true

[[payload]]
deb = ["redis-server", "redis-tools"]

[run]
memory_mib = 256
)";

}  // namespace

void run_kml_study(const KmlStudyOptions& opt, Progress& progress) {
  const StudyCommon& c = opt.common;
  check_study_dir(c.out_dir, "kml", c.restart);
  const bool full = c.full;
  const long iterations = opt.iterations > 0 ? opt.iterations : full ? 10'000'000 : 1'000'000;
  const int repeats = opt.repeats > 0 ? opt.repeats : full ? 10 : 3;
  const int requests = opt.requests > 0 ? opt.requests : full ? 100'000 : 2000;
  const int clients = opt.clients > 0 ? opt.clients : full ? 50 : 10;

  BackendChoice backend = choose_backend(c.backend);

  image::Manifest app = opt.manifest ? image::load_manifest(*opt.manifest)
                              : builtin_manifest(kRedisManifest, c.out_dir / "bench-kml.toml");
  image::PayloadSpec nullsys;
  const std::string nullsys_path = guest_program(c.cache, "kml-nullsys").string();
  nullsys.files = {{"/bin/kml-nullsys", nullsys_path}, {"/trusted/kml-nullsys", nullsys_path}};
  image::Manifest normal = bench_manifest(app, c.cache, nullsys);
  normal.kernel.kml = false;
  image::Manifest kml = normal;
  kml.kernel.kml = true;
  // Does the image have redis? Then the application part runs too.
  bool redis = false;
  for (const auto& p : normal.payloads)
    for (const auto& d : p.deb)
      if (d.rfind("redis-server", 0) == 0) redis = true;

  if (c.notice) c.notice("building the normal and KML kernels and images (cached after the first time)");
  BuiltImage normal_image = build_study_image(c, normal, normal, "normal", progress);
  BuiltImage kml_image = build_study_image(c, kml, normal, "kml", progress);

  Study fresh;
  fresh.name = "kml";
  fresh.title = "Kernel Mode Linux: null system call and redis, with and without KML";
  fresh.mode = full ? "full" : "quick";
  fresh.machine = describe_machine();
  fresh.backend = backend.description;
  // Both kernels boot with the same mitigations: KML needs page table
  // isolation off, so the normal kernel runs without it too (as
  // bench/kml-null-syscall.sh does), or the comparison would mostly measure PTI.
  const std::vector<std::string> common_settings = {"pti=off", "mitigations=off",
                                                    fmt::format("tailor.iters={}", iterations),
                                                    fmt::format("tailor.requests={}", requests),
                                                    fmt::format("tailor.clients={}", clients)};
  const std::vector<std::string> normal_settings = [&] {
    auto s = common_settings;
    s.push_back("tailor.redis=/usr/bin/redis-server");
    return s;
  }();
  const std::vector<std::string> kml_settings = [&] {
    auto s = common_settings;
    s.push_back("tailor.redis=/trusted/usr/bin/redis-server");
    return s;
  }();
  auto text = [](const std::vector<std::string>& v) {
    std::string s;
    for (const auto& x : v) s += " " + x;
    return s;
  };
  auto variant = [&](const std::string& name, const std::string& what, const BuiltImage& img,
                     const std::vector<std::string>& settings) {
    Variant v{name, what, img.details};
    v.details["cpus"] = 1;
    v.details["cmdline"] = img.guest.cmdline + text(settings) + " tailor.plan=...";
    v.details["backend"] = backend.description.value("name", "");
    return v;
  };
  fresh.variants = {
      variant("normal-kernel", "normal kernel (same config, no KML series); programs at CPL 3", normal_image,
              normal_settings),
      variant("kml-untrusted", "KML kernel; program outside /trusted (CPL 3), SYSCALL", kml_image, kml_settings),
      variant("kml-trusted-raw", "KML kernel; program under /trusted (CPL 0), raw SYSCALL instruction", kml_image,
              kml_settings),
      variant("kml-trusted-call", "KML kernel; under /trusted (CPL 0), CALL through the AT_SYSINFO entry", kml_image,
              kml_settings)};
  for (const char* v : {"kml-untrusted", "kml-trusted-raw", "kml-trusted-call"})
    fresh.comparisons.push_back({std::string("Cost of ") + v + " against the normal kernel (negative: KML is faster)",
                                 "normal-kernel", v});
  fresh.notes.push_back("Both kernels boot with pti=off mitigations=off (KML needs page table isolation off), so "
                        "that the comparison is not one of mitigations.");
  fresh.notes.push_back(fmt::format("null-syscall: getppid() {} times in a loop per sample "
                                    "(tests/kml/guest/nullsys.c, static musl); nanoseconds per call.",
                                    iterations));
  if (redis)
    fresh.notes.push_back(fmt::format(
        "redis-set / redis-get: redis-benchmark (CPL 3) against redis-server in the same guest over loopback TCP, "
        "{} requests from {} clients; requests per second. Under KML redis-server runs from /trusted at CPL 0; it is "
        "Debian's glibc build, so its system calls take the raw SYSCALL path (kml-trusted-raw), not the call entry.",
        requests, clients));
  fresh.notes.push_back(fmt::format("Kernel configuration: {} for the app {}; the KML kernel adds "
                                    "kml-patches/series and kml.config (configs/normal.config, configs/kml.config).",
                                    c.config_origin, app.name));
  fresh.notes.push_back("Lupine (EuroSys 2020) measured KML to gain up to 40% on system call microbenchmarks and "
                        "about 4% on applications, on KVM.");
  if (backend.description.value("meaningful", true) && backend.description.contains("why"))
    fresh.notes.push_back(backend.description.value("why", ""));

  Study study = open_study(c.out_dir, fresh, c.restart);
  StudyRun run(study, c.out_dir, progress);
  run.save();

  const bool emulated = !backend.description.value("meaningful", true);
  BootSettings boot;
  boot.backend = backend.backend;
  boot.step_budget_s = [&](const PlanStep& s) {
    if (s.kind == "null") return 30 + iterations * (emulated ? 20e-6 : 2e-6);
    return 60 + requests * (emulated ? 10e-3 : 1e-3);
  };

  auto steps_for = [&](const std::vector<std::string>& variants) {
    std::vector<StepKey> keys;
    for (const auto& v : variants) {
      const std::string mode = v == "normal-kernel" || v == "kml-untrusted" ? "bin-raw" : v.substr(4);
      keys.push_back({Measurement::wanted("null-syscall", v, "ns/call", false, repeats), "null", mode});
    }
    if (redis)
      for (const auto& v : variants) {
        if (v != "normal-kernel" && v != "kml-trusted-raw") continue;
        for (const char* t : {"set", "get"})
          keys.push_back({Measurement::wanted(std::string("redis-") + t, v, "requests/s", true, repeats), "redis", t});
      }
    return run.missing(keys);
  };
  measure_then_report(study, c.out_dir, progress, [&] {
    auto normal_steps = steps_for({"normal-kernel"});
    auto kml_steps = steps_for({"kml-untrusted", "kml-trusted-raw", "kml-trusted-call"});
    run.save();
    boot.cmdline_extra = normal_settings;
    if (!normal_steps.empty()) run.run("normal-kernel", normal_image.guest, boot, normal_steps);
    boot.cmdline_extra = kml_settings;
    if (!kml_steps.empty()) run.run("kml", kml_image.guest, boot, kml_steps);
  });
}

}  // namespace tailor::bench
