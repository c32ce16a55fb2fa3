// Static syscall extraction on small programs built by the test suite (see
// testdata/): what they call must be found, with the socket families and the
// imports that reach it; what is unreachable must not be.
#include "kconfig-analyzer/analyzer/syscalls/program_analysis.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace tailor::syscalls {
namespace {

const std::string kBin = SYSCALL_TESTBIN;

// x86-64 numbers (arch/x86/entry/syscalls/syscall_64.tbl).
enum : int {
  kRead = 0, kGetpid = 39, kSocket = 41, kExit = 60, kMsgget = 68, kFlock = 73, kGetuid = 102,
  kPivotRoot = 155, kIoSetup = 206, kMqOpen = 240, kKexecLoad = 246, kEventfd2 = 290,
  kEpollCreate1 = 291, kInotifyInit1 = 294,
};
constexpr int kAfUnix = 1, kAfInet6 = 10;

bool via_contains(const SyscallEvidence& e, const std::string& name) {
  return std::find(e.via.begin(), e.via.end(), name) != e.via.end();
}

class KnownCalls : public ::testing::TestWithParam<std::string> {
 protected:
  static const StaticAnalysis& analysis(const std::string& name) {
    static std::map<std::string, StaticAnalysis> cache;
    auto it = cache.find(name);
    if (it == cache.end()) it = cache.emplace(name, analyze_program(kBin + "/" + name, elf::host_path_map())).first;
    return it->second;
  }
};

TEST_P(KnownCalls, FindsEveryCallTheProgramMakes) {
  const auto& a = analysis(GetParam());
  for (int nr : {kEpollCreate1, kSocket, kMsgget, kMqOpen, kIoSetup, kEventfd2, kInotifyInit1, kFlock, kExit})
    EXPECT_TRUE(a.syscalls.count(nr)) << GetParam() << " lacks syscall " << nr;
}

TEST_P(KnownCalls, FindsSocketFamiliesPassedAsConstants) {
  const auto& a = analysis(GetParam());
  EXPECT_TRUE(a.socket_families.count(kAfUnix));
  EXPECT_TRUE(a.socket_families.count(kAfInet6));
  EXPECT_FALSE(a.socket_families.count(2)) << "AF_INET is never used";
}

TEST_P(KnownCalls, LeavesOutUnreachableCode) {
  const auto& a = analysis(GetParam());
  EXPECT_FALSE(a.syscalls.count(kKexecLoad)) << "never_called() is not reachable";
  EXPECT_FALSE(a.syscalls.count(kPivotRoot)) << "never_called() is not reachable";
}

TEST_P(KnownCalls, FollowsFunctionPointersStoredInData) {
  // take_lock() is only reachable through handlers[], an array in .data.rel.ro/.rodata.
  const auto& a = analysis(GetParam());
  ASSERT_TRUE(a.syscalls.count(kFlock));
}

TEST_P(KnownCalls, NamesTheWrapperThatReachesEachCall) {
  const auto& a = analysis(GetParam());
  ASSERT_TRUE(a.syscalls.count(kEpollCreate1));
  EXPECT_TRUE(via_contains(a.syscalls.at(kEpollCreate1), "epoll_create1"))
      << ::testing::PrintToString(a.syscalls.at(kEpollCreate1).via);
  ASSERT_TRUE(a.syscalls.count(kMsgget));
  EXPECT_TRUE(via_contains(a.syscalls.at(kMsgget), "msgget"));
  // syscall(SYS_io_setup, ...) has no wrapper: the number is bound at main's call.
  ASSERT_TRUE(a.syscalls.count(kIoSetup));
  EXPECT_NE(a.syscalls.at(kIoSetup).site.find("(main)"), std::string::npos) << a.syscalls.at(kIoSetup).site;
}

INSTANTIATE_TEST_SUITE_P(Builds, KnownCalls, ::testing::Values("known_glibc", "known_musl", "known_glibc_static"));

TEST(DynamicProgram, ReportsItsImportsAndTheLoader) {
  auto a = analyze_program(kBin + "/known_glibc", elf::host_path_map());
  EXPECT_EQ(a.modules.size(), 3u);
  EXPECT_TRUE(a.imports_called.count("epoll_create1"));
  EXPECT_TRUE(a.imports_called.count("mq_open"));
  EXPECT_FALSE(a.imports_called.count("never_called"));
  // The dynamic loader itself maps the libraries: mmap (9) reached from ld.so's entry.
  ASSERT_TRUE(a.syscalls.count(9));
}

TEST(DynamicProgram, ImportsViaThePltNameTheLibraryFunction) {
  auto a = analyze_program(kBin + "/known_glibc", elf::host_path_map());
  ASSERT_TRUE(a.syscalls.count(kEpollCreate1));
  EXPECT_NE(a.syscalls.at(kEpollCreate1).site.find("libc.so.6+"), std::string::npos);
  EXPECT_TRUE(via_contains(a.socket_families.at(kAfUnix), "socket"));
}

TEST(RawProgram, NumbersSetByMovXorPushPopAndAWrapperParameter) {
  auto a = analyze_program(kBin + "/raw_start", elf::host_path_map());
  std::vector<int> found;
  for (const auto& [nr, e] : a.syscalls) found.push_back(nr);
  EXPECT_EQ(found, (std::vector<int>{kRead, kGetpid, kExit, kGetuid}));
  EXPECT_TRUE(a.unresolved_sites.empty()) << ::testing::PrintToString(a.unresolved_sites);
}

}  // namespace
}  // namespace tailor::syscalls
