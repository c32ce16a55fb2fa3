#include "bench/study.h"

#include <gtest/gtest.h>

#include "common/error.h"

namespace tailor::bench {
namespace {

Study sample_study() {
  Study s;
  s.name = "smp";
  s.mode = "quick";
  s.machine = {{"host", "test"}};
  s.backend = {{"name", "qemu-tcg"}, {"meaningful", false}, {"why", "emulated"}};
  s.variants = {{"nosmp-1cpu", "non-SMP kernel, 1 vCPU", {{"cpus", 1}}}, {"smp-1cpu", "SMP kernel, 1 vCPU", {}}};
  Measurement m{"futex", "nosmp-1cpu", 4, "workers", "ops/s", true, 3, {}, {}};
  s.measurement(m).samples = {10.5, 11.25, 9.125};
  m.variant = "smp-1cpu";
  s.measurement(m).samples = {10, 10.5};
  s.comparisons = {{"Cost of SMP support", "nosmp-1cpu", "smp-1cpu"}};
  return s;
}

TEST(Study, MeasurementIdentityIncludesWorkloadVariantAndParameter) {
  Measurement m{"futex", "smp-2cpu", 64, "workers", "ops/s", true, 1, {}, {}};
  EXPECT_EQ(m.id(), "futex/smp-2cpu/workers=64");
  m.parameter.reset();
  EXPECT_EQ(m.id(), "futex/smp-2cpu");
}

TEST(Study, MeasurementLookupFindsExistingSamplesForResume) {
  Study s = sample_study();
  Measurement key{"futex", "nosmp-1cpu", 4, "workers", "ops/s", true, 5, {}, {}};
  Measurement& found = s.measurement(key);
  EXPECT_EQ(found.samples.size(), 3u);  // kept: a resumed run continues from here
  EXPECT_EQ(found.target_samples, 5);   // the new mode's target applies
  EXPECT_FALSE(found.complete());
}

TEST(Study, JsonRoundTripKeepsEverySample) {
  Study s = sample_study();
  Study back = study_from_json(to_json(s), "x");
  EXPECT_EQ(to_json(back).dump(), to_json(s).dump());
  ASSERT_EQ(back.measurements.size(), 2u);
  EXPECT_EQ(back.measurements[0].samples, (std::vector<double>{10.5, 11.25, 9.125}));
}

TEST(Study, MalformedJsonNamesTheFileAndField) {
  nlohmann::json j = to_json(sample_study());
  j["measurements"][1].erase("samples");
  try {
    study_from_json(j, "/r/results.json");
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("/r/results.json: measurements[1]: missing field 'samples'"),
              std::string::npos)
        << e.what();
  }
  EXPECT_THROW(study_from_json(nlohmann::json::object(), "x"), Error);
}

}  // namespace
}  // namespace tailor::bench
