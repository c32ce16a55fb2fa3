// SyscallKnowledge: the syscall -> CONFIG_ table derived from a kernel tree.
// Small hand-made trees pin the mechanics; the real 6.1 tree is checked
// against known facts.
#include "kconfig-analyzer/analyzer/knowledge/syscall_knowledge.h"

#include <gtest/gtest.h>

#include <thread>

#include "common/error.h"
#include "common/fs.h"
#include "common/cache_root.h"
#include "common/test_support.h"
#include "kconfig-analyzer/analyzer/knowledge/test_tree.h"

namespace tailor::knowledge {
namespace {

namespace fs = std::filesystem;

// A miniature tree: three syscalls, one always there, one behind a config
// option two directory levels down, one behind a directory-level option.
fs::path make_mini_tree(const std::string& name) {
  auto t = testing_support::scratch_dir(name);
  write_file_atomic(t / "arch/x86/entry/syscalls/syscall_64.tbl",
                    "# comment\n0\tcommon\tread\t\tsys_read\n1\t64\tepoll_wait\tsys_epoll_wait\n"
                    "2\tcommon\tsocket\tsys_socket\n3\tcommon\tgone\n512\tx32\trt_sigaction\tcompat_sys_rt_sigaction\n");
  write_file_atomic(t / "kernel/sys_ni.c", "COND_SYSCALL(epoll_wait);\nCOND_SYSCALL(socket);\n");
  write_file_atomic(t / "Kbuild", "obj-y += fs/\nobj-$(CONFIG_NET) += net/\n");
  write_file_atomic(t / "fs/Makefile", "obj-y += read_write.o notify/\n");
  write_file_atomic(t / "fs/read_write.c", "SYSCALL_DEFINE3(read, int, fd)\n{\n\treturn 0;\n}\n");
  write_file_atomic(t / "fs/notify/Makefile", "obj-$(CONFIG_EPOLL) += ep.o\nep-y := eventpoll.o\n");
  write_file_atomic(t / "fs/notify/eventpoll.c", "#ifdef CONFIG_SMP\nSYSCALL_DEFINE1(epoll_wait, int, x)\n{\n\treturn 1;\n}\n#endif\n");
  write_file_atomic(t / "net/Makefile", "obj-y := socket.o\n");
  write_file_atomic(t / "net/socket.c", "SYSCALL_DEFINE3(socket, int, family)\n{\n\treturn 2;\n}\n");
  write_file_atomic(t / "unbuilt/orphan.c", "SYSCALL_DEFINE0(read)\n{\n\treturn 0;\n}\n");
  return t;
}

TEST(SyscallTable, ParsesCommonAnd64BitEntries) {
  auto t = parse_syscall_table("0\tcommon\tread\tsys_read\n15\t64\trt_sigreturn\tsys_rt_sigreturn\n"
                               "134\t64\tuselib\n512\tx32\trt_sigaction\tcompat_sys_rt_sigaction\n",
                               "tbl");
  ASSERT_EQ(t.size(), 3u);
  EXPECT_EQ(t[1].name, "rt_sigreturn");
  EXPECT_EQ(t[2].entry, "");
}

TEST(SyscallTable, MalformedLinesNameTheLine) {
  try {
    parse_syscall_table("0 common read sys_read\nx common write sys_write\n", "syscall_64.tbl");
    FAIL();
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "syscall_64.tbl:2: syscall number 'x' is not a number");
  }
}

TEST(SyscallKnowledge, FollowsTheDirectoryChainCompositeObjectsAndIfdefs) {
  auto tree = make_mini_tree("mini-derive");
  auto k = SyscallKnowledge::derive(tree);
  ASSERT_EQ(k.syscalls().size(), 4u);  // x32 skipped
  EXPECT_EQ(to_string(k.by_name("read")->requirement), "y");
  EXPECT_EQ(k.by_name("read")->definitions.size(), 1u) << "unbuilt/ is in no makefile";
  EXPECT_EQ(to_string(k.by_name("epoll_wait")->requirement), "EPOLL && SMP");
  EXPECT_TRUE(k.by_name("epoll_wait")->conditional);
  EXPECT_EQ(to_string(k.by_name("socket")->requirement), "NET");
  EXPECT_FALSE(k.by_name("gone")->implemented());
  EXPECT_EQ(k.name_of(2), "socket");
  EXPECT_EQ(k.name_of(999), "syscall_999");
  const auto& def = k.by_name("epoll_wait")->definitions.front();
  EXPECT_EQ(def.file, "fs/notify/eventpoll.c");
  EXPECT_EQ(def.line, 2);
  EXPECT_EQ(to_string(def.build_condition), "EPOLL");
  EXPECT_EQ(to_string(def.source_condition), "SMP");
  fs::remove_all(tree);
}

TEST(SyscallKnowledge, NotATreeIsAClearError) {
  auto t = testing_support::scratch_dir("not-a-tree");
  try {
    SyscallKnowledge::derive(t);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("arch/x86/entry/syscalls/syscall_64.tbl is missing"), std::string::npos);
  }
  fs::remove_all(t);
}

