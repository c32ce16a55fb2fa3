// Which resolved packages an image keeps, on small hand-written install sets
// shaped like real ones (redis-server's, python3's).
#include "image-builder/deb_selection.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/error.h"

namespace tailor::image {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

DebControl pkg(const std::string& stanza) { return parse_control(stanza); }

// redis-server's set, cut down: the daemon's own dependencies stay; adduser,
// init-system-helpers and what only they need (passwd, perl-base via
// usrmerge) go.
std::vector<DebControl> redis_like() {
  return {pkg("Package: redis-server\nDepends: adduser, init-system-helpers, redis-tools, libc6\n"),
          pkg("Package: redis-tools\nPre-Depends: adduser\nDepends: libssl3, libc6\n"),
          pkg("Package: libssl3\nDepends: libc6\n"),
          pkg("Package: libc6\n"),
          pkg("Package: adduser\nDepends: passwd\n"),
          pkg("Package: passwd\nDepends: libc6, libpam0g\n"),
          pkg("Package: libpam0g\nDepends: libc6\n"),
          pkg("Package: init-system-helpers\nDepends: usrmerge | usr-is-merged, perl-base\n"),
          pkg("Package: usrmerge\nDepends: perl\n"),
          pkg("Package: perl\nDepends: perl-base\n"),
          pkg("Package: perl-base\n")};
}

const SelectedPackage& find(const std::vector<SelectedPackage>& all, const std::string& name) {
  for (const auto& s : all)
    if (s.package == name) return s;
  throw std::runtime_error("no " + name);
}

TEST(DebSelection, KeepsWhatTheNamedPackageRunsWithAndLeavesOutInstallationTools) {
  auto s = select_packages(redis_like(), {{"redis-server"}, {}, {}});
  ASSERT_EQ(s.size(), 11u);
  std::vector<std::string> kept;
  for (const auto& p : s)
    if (p.kept) kept.push_back(p.package);
  EXPECT_THAT(kept, ElementsAre("libc6", "libssl3", "redis-server", "redis-tools"));
  EXPECT_TRUE(find(s, "redis-server").named);
  EXPECT_EQ(chain_text(find(s, "libssl3").chain), "libssl3 <- redis-tools <- redis-server");
  EXPECT_EQ(chain_text(find(s, "libc6").chain), "libc6 <- redis-server");  // the shortest chain
  EXPECT_EQ(find(s, "adduser").why_left_out, "installation only (deb_include keeps it)");
  EXPECT_EQ(find(s, "passwd").why_left_out, "installation only (deb_include keeps it)");
  EXPECT_EQ(find(s, "perl-base").why_left_out, "needed only by left-out init-system-helpers, perl");
  EXPECT_EQ(find(s, "libpam0g").why_left_out, "needed only by left-out passwd");
}

TEST(DebSelection, IncludeKeepsAnInstallationPackageWithWhatItNeeds) {
  auto s = select_packages(redis_like(), {{"redis-server"}, {"adduser", "passwd"}, {}});
  EXPECT_TRUE(find(s, "adduser").kept);
  EXPECT_EQ(chain_text(find(s, "libpam0g").chain), "libpam0g <- passwd <- adduser <- redis-server");
  EXPECT_FALSE(find(s, "perl-base").kept);
}

TEST(DebSelection, ExcludeCutsAPackageAndWhatOnlyItNeeds) {
  auto s = select_packages(redis_like(), {{"redis-server"}, {}, {"redis-tools"}});
  EXPECT_EQ(find(s, "redis-tools").why_left_out, "deb_exclude");
  EXPECT_EQ(find(s, "libssl3").why_left_out, "needed only by left-out redis-tools");
  EXPECT_TRUE(find(s, "libc6").kept);
}

// A named installation-only package is kept: the manifest asked for it.
TEST(DebSelection, ANamedPackageIsAlwaysKept) {
  auto s = select_packages(redis_like(), {{"redis-server", "perl"}, {}, {}});
  EXPECT_TRUE(find(s, "perl").kept);
  EXPECT_TRUE(find(s, "perl-base").kept);
  EXPECT_EQ(chain_text(find(s, "perl-base").chain), "perl-base <- perl");
}

// Virtual packages: a dependency on "awk" is served by what provides it, and
// a named virtual package stands for its provider.
TEST(DebSelection, VirtualNamesReachTheirProviders) {
  std::vector<DebControl> set = {pkg("Package: app\nDepends: awk | gawk, libc6\n"),
                                 pkg("Package: mawk\nProvides: awk\nDepends: libc6\n"), pkg("Package: libc6\n")};
  auto s = select_packages(set, {{"app"}, {}, {}});
  EXPECT_EQ(chain_text(find(s, "mawk").chain), "mawk <- app");
  auto named_virtual = select_packages(set, {{"awk"}, {}, {}});
  EXPECT_TRUE(find(named_virtual, "mawk").named);
  EXPECT_FALSE(find(named_virtual, "app").kept);
  EXPECT_EQ(find(named_virtual, "app").why_left_out, "nothing kept depends on it");
}

TEST(DebSelection, IncludeAndExcludeMustNameResolvedPackages) {
  EXPECT_THAT([] { select_packages(redis_like(), {{"redis-server"}, {"adduserr"}, {}}); },
              ::testing::ThrowsMessage<Error>(HasSubstr("deb_include names 'adduserr', which is not in the packages apt")));
  EXPECT_THAT([] { select_packages(redis_like(), {{"redis-server"}, {}, {"redis-server"}}); },
              ::testing::ThrowsMessage<Error>(HasSubstr("deb_exclude names 'redis-server', which the same payload")));
}

TEST(DebSelection, TheInstallationOnlyListIsSortedForLookup) {
  const auto& list = installation_only_packages();
  EXPECT_TRUE(std::is_sorted(list.begin(), list.end()));
}

}  // namespace
}  // namespace tailor::image
