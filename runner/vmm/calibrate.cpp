// A throwaway one-page guest timed on a private VM.
#include "runner/vmm/calibrate.h"

#include <sys/mman.h>

#include <chrono>
#include <cstdint>
#include <cstring>
#include <fmt/core.h>

#include "common/error.h"
#include "runner/runner.h"
#include "runner/vmm/kvm.h"

namespace tailor::runner::vmm {
namespace {

constexpr std::uint64_t kCodeGpa = 0x1000;

// 16-bit code: mov ecx, COUNT; 1: dec ecx; jnz 1b; hlt
void write_loop(std::uint8_t* code, std::uint32_t count) {
  const std::uint8_t program[] = {0x66, 0xb9, 0, 0, 0, 0,  // mov ecx, imm32
                                  0x66, 0x49,              // dec ecx
                                  0x75, 0xfc,              // jnz -4
                                  0xf4};                   // hlt
  std::memcpy(code, program, sizeof program);
  std::memcpy(code + 2, &count, sizeof count);
}

double run_once(const Kvm& kvm, std::uint32_t count) {
  Vm vm(kvm);
  const std::size_t size = 0x10000;
  void* mem = ::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (mem == MAP_FAILED) throw_kvm_error("mmap for the calibration guest", errno);
  struct Unmap {
    void* p;
    std::size_t n;
    ~Unmap() { ::munmap(p, n); }
  } unmap{mem, size};
  write_loop(static_cast<std::uint8_t*>(mem) + kCodeGpa, count);
  vm.set_memory(0, 0, size, mem);
  Vcpu vcpu(kvm, vm, 0);
  kvm_sregs s = vcpu.sregs();
  s.cs.base = 0;
  s.cs.selector = 0;
  vcpu.set_sregs(s);
  kvm_regs r{};
  r.rip = kCodeGpa;
  r.rflags = 2;
  vcpu.set_regs(r);
  auto t0 = std::chrono::steady_clock::now();
  for (int tries = 0; tries < 100; ++tries) {
    if (!vcpu.run()) continue;
    if (vcpu.run_state().exit_reason == KVM_EXIT_HLT) {
      return std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - t0).count();
    }
    if (vcpu.run_state().exit_reason != KVM_EXIT_INTR)
      throw Error(fmt::format("calibration guest stopped with KVM exit reason {}", vcpu.run_state().exit_reason),
                  exit_codes::kNoBackend);
  }
  throw Error("calibration guest did not reach its HLT", exit_codes::kNoBackend);
}

}  // namespace

double time_cpl0_loop(int kvm_fd) {
  Kvm kvm = Kvm::borrow(kvm_fd);
  constexpr std::uint32_t kShort = 1000;
  double t_short = run_once(kvm, kShort);
  // Already slow beyond any VM-entry overhead: no need for the long run (which
  // would take seconds on a software-interpreting /dev/kvm).
  if (t_short > 20e6) return t_short / kShort;
  constexpr std::uint32_t kLong = 201000;
  double t_long = run_once(kvm, kLong);
  double per = (t_long - t_short) / (kLong - kShort);
  return per > 0 ? per : t_long / kLong;
}

}  // namespace tailor::runner::vmm