TEST(SyscallKnowledge, CacheIsReusedAndRefreshedWhenTheTreeChanges) {
  auto tree = make_mini_tree("mini-cache");
  auto cache = testing_support::scratch_dir("mini-cache-store");
  auto first = SyscallKnowledge::load_or_derive(tree, cache);
  auto second = SyscallKnowledge::load_or_derive(tree, cache);
  EXPECT_EQ(first.to_json(), second.to_json());
  // Gate socket differently: the cached table must notice.
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  write_file_atomic(tree / "net/Makefile", "obj-$(CONFIG_INET) := socket.o\n");
  auto third = SyscallKnowledge::load_or_derive(tree, cache);
  EXPECT_EQ(to_string(third.by_name("socket")->requirement), "INET && NET");
  fs::remove_all(tree);
  fs::remove_all(cache);
}

TEST(SyscallKnowledge, DamagedCacheFileIsRebuilt) {
  auto tree = make_mini_tree("mini-damaged");
  auto cache = testing_support::scratch_dir("mini-damaged-store");
  SyscallKnowledge::load_or_derive(tree, cache);
  for (auto& e : fs::recursive_directory_iterator(cache))
    if (e.is_regular_file()) write_file_atomic(e.path(), "{not json");
  auto k = SyscallKnowledge::load_or_derive(tree, cache);
  EXPECT_EQ(to_string(k.by_name("socket")->requirement), "NET");
  fs::remove_all(tree);
  fs::remove_all(cache);
}

// The real tree: facts anyone can check in linux-6.1.
class Linux61 : public ::testing::Test {
 protected:
  static const SyscallKnowledge& k() {
    static const auto knowledge = SyscallKnowledge::load_or_derive(testing::linux_6_1_tree(), cache_root(""));
    return knowledge;
  }
  static std::string requirement(const char* name) {
    const auto* f = k().by_name(name);
    return f ? to_string(f->requirement) : "no such syscall";
  }
};

TEST_F(Linux61, OptionalSyscallGroupsMapToTheirOptions) {
  EXPECT_EQ(requirement("epoll_create1"), "EPOLL");
  EXPECT_EQ(requirement("epoll_wait"), "EPOLL");
  EXPECT_EQ(requirement("msgget"), "SYSVIPC");
  EXPECT_EQ(requirement("shmget"), "SYSVIPC");
  EXPECT_EQ(requirement("mq_open"), "POSIX_MQUEUE");
  EXPECT_EQ(requirement("io_setup"), "AIO");
  EXPECT_EQ(requirement("futex"), "FUTEX");
  EXPECT_EQ(requirement("set_robust_list"), "FUTEX");
  EXPECT_EQ(requirement("eventfd2"), "EVENTFD");
  EXPECT_EQ(requirement("signalfd4"), "SIGNALFD");
  EXPECT_EQ(requirement("timerfd_create"), "TIMERFD");
  EXPECT_EQ(requirement("inotify_init1"), "INOTIFY_USER");
  EXPECT_EQ(requirement("flock"), "FILE_LOCKING");
  EXPECT_EQ(requirement("memfd_create"), "MEMFD_CREATE");
  EXPECT_EQ(requirement("fadvise64"), "ADVISE_SYSCALLS");
  EXPECT_EQ(requirement("madvise"), "ADVISE_SYSCALLS && MMU");
  EXPECT_EQ(requirement("socket"), "NET");
  EXPECT_EQ(requirement("io_uring_setup"), "IO_URING");
  EXPECT_EQ(requirement("bpf"), "BPF && BPF_SYSCALL");
  EXPECT_EQ(requirement("setuid"), "MULTIUSER");
  EXPECT_EQ(requirement("timer_create"), "POSIX_TIMERS");
  EXPECT_EQ(requirement("seccomp"), "SECCOMP");
  EXPECT_EQ(requirement("modify_ldt"), "MODIFY_LDT_SYSCALL");
}

TEST_F(Linux61, StubsThatOnlyReturnEnosysDoNotCount) {
  EXPECT_EQ(requirement("ioperm"), "X86_IOPL_IOPERM");
  EXPECT_EQ(requirement("iopl"), "X86_IOPL_IOPERM");
}

TEST_F(Linux61, SourcesIncludedIntoOtherSources) {
  // kernel/sched/build_utility.c includes membarrier.c under CONFIG_MEMBARRIER.
  EXPECT_EQ(requirement("membarrier"), "MEMBARRIER");
}

TEST_F(Linux61, CoreSyscallsNeedNothing) {
  for (const char* name : {"read", "write", "openat", "close", "execve", "exit_group", "getrandom", "mount"})
    EXPECT_EQ(requirement(name), "y") << name;
  EXPECT_TRUE(k().by_name("clock_gettime")->always_available()) << "posix-stubs.c or posix-timers.c";
  EXPECT_TRUE(k().by_name("munmap")->always_available()) << "mmap.c or nommu.c";
}

TEST_F(Linux61, ReservedNumbersAreNotImplemented) {
  EXPECT_FALSE(k().by_name("uselib")->implemented());
  EXPECT_FALSE(k().by_name("create_module")->implemented());
  EXPECT_TRUE(k().by_name("futex")->conditional) << "COND_SYSCALL(futex) in kernel/sys_ni.c";
  EXPECT_FALSE(k().by_name("read")->conditional);
}

}  // namespace
}  // namespace tailor::knowledge
