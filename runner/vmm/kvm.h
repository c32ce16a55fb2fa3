// Thin RAII wrappers over the KVM ioctl API: the system handle (/dev/kvm), a
// VM and a vCPU. Each failing ioctl becomes Error("KVM: <ioctl>: <errno>").
#pragma once

#include <linux/kvm.h>

#include <cstdint>
#include <string>
#include <vector>

#include "common/unique_fd.h"

namespace tailor::runner::vmm {

// Throws Error(kMonitorFailed) "KVM: <what>: strerror(errno)".
[[noreturn]] void throw_kvm_error(const std::string& what, int err);

class Kvm {
 public:
  // Opens /dev/kvm and checks the API version. Throws Error(kNoBackend).
  static Kvm open();
  // Adopts an already open /dev/kvm descriptor (not owned).
  static Kvm borrow(int fd);

  int fd() const { return fd_; }
  int check_extension(long capability) const;
  int vcpu_mmap_size() const;
  // KVM_GET_SUPPORTED_CPUID: every leaf this host's KVM can present.
  std::vector<kvm_cpuid_entry2> supported_cpuid() const;

 private:
  UniqueFd owned_;
  int fd_ = -1;
};

class Vm {
 public:
  explicit Vm(const Kvm& kvm);
  int fd() const { return fd_.get(); }

  // Maps host memory [host, host+size) at guest-physical gpa in `slot`.
  void set_memory(std::uint32_t slot, std::uint64_t gpa, std::uint64_t size, void* host);
  void set_tss_addr(std::uint64_t gpa);
  void set_identity_map_addr(std::uint64_t gpa);
  void create_irqchip();
  void create_pit2();
  // Raises (level=true) or lowers an interrupt line of the in-kernel PIC/IOAPIC.
  void irq_line(std::uint32_t irq, bool level);

 private:
  UniqueFd fd_;
};

class Vcpu {
 public:
  Vcpu(const Kvm& kvm, const Vm& vm, int index);
  Vcpu(const Vcpu&) = delete;
  Vcpu& operator=(const Vcpu&) = delete;
  ~Vcpu();

  int index() const { return index_; }
  int fd() const { return fd_.get(); }
  kvm_run& run_state() { return *run_; }
  std::size_t run_size() const { return run_size_; }  // bytes mapped at run_state()

  kvm_regs regs() const;
  void set_regs(const kvm_regs& regs);
  kvm_sregs sregs() const;
  void set_sregs(const kvm_sregs& sregs);
  void set_cpuid(const std::vector<kvm_cpuid_entry2>& entries);
  void set_msrs(const std::vector<kvm_msr_entry>& entries);
  void set_fpu(const kvm_fpu& fpu);
  void set_xcr0(std::uint64_t value);
  void set_lapic(const kvm_lapic_state& lapic);
  kvm_lapic_state lapic() const;

  // One KVM_RUN. Returns false when interrupted by a signal (EINTR/EAGAIN),
  // true when the guest exited to us; throws on other failures.
  bool run();

 private:
  int index_;
  UniqueFd fd_;
  kvm_run* run_ = nullptr;
  std::size_t run_size_ = 0;
};

}  // namespace tailor::runner::vmm
