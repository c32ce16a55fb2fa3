// The KVM ioctls the monitor uses, with errors that name the ioctl.
#include "runner/vmm/kvm.h"

#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#include <cerrno>
#include <fmt/core.h>
#include <memory>

#include "common/error.h"
#include "runner/runner.h"

namespace tailor::runner::vmm {

void throw_kvm_error(const std::string& what, int err) {
  throw Error(errno_message("KVM: " + what, err), exit_codes::kMonitorFailed);
}

namespace {

// <linux/kvm.h> declares the trailing arrays of kvm_cpuid2 and kvm_msrs with
// __DECLARE_FLEX_ARRAY, whose empty struct takes a byte in C++: sizeof, and
// with it the ioctl numbers (they encode the size), come out wrong (12, not
// 8) and KVM answers EINVAL. These are the C layouts of the fixed parts.
struct CpuidHeader {
  std::uint32_t nent;
  std::uint32_t padding;
};
struct MsrsHeader {
  std::uint32_t nmsrs;
  std::uint32_t pad;
};
static_assert(sizeof(CpuidHeader) == 8 && sizeof(MsrsHeader) == 8);
constexpr unsigned long kGetSupportedCpuid = _IOWR(KVMIO, 0x05, CpuidHeader);
constexpr unsigned long kSetCpuid2 = _IOW(KVMIO, 0x90, CpuidHeader);
constexpr unsigned long kSetMsrs = _IOW(KVMIO, 0x89, MsrsHeader);

// A buffer holding a fixed header followed by `count` entries.
template <typename Header, typename Entry>
struct FlexBuffer {
  explicit FlexBuffer(std::size_t count)
      : storage(std::make_unique<std::uint64_t[]>((sizeof(Header) + count * sizeof(Entry) + 7) / 8)) {}
  Header* header() { return reinterpret_cast<Header*>(storage.get()); }
  Entry* entries() { return reinterpret_cast<Entry*>(reinterpret_cast<std::uint8_t*>(storage.get()) + sizeof(Header)); }
  std::unique_ptr<std::uint64_t[]> storage;
};

template <typename... Args>
int checked_ioctl(int fd, unsigned long request, const char* name, Args... args) {
  int r;
  do {
    r = ::ioctl(fd, request, args...);
  } while (r < 0 && errno == EINTR);
  if (r < 0) throw_kvm_error(name, errno);
  return r;
}
}  // namespace

Kvm Kvm::open() {
  Kvm k;
  k.owned_.reset(::open("/dev/kvm", O_RDWR | O_CLOEXEC));
  if (!k.owned_)
    throw Error(errno_message("KVM: cannot open /dev/kvm", errno), exit_codes::kNoBackend);
  k.fd_ = k.owned_.get();
  int version = ::ioctl(k.fd_, KVM_GET_API_VERSION, 0);
  if (version != KVM_API_VERSION)
    throw Error(fmt::format("KVM: /dev/kvm API version {} (expected {})", version, KVM_API_VERSION),
                exit_codes::kNoBackend);
  return k;
}

Kvm Kvm::borrow(int fd) {
  Kvm k;
  k.fd_ = fd;
  return k;
}

int Kvm::check_extension(long capability) const { return ::ioctl(fd_, KVM_CHECK_EXTENSION, capability); }

int Kvm::vcpu_mmap_size() const { return checked_ioctl(fd_, KVM_GET_VCPU_MMAP_SIZE, "KVM_GET_VCPU_MMAP_SIZE", 0); }

std::vector<kvm_cpuid_entry2> Kvm::supported_cpuid() const {
  // The caller sizes the buffer; E2BIG means "larger", so grow until it fits.
  for (std::uint32_t n = 64; n <= 4096; n *= 2) {
    FlexBuffer<CpuidHeader, kvm_cpuid_entry2> buf(n);
    buf.header()->nent = n;
    if (::ioctl(fd_, kGetSupportedCpuid, buf.storage.get()) == 0)
      return std::vector<kvm_cpuid_entry2>(buf.entries(), buf.entries() + buf.header()->nent);
    if (errno != E2BIG) throw_kvm_error("KVM_GET_SUPPORTED_CPUID", errno);
  }
  throw_kvm_error("KVM_GET_SUPPORTED_CPUID (too many entries)", E2BIG);
}

// KVM creates VM and vCPU descriptors close-on-exec.
Vm::Vm(const Kvm& kvm) : fd_(checked_ioctl(kvm.fd(), KVM_CREATE_VM, "KVM_CREATE_VM", 0)) {}

void Vm::set_memory(std::uint32_t slot, std::uint64_t gpa, std::uint64_t size, void* host) {
  kvm_userspace_memory_region region{};
  region.slot = slot;
  region.guest_phys_addr = gpa;
  region.memory_size = size;
  region.userspace_addr = reinterpret_cast<std::uint64_t>(host);
  checked_ioctl(fd(), KVM_SET_USER_MEMORY_REGION, "KVM_SET_USER_MEMORY_REGION", &region);
}

void Vm::set_tss_addr(std::uint64_t gpa) {
  checked_ioctl(fd(), KVM_SET_TSS_ADDR, "KVM_SET_TSS_ADDR", static_cast<unsigned long>(gpa));
}

void Vm::set_identity_map_addr(std::uint64_t gpa) {
  std::uint64_t addr = gpa;
  checked_ioctl(fd(), KVM_SET_IDENTITY_MAP_ADDR, "KVM_SET_IDENTITY_MAP_ADDR", &addr);
}

void Vm::create_irqchip() { checked_ioctl(fd(), KVM_CREATE_IRQCHIP, "KVM_CREATE_IRQCHIP", 0); }

void Vm::create_pit2() {
  kvm_pit_config config{};
  // Without this flag the PIT's speaker port 0x61 is unhandled; the kernel's
  // PIT calibration reads it.
  config.flags = KVM_PIT_SPEAKER_DUMMY;
  checked_ioctl(fd(), KVM_CREATE_PIT2, "KVM_CREATE_PIT2", &config);
}

void Vm::irq_line(std::uint32_t irq, bool level) {
  kvm_irq_level l{};
  l.irq = irq;
  l.level = level ? 1 : 0;
  checked_ioctl(fd(), KVM_IRQ_LINE, "KVM_IRQ_LINE", &l);
}

Vcpu::Vcpu(const Kvm& kvm, const Vm& vm, int index)
    : index_(index), fd_(checked_ioctl(vm.fd(), KVM_CREATE_VCPU, "KVM_CREATE_VCPU", index)) {
  run_size_ = static_cast<std::size_t>(kvm.vcpu_mmap_size());
  void* p = ::mmap(nullptr, run_size_, PROT_READ | PROT_WRITE, MAP_SHARED, fd_.get(), 0);
  if (p == MAP_FAILED) throw_kvm_error("mmap of the vCPU run area", errno);
  run_ = static_cast<kvm_run*>(p);
}

Vcpu::~Vcpu() {
  if (run_) ::munmap(run_, run_size_);
}

kvm_regs Vcpu::regs() const {
  kvm_regs r{};
  checked_ioctl(fd(), KVM_GET_REGS, "KVM_GET_REGS", &r);
  return r;
}
void Vcpu::set_regs(const kvm_regs& r) { checked_ioctl(fd(), KVM_SET_REGS, "KVM_SET_REGS", &r); }
kvm_sregs Vcpu::sregs() const {
  kvm_sregs s{};
  checked_ioctl(fd(), KVM_GET_SREGS, "KVM_GET_SREGS", &s);
  return s;
}
void Vcpu::set_sregs(const kvm_sregs& s) { checked_ioctl(fd(), KVM_SET_SREGS, "KVM_SET_SREGS", &s); }

void Vcpu::set_cpuid(const std::vector<kvm_cpuid_entry2>& entries) {
  FlexBuffer<CpuidHeader, kvm_cpuid_entry2> buf(entries.size());
  buf.header()->nent = static_cast<std::uint32_t>(entries.size());
  std::copy(entries.begin(), entries.end(), buf.entries());
  checked_ioctl(fd(), kSetCpuid2, "KVM_SET_CPUID2", buf.storage.get());
}

void Vcpu::set_msrs(const std::vector<kvm_msr_entry>& entries) {
  FlexBuffer<MsrsHeader, kvm_msr_entry> buf(entries.size());
  buf.header()->nmsrs = static_cast<std::uint32_t>(entries.size());
  std::copy(entries.begin(), entries.end(), buf.entries());
  int set = checked_ioctl(fd(), kSetMsrs, "KVM_SET_MSRS", buf.storage.get());
  if (set != static_cast<int>(entries.size()))
    throw_kvm_error(fmt::format("KVM_SET_MSRS: MSR {:#x} refused", entries[static_cast<std::size_t>(set)].index),
                    EINVAL);
}

void Vcpu::set_fpu(const kvm_fpu& fpu) { checked_ioctl(fd(), KVM_SET_FPU, "KVM_SET_FPU", &fpu); }
void Vcpu::set_xcr0(std::uint64_t value) {
  kvm_xcrs x{};
  x.nr_xcrs = 1;
  x.xcrs[0] = {.xcr = 0, .reserved = 0, .value = value};
  checked_ioctl(fd(), KVM_SET_XCRS, "KVM_SET_XCRS", &x);
}
void Vcpu::set_lapic(const kvm_lapic_state& l) { checked_ioctl(fd(), KVM_SET_LAPIC, "KVM_SET_LAPIC", &l); }
kvm_lapic_state Vcpu::lapic() const {
  kvm_lapic_state l{};
  checked_ioctl(fd(), KVM_GET_LAPIC, "KVM_GET_LAPIC", &l);
  return l;
}

bool Vcpu::run() {
  if (::ioctl(fd(), KVM_RUN, 0) == 0) return true;
  if (errno == EINTR || errno == EAGAIN) return false;
  throw_kvm_error(fmt::format("KVM_RUN on vCPU {}", index_), errno);
}

}  // namespace tailor::runner::vmm
