// parse_kbuild: the Kbuild idioms the kernel uses to gate objects.
#include "kconfig-analyzer/analyzer/knowledge/kbuild.h"

#include <gtest/gtest.h>

namespace tailor::knowledge {
namespace {

const std::map<std::string, std::string> kVars = {{"SRCARCH", "x86"}, {"BITS", "64"}};

std::string condition_of(const KbuildDir& d, const std::string& name) {
  std::vector<Condition> found;
  for (const auto& e : d.objects)
    if (e.name == name) found.push_back(e.condition);
  for (const auto& e : d.subdirs)
    if (e.name == name) found.push_back(e.condition);
  if (found.empty()) return "absent";
  Condition any = Condition::never();
  for (auto& c : found) any = Condition::either(any, c);
  return any.to_string();
}

TEST(Kbuild, ObjConfigLinesGateObjectsAndDirectories) {
  auto d = parse_kbuild(
      "obj-y += read_write.o\n"
      "obj-$(CONFIG_EPOLL) += eventpoll.o\n"
      "obj-$(CONFIG_NET) += net/\n"
      "obj-m += module_only.o\n",
      kVars);
  EXPECT_EQ(condition_of(d, "read_write.o"), "y");
  EXPECT_EQ(condition_of(d, "eventpoll.o"), "EPOLL");
  EXPECT_EQ(condition_of(d, "net/"), "NET");
  EXPECT_EQ(condition_of(d, "module_only.o"), "absent");
}

TEST(Kbuild, ContinuationLinesAndComments) {
  auto d = parse_kbuild("obj-y := a.o \\\n\tb.o # c.o is not here\n", kVars);
  EXPECT_EQ(condition_of(d, "b.o"), "y");
  EXPECT_EQ(condition_of(d, "c.o"), "absent");
}

TEST(Kbuild, IfdefIfeqAndElse) {
  auto d = parse_kbuild(
      "ifdef CONFIG_MMU\n"
      "  obj-$(CONFIG_ADVISE_SYSCALLS) += madvise.o\n"
      "else\n"
      "  obj-y += nommu_only.o\n"
      "endif\n"
      "ifeq ($(CONFIG_BLOCK),y)\n"
      "obj-y += buffer.o\n"
      "endif\n"
      "ifneq ($(CONFIG_SMP),y)\n"
      "obj-y += up.o\n"
      "endif\n",
      kVars);
  EXPECT_EQ(condition_of(d, "madvise.o"), "ADVISE_SYSCALLS && MMU");
  EXPECT_EQ(condition_of(d, "nommu_only.o"), "!MMU");
  EXPECT_EQ(condition_of(d, "buffer.o"), "BLOCK");
  EXPECT_EQ(condition_of(d, "up.o"), "!SMP");
}

TEST(Kbuild, CompositeObjectsExpandToTheirMembers) {
  auto d = parse_kbuild(
      "obj-$(CONFIG_INOTIFY_USER) += inotify.o\n"
      "inotify-y := inotify_fsnotify.o\n"
      "inotify-$(CONFIG_PROC_FS) += inotify_proc.o\n"
      "obj-$(CONFIG_FOO) += foo.o\n"
      "foo-objs := foo_main.o\n",
      kVars);
  EXPECT_EQ(condition_of(d, "inotify_fsnotify.o"), "INOTIFY_USER");
  EXPECT_EQ(condition_of(d, "inotify_proc.o"), "INOTIFY_USER && PROC_FS");
  EXPECT_EQ(condition_of(d, "foo_main.o"), "FOO");
  EXPECT_EQ(condition_of(d, "inotify.o"), "absent");
}

TEST(Kbuild, ConditionalReassignmentReplacesTheListOnlyWhenItApplies) {
  // mm/Makefile: nommu.o is built only without MMU.
  auto d = parse_kbuild(
      "mmu-y := nommu.o\n"
      "mmu-$(CONFIG_MMU) := mmap.o \\\n   mremap.o\n"
      "ifdef CONFIG_CROSS_MEMORY_ATTACH\n"
      "mmu-$(CONFIG_MMU) += process_vm_access.o\n"
      "endif\n"
      "obj-y := filemap.o $(mmu-y)\n",
      kVars);
  EXPECT_EQ(condition_of(d, "nommu.o"), "!MMU");
  EXPECT_EQ(condition_of(d, "mmap.o"), "MMU");
  EXPECT_EQ(condition_of(d, "process_vm_access.o"), "CROSS_MEMORY_ATTACH && MMU");
  EXPECT_EQ(condition_of(d, "filemap.o"), "y");
}

TEST(Kbuild, KnownVariablesAndSubstForms) {
  auto d = parse_kbuild(
      "obj-y += process_$(BITS).o\n"
      "obj-y += arch/$(SRCARCH)/\n"
      "obj-$(subst m,y,$(CONFIG_HYPERV)) += hyperv/\n"
      "obj-$(CONFIG_X) += $(call cc-option,foo).o\n",
      kVars);
  EXPECT_EQ(condition_of(d, "process_64.o"), "y");
  EXPECT_EQ(condition_of(d, "arch/x86/"), "y");
  EXPECT_EQ(condition_of(d, "hyperv/"), "HYPERV");
}

TEST(Kbuild, UnknownTestsAddNoRequirement) {
  auto d = parse_kbuild(
      "ifeq ($(cc-name),clang)\n"
      "obj-y += a.o\n"
      "else\n"
      "obj-y += b.o\n"
      "endif\n",
      kVars);
  EXPECT_EQ(condition_of(d, "a.o"), "y");
  EXPECT_EQ(condition_of(d, "b.o"), "y");
}

TEST(Kbuild, ListsOfTopLevelMakefiles) {
  auto d = parse_kbuild("libs-y := lib/\ndrivers-$(CONFIG_PCI) += arch/x86/pci/\n", kVars);
  ASSERT_EQ(d.lists.count("drivers-y"), 1u);
  EXPECT_EQ(d.lists.at("drivers-y").front().name, "arch/x86/pci/");
  EXPECT_EQ(d.lists.at("drivers-y").front().condition.to_string(), "PCI");
  EXPECT_EQ(d.lists.at("libs-y").front().name, "lib/");
}

}  // namespace
}  // namespace tailor::knowledge
