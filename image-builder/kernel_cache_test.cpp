#include "image-builder/kernel_cache.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>

#include <nlohmann/json.hpp>

#include "common/error.h"
#include "common/file_lock.h"
#include "image-builder/kernel_build.h"
#include "image-builder/test_support.h"

namespace tailor::image {
namespace {

using testing_support::scratch_dir;

TEST(KernelCacheKeys, RequestKeyCoversEveryInput) {
  RequestKeyInputs base{"tree-1", "x86_64", "tinyconfig", "gcc 12", {"CONFIG_A=y\n"}};
  const std::string k = request_key(base);
  EXPECT_EQ(request_key(base), k);
  auto changed = [&](auto mutate) {
    RequestKeyInputs in = base;
    mutate(in);
    return request_key(in);
  };
  EXPECT_NE(changed([](auto& in) { in.tree_id = "tree-2"; }), k);
  EXPECT_NE(changed([](auto& in) { in.arch = "arm64"; }), k);
  EXPECT_NE(changed([](auto& in) { in.base = "allnoconfig"; }), k);
  EXPECT_NE(changed([](auto& in) { in.toolchain = "gcc 13"; }), k);
  EXPECT_NE(changed([](auto& in) { in.config_texts = {"CONFIG_A=n\n"}; }), k);
  EXPECT_NE(changed([](auto& in) { in.config_texts = {"CONFIG_A=y\n", ""}; }), k);
}

TEST(KernelCacheKeys, BuildKeyCoversConfigToolchainAndEmbeddedFiles) {
  BuildKeyInputs base{"tree-1", "x86_64", "gcc 12", "CONFIG_A=y\n", {}};
  const std::string k = build_key(base);
  EXPECT_EQ(k.size(), 64u);
  BuildKeyInputs in = base;
  in.normalized_config = "CONFIG_A=y\nCONFIG_B=y\n";
  EXPECT_NE(build_key(in), k);
  in = base;
  in.toolchain = "gcc 13";
  EXPECT_NE(build_key(in), k);
  in = base;
  in.embedded_file_digests = {"/x/initramfs.cpio=abc"};
  EXPECT_NE(build_key(in), k);
}

TEST(NormalizeConfig, DropsTrailingWhitespaceAndExtraBlankLinesOnly) {
  EXPECT_EQ(normalize_config("CONFIG_A=y  \r\n# comment\nCONFIG_B=\"x\"\n\n\n"), "CONFIG_A=y\n# comment\nCONFIG_B=\"x\"\n");
  EXPECT_EQ(normalize_config("CONFIG_A=y"), "CONFIG_A=y\n");
}

TEST(UnmetConfigRequests, ReportsWhatConfigurationDidNotKeep) {
  auto unmet = unmet_config_requests({"CONFIG_A=y\n# CONFIG_B is not set\nCONFIG_C=m\n"},
                                     "CONFIG_A=y\nCONFIG_B=y\n# CONFIG_C is not set\n");
  EXPECT_EQ(unmet, (std::vector<std::string>{"CONFIG_B: requested n, got y", "CONFIG_C: requested m, got n"}));
}

// Fabricates a complete cache entry as build_kernel() would leave it.
void fake_entry(const fs::path& cache, const std::string& key, int age_days) {
  fs::path e = kernel_cache_dir(cache) / key;
  for (const char* f : {"bzImage", "vmlinux", "System.map", ".config"}) write_file_atomic(e / f, "x");
  write_file_atomic(e / "build.json", nlohmann::json{{"version", "6.1.7"}, {"base", "tinyconfig"}}.dump());
  auto when = fs::file_time_type::clock::now() - std::chrono::hours(24 * age_days);
  fs::last_write_time(e / "build.json", when);
  write_file_atomic(e / "last-used", "");
  fs::last_write_time(e / "last-used", when);
  write_file_atomic(kernel_cache_dir(cache) / "index" / ("req-" + key.substr(0, 4)), key);
}

TEST(KernelCacheGc, RemovesOldEntriesAndOrphansButKeepsRecentAndLockedOnes) {
  fs::path cache = scratch_dir("gc");
  const std::string old_key(64, 'a'), new_key(64, 'b'), locked_key(64, 'c');
  fake_entry(cache, old_key, 40);
  fake_entry(cache, new_key, 1);
  fake_entry(cache, locked_key, 40);
  // Leftover of a crashed build: a temporary directory whose pid is not alive.
  fs::create_directories(kernel_cache_dir(cache) / ".deadbeef.tmp-999999999-0-1");
  FileLock held = FileLock::acquire(cache / "locks" / ("kernel-" + locked_key + ".lock"));

  auto listed = list_kernel_cache(cache);
  ASSERT_EQ(listed.size(), 3u);
  EXPECT_EQ(listed.front().key, new_key);  // most recently used first

  GcOptions dry;
  dry.older_than = std::chrono::hours(24 * 30);
  dry.dry_run = true;
  GcReport preview = gc_kernel_cache(cache, dry);
  EXPECT_EQ(list_kernel_cache(cache).size(), 3u);  // dry run removes nothing

  GcOptions o = dry;
  o.dry_run = false;
  GcReport report = gc_kernel_cache(cache, o);
  EXPECT_EQ(report.removed, preview.removed);
  EXPECT_FALSE(fs::exists(kernel_cache_dir(cache) / old_key));
  EXPECT_TRUE(fs::exists(kernel_cache_dir(cache) / new_key));
  EXPECT_TRUE(fs::exists(kernel_cache_dir(cache) / locked_key));
  EXPECT_FALSE(fs::exists(kernel_cache_dir(cache) / ".deadbeef.tmp-999999999-0-1"));
  EXPECT_FALSE(fs::exists(kernel_cache_dir(cache) / "index" / ("req-" + old_key.substr(0, 4))));
  EXPECT_TRUE(fs::exists(kernel_cache_dir(cache) / "index" / ("req-" + new_key.substr(0, 4))));
  fs::remove_all(cache);
}

// What a killed `tailor build`/`run`/`boot` leaves (issue 13): unpack and
// download directories, generated files, staged outputs in the cache, and the
// QEMU backend's socket directory in /tmp. gc removes each one whose creating
// process is gone, and nothing of a live one.
TEST(KernelCacheGc, RemovesLeftoversOfInterruptedRunsWhoseProcessIsGone) {
  fs::path cache = scratch_dir("gc-leftovers");
  const std::string dead = ".tmp-999999999-0-1";
  const std::string alive = ".tmp-" + std::to_string(::getpid()) + "-0-1";
  const std::vector<fs::path> leftovers = {
      cache / "unpacked" / (".oci-k" + dead),      cache / "unpacked" / (".outer-oci-k" + dead),
      cache / "debs" / (".download-1" + dead),     cache / "generated" / (".abc" + dead),
      cache / "initramfs" / (".incoming.cpio" + dead), cache / "images" / (".hello-1234" + dead),
      fs::temp_directory_path() / (".tailor-qemu-999999999" + dead)};
  for (const auto& p : leftovers) write_file_atomic(p / "partial", "x");
  const std::vector<fs::path> kept = {cache / "unpacked" / (".oci-busy" + alive), cache / "unpacked" / "oci-done",
                                      fs::temp_directory_path() / (".tailor-qemu-" + std::to_string(::getpid()) + alive)};
  for (const auto& p : kept) write_file_atomic(p / "file", "x");

  GcReport report = gc_kernel_cache(cache, GcOptions{});
  for (const auto& p : leftovers) {
    EXPECT_FALSE(fs::exists(p)) << p;
    EXPECT_NE(std::find(report.removed.begin(), report.removed.end(), p.string()), report.removed.end()) << p;
  }
  for (const auto& p : kept) EXPECT_TRUE(fs::exists(p)) << p;
  fs::remove_all(kept.back());
  fs::remove_all(cache);
}

TEST(ConfigBase, NamesRoundTripAndUnknownNamesListChoices) {
  for (const char* n : {"none", "allnoconfig", "tinyconfig", "alldefconfig", "defconfig"})
    EXPECT_EQ(config_base_name(parse_config_base(n)), n);
  EXPECT_THROW(parse_config_base("randconfig"), Error);
}

TEST(KernelCacheJson, ListsEachEntryWithItsLastUseInUtcMinutes) {
  KernelCacheEntry e;
  e.key = "abc";
  e.version = "6.1.192";
  e.configs = {"small.config"};
  e.bytes = 42;
  e.dir = "/c/kernels/abc";
  e.last_used = std::chrono::system_clock::from_time_t(1796652300);  // 2026-12-07 14:05 UTC
  EXPECT_EQ(utc_minute(e.last_used), "2026-12-07 14:05");
  auto j = cache_entries_json({e});
  ASSERT_EQ(j.size(), 1u);
  EXPECT_EQ(j[0]["key"], "abc");
  EXPECT_EQ(j[0]["configs"], nlohmann::json::array({"small.config"}));
  EXPECT_EQ(j[0]["bytes"], 42);
  EXPECT_EQ(j[0]["last_used"], "2026-12-07 14:05");
  EXPECT_TRUE(cache_entries_json({}).is_array());
}

TEST(KernelBuildJson, NamesTheFilesWhereTheyWereShown) {
  KernelArtifacts a;
  a.key = "k";
  a.version = "6.1.192";
  a.cache_hit = true;
  auto j = artifacts_json(a, "/out");
  EXPECT_EQ(j["bzImage"], "/out/bzImage");
  EXPECT_EQ(j["config"], "/out/.config");
  EXPECT_EQ(j["cache_hit"], true);
  EXPECT_TRUE(j["unmet_requests"].is_array());
}

}  // namespace
}  // namespace tailor::image
