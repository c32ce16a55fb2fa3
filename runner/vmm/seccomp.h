// Confinement of the monitor once its VM is built (issue 13): no_new_privs and
// a seccomp filter that allows only the system calls of the run loop and the
// teardown, so that a guest which took over a device model still cannot open
// files, create processes or sockets, map executable memory, or drive KVM
// beyond running vCPUs and raising interrupt lines.
#pragma once

namespace tailor::runner::vmm {

// Sets no_new_privs and installs the filter on every thread of the process
// (threads that exist now included: TSYNC). Irreversible: for a process that
// only finishes its run afterwards (tailor-vmm). A forbidden call is not
// executed: the calling thread gets SIGSYS, whose handler names the call on
// stderr, and the process dies by SIGSYS. Throws Error(kMonitorFailed) when
// the kernel refuses (no seccomp support).
// `user_net`: the run has user-mode networking (libslirp), whose thread
// keeps making IPv4 sockets for the guest's connections and serving them; only
// then are those calls allowed (see allow_list in seccomp.cpp).
void confine_process(bool user_net = false);

}  // namespace tailor::runner::vmm
