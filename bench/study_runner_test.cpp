// Resuming studies: which steps are still needed, and when old samples may mix
// with new ones.
#include "bench/study_runner.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "common/error.h"
#include "common/fs.h"

namespace tailor::bench {
namespace {

namespace stdfs = std::filesystem;

StepKey point(const std::string& workload, int workers, int target) {
  Measurement m;
  m.workload = workload;
  m.variant = "smp-1cpu";
  m.parameter = workers;
  m.parameter_name = "workers";
  m.metric = "hand-offs/s";
  m.target_samples = target;
  return {m, workload, std::to_string(workers)};
}

Study smp_study(const std::string& kernel_key) {
  Study s;
  s.name = "smp";
  s.variants = {{"smp-1cpu", "SMP kernel, 1 vCPU", {{"kernel_key", kernel_key}, {"cpus", 1}}}};
  return s;
}

TEST(StudyRun, MissingStepsComeInRoundsOverEveryPoint) {
  Study s = smp_study("k");
  Progress quiet(false);
  StudyRun run(s, stdfs::temp_directory_path(), quiet);
  auto steps = run.missing({point("futex", 1, 2), point("futex", 4, 2)});
  ASSERT_EQ(steps.size(), 4u);
  EXPECT_EQ(steps[0].text(), "futex:1");
  EXPECT_EQ(steps[1].text(), "futex:4");
  EXPECT_EQ(steps[2].text(), "futex:1");
  EXPECT_EQ(steps[0].measurement, "futex/smp-1cpu/workers=1");
}

TEST(StudyRun, ResumedStudyAsksOnlyForWhatIsMissing) {
  Study s = smp_study("k");
  s.measurement(point("futex", 1, 2).key).samples = {5.0};
  s.measurement(point("futex", 4, 2).key).samples = {6.0, 7.0};
  Progress quiet(false);
  StudyRun run(s, stdfs::temp_directory_path(), quiet);
  auto steps = run.missing({point("futex", 1, 2), point("futex", 4, 2)});
  ASSERT_EQ(steps.size(), 1u);
  EXPECT_EQ(steps[0].text(), "futex:1");
  // A full-mode rerun asks for more samples of the same points.
  EXPECT_EQ(run.missing({point("futex", 1, 5), point("futex", 4, 5)}).size(), 7u);
}

TEST(StudyRun, OpenKeepsSamplesOfTheSameKernelsAndRefusesOthers) {
  TempDir dir(stdfs::temp_directory_path() / "tailor-study-runner-test");
  Study old = smp_study("aaaa");
  old.measurement(point("futex", 1, 2).key).samples = {5.0};
  save_study(old, dir.path());

  Study same = open_study(dir.path(), smp_study("aaaa"), false);
  ASSERT_EQ(same.measurements.size(), 1u);
  EXPECT_EQ(same.measurements[0].samples, std::vector<double>{5.0});

  EXPECT_THROW(open_study(dir.path(), smp_study("bbbb"), false), Error) << "samples of another kernel must not mix";
  EXPECT_TRUE(open_study(dir.path(), smp_study("bbbb"), true).measurements.empty()) << "--restart discards them";

  Study other = smp_study("aaaa");
  other.name = "kml";
  EXPECT_THROW(open_study(dir.path(), other, false), Error);
  EXPECT_THROW(check_study_dir(dir.path(), "kml", false), Error);
  EXPECT_NO_THROW(check_study_dir(dir.path(), "smp", false));
}

TEST(StudyRun, IncompleteMeasurementsAreAnErrorButSkippedOnesAreNot) {
  Study s = smp_study("k");
  Measurement skipped = point("bzImage", 1, 1).key;
  skipped.note = "not built in quick mode";
  s.measurement(skipped);
  EXPECT_NO_THROW(require_complete(s, "/tmp/x"));
  Measurement& m = s.measurement(point("futex", 1, 2).key);
  m.samples = {1.0};
  m.errors = {"step futex:1 failed in the guest (status 1): boom"};
  try {
    require_complete(s, "/tmp/x");
    FAIL();
  } catch (const Error& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("futex/smp-1cpu/workers=1: 1 of 2 samples; last error: step futex:1 failed"), std::string::npos)
        << what;
    EXPECT_NE(what.find("/tmp/x/results.json"), std::string::npos) << what;
  }
}

}  // namespace
}  // namespace tailor::bench
