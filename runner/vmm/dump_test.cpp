// Page walks and the register/code dump over a fake guest memory.
#include "runner/vmm/dump.h"

#include <gtest/gtest.h>

#include <cstring>
#include <vector>

#include "runner/boot/cpu_setup.h"
#include "runner/boot/layout.h"

namespace tailor::runner::vmm {
namespace {

namespace layout = x86::layout;

struct FakeMemory {
  std::vector<std::uint8_t> ram = std::vector<std::uint8_t>(0x400000, 0);
  PhysicalReader reader() {
    return [this](std::uint64_t gpa, std::span<std::uint8_t> out) {
      if (gpa > ram.size() || out.size() > ram.size() - gpa) return false;
      std::memcpy(out.data(), ram.data() + gpa, out.size());
      return true;
    };
  }
};

TEST(Dump, TranslatesThroughTheBootPageTables) {
  FakeMemory m;
  const auto tables = x86::identity_page_tables();
  std::memcpy(m.ram.data() + layout::kPml4, tables.data(), tables.size());
  const kvm_sregs s = x86::long_mode_sregs({});
  EXPECT_EQ(translate(s, 0x201234, m.reader()), 0x201234u);
  kvm_sregs real_mode{};
  EXPECT_EQ(translate(real_mode, 0x7c00, m.reader()), 0x7c00u) << "paging off";
}

TEST(Dump, ShowsRegistersAndDisassemblesAtRip) {
  FakeMemory m;
  const auto tables = x86::identity_page_tables();
  std::memcpy(m.ram.data() + layout::kPml4, tables.data(), tables.size());
  const std::uint8_t code[] = {0x0f, 0x0b, 0xf4};  // ud2; hlt
  std::memcpy(m.ram.data() + 0x201000, code, sizeof code);
  kvm_regs r{};
  r.rip = 0x201000;
  r.rax = 0xdeadbeef;
  const std::string text = dump_vcpu(0, r, x86::long_mode_sregs({}), m.reader());
  EXPECT_NE(text.find("rax=0x00000000deadbeef"), std::string::npos) << text;
  EXPECT_NE(text.find("=>0x0000000000201000  ud2"), std::string::npos) << text;
  EXPECT_NE(text.find("hlt"), std::string::npos) << text;
}

TEST(Dump, SaysSoWhenRipIsNotInMemory) {
  FakeMemory m;
  kvm_regs r{};
  r.rip = 0x80000000;
  const std::string text = dump_vcpu(1, r, kvm_sregs{}, m.reader());
  EXPECT_NE(text.find("not readable"), std::string::npos) << text;
}

TEST(Dump, SaysSoWhenTheHypervisorResetTheVcpu) {
  // KVM on AMD reinitializes a vCPU after a shutdown intercept: the dump must
  // not pretend the reset vector is where the guest faulted.
  FakeMemory m;
  kvm_regs r{};
  r.rip = 0xfff0;
  kvm_sregs s{};
  s.cs.selector = 0xf000;
  s.cs.base = 0xffff0000;
  s.cr0 = 0x60000010;
  const std::string text = dump_vcpu(0, r, s, m.reader());
  EXPECT_NE(text.find("reset state"), std::string::npos) << text;
  EXPECT_EQ(text.find("code at"), std::string::npos) << text;
  s.cr0 |= 1;  // protected mode: not a reset, so the code is shown
  EXPECT_EQ(dump_vcpu(0, r, s, m.reader()).find("reset state"), std::string::npos);
}

}  // namespace
}  // namespace tailor::runner::vmm
