#include "bench/report.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include "bench/svg_chart.h"
#include "common/fs.h"

namespace tailor::bench {
namespace {

Study scaling_study() {
  Study s;
  s.name = "smp";
  s.title = "SMP cost";
  s.mode = "quick";
  s.backend = {{"name", "qemu-tcg"}, {"meaningful", false}, {"why", "TCG emulates every instruction."}};
  s.variants = {{"nosmp-1cpu", "non-SMP, 1 vCPU", {}}, {"smp-1cpu", "SMP, 1 vCPU", {}}};
  for (int w : {1, 4, 16}) {
    Measurement m{"futex", "nosmp-1cpu", w, "workers", "ops/s", true, 3, {}, {}};
    s.measurement(m).samples = {100.0 * w, 101.0 * w, 99.0 * w};
    m.variant = "smp-1cpu";
    s.measurement(m).samples = {95.0 * w, 96.0 * w};
  }
  Measurement boot{"boot", "nosmp-1cpu", std::nullopt, "", "ms", false, 1, {120}, {"run 2: timed out"}};
  s.measurements.push_back(boot);
  s.comparisons = {{"Cost of SMP support", "nosmp-1cpu", "smp-1cpu"}};
  return s;
}

TEST(Report, SaysPlainlyWhenTheBackendMakesTimingsMeaningless) {
  std::string md = report_markdown(scaling_study());
  EXPECT_NE(md.find("do not answer the question on this machine"), std::string::npos);
  EXPECT_NE(md.find("TCG emulates every instruction."), std::string::npos);
}

TEST(Report, SkippedCellsShowWhyInsteadOfAValue) {
  Study s = scaling_study();
  Measurement bz{"bzImage", "nosmp-1cpu", std::nullopt, "", "bytes", false, 1, {}, {}};
  bz.note = "not built in quick mode";
  s.measurement(bz);
  std::string md = report_markdown(s);
  EXPECT_NE(md.find("| not built in quick mode |"), std::string::npos) << md;
  EXPECT_EQ(md.find("`bzImage/nosmp-1cpu`: 0 of 1 samples"), std::string::npos) << "a skipped cell is no failure";
  Study back = study_from_json(to_json(s), "x");
  EXPECT_EQ(report_markdown(back), md) << "the note survives results.json";
}

TEST(Report, TablesComparisonsAndProblemsAreListed) {
  std::string md = report_markdown(scaling_study());
  EXPECT_NE(md.find("| workers | nosmp-1cpu | smp-1cpu |"), std::string::npos) << md;
  EXPECT_NE(md.find("| futex | 4 | +4.7% |"), std::string::npos) << md;  // 400 vs 382 ops/s
  EXPECT_NE(md.find("`futex/smp-1cpu/workers=1`: 2 of 3 samples"), std::string::npos);
  EXPECT_NE(md.find("`boot/nosmp-1cpu`: run 2: timed out"), std::string::npos);
  EXPECT_NE(md.find("![futex](charts/futex.svg)"), std::string::npos);
}

TEST(Report, RenderingFromJsonIsByteIdentical) {
  auto dir = std::filesystem::temp_directory_path() / ("tailor-report-test-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  Study s = scaling_study();
  save_study(s, dir);
  auto files = render_report(s, dir);
  std::vector<std::string> first;
  for (const auto& f : files) first.push_back(read_file(f));
  auto files2 = render_report(*load_study(dir), dir);
  ASSERT_EQ(files2, files);
  for (size_t i = 0; i < files.size(); ++i) EXPECT_EQ(read_file(files2[i]), first[i]) << files[i];
  std::filesystem::remove_all(dir);
}

TEST(SvgChart, LineChartHasOneSeriesPerVariantAndAnAxisLabel) {
  Chart c;
  c.title = "futex";
  c.y_label = "ops/s";
  c.x_label = "workers";
  c.log2_x = true;
  c.series = {{"smp", {{1, 10, 9, 11}, {4, 30, 28, 33}}}, {"nosmp", {{1, 12, 12, 12}, {4, 31, 30, 32}}}};
  std::string svg = render_line_chart(c);
  EXPECT_EQ(svg.rfind("<svg", 0), 0u);
  EXPECT_NE(svg.find(">smp</text>"), std::string::npos);
  EXPECT_NE(svg.find(">nosmp</text>"), std::string::npos);
  EXPECT_NE(svg.find(">workers</text>"), std::string::npos);
  EXPECT_EQ(render_line_chart(c), svg);
}

TEST(FormatValue, PrecisionFollowsMagnitude) {
  EXPECT_EQ(format_value(123456.7), "123457");
  EXPECT_EQ(format_value(123.456), "123.5");
  EXPECT_EQ(format_value(1.23456), "1.23");
  EXPECT_EQ(format_value(0.0123456), "0.0123");
}

}  // namespace
}  // namespace tailor::bench
