// A throwaway one-page guest timed on a private VM.
#include "runner/calibrate.h"

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
constexpr std::uint32_t kWarmupIterations = 1000;
constexpr std::uint32_t kTimedIterations = 200000;

// 16-bit code, two counted loops each followed by a port write (an exit):
//   mov ecx, WARMUP; 1: dec ecx; jnz 1b; out 0x80, al
//   mov ecx, TIMED;  2: dec ecx; jnz 2b; out 0x80, al
//   hlt
// The first loop absorbs one-time costs (page faults, a nested hypervisor's
// first entry, an emulator's code translation); the second is timed between
// the two exits.
void write_program(std::uint8_t* code) {
  const std::uint8_t loop[] = {0x66, 0xb9, 0, 0, 0, 0,  // mov ecx, imm32
                               0x66, 0x49,              // dec ecx
                               0x75, 0xfc,              // jnz -4
                               0xe6, 0x80};             // out 0x80, al
  std::memcpy(code, loop, sizeof loop);
  std::memcpy(code + 2, &kWarmupIterations, 4);
  std::memcpy(code + sizeof loop, loop, sizeof loop);
  std::memcpy(code + sizeof loop + 2, &kTimedIterations, 4);
  code[2 * sizeof loop] = 0xf4;  // hlt
}

}  // namespace

double time_cpl0_loop(int kvm_fd) {
  Kvm kvm = Kvm::borrow(kvm_fd);
  Vm vm(kvm);
  const std::size_t size = 0x10000;
  void* mem = ::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (mem == MAP_FAILED) throw_kvm_error("mmap for the calibration guest", errno);
  struct Unmap {
    void* p;
    std::size_t n;
    ~Unmap() { ::munmap(p, n); }
  } unmap{mem, size};
  write_program(static_cast<std::uint8_t*>(mem) + kCodeGpa);
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

  std::chrono::steady_clock::time_point first_exit{};
  int port_exits = 0;
  for (int runs = 0; runs < 100; ++runs) {
    if (!vcpu.run()) continue;
    const auto now = std::chrono::steady_clock::now();
    const auto reason = vcpu.run_state().exit_reason;
    if (reason == KVM_EXIT_IO && ++port_exits == 1) {
      first_exit = now;
    } else if (reason == KVM_EXIT_IO && port_exits == 2) {
      return std::chrono::duration<double, std::nano>(now - first_exit).count() / kTimedIterations;
    } else if (reason != KVM_EXIT_INTR) {
      throw Error(fmt::format("calibration guest stopped with KVM exit reason {}", reason), exit_codes::kNoBackend);
    }
  }
  throw Error("calibration guest did not finish its loops", exit_codes::kNoBackend);
}

}  // namespace tailor::runner::vmm
