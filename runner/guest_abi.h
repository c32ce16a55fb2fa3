/* The guest ABI between tailor's /init (inside the guest) and the monitor
 * (tailor-vmm, or QEMU through the QEMU backend). C, so that the guest-side
 * programs can include it. runner/README.md explains each port.
 *
 * Both ports are plain x86 I/O ports; the guest needs ioperm() (CONFIG_X86_IOPL_IOPERM)
 * or CPL 0 to use them. */
#ifndef TAILOR_RUNNER_GUEST_ABI_H
#define TAILOR_RUNNER_GUEST_ABI_H

/* Exit port. A write of the app's exit status (0..255; 128+N when killed by
 * signal N) ends the run; the monitor exits with that status. Compatible with
 * QEMU's `-device isa-debug-exit,iobase=0xf4,iosize=0x04`, which exits with
 * (value << 1) | 1 — the QEMU backend undoes that. */
#define TAILOR_PORT_EXIT 0xf4

/* Event port: single-byte events, compatible with QEMU's isa-debugcon
 * (`-device isa-debugcon,iobase=0xe9,chardev=...`) so that both backends see
 * the same stream. */
#define TAILOR_PORT_EVENT 0xe9

/* Event bytes written to TAILOR_PORT_EVENT. */
#define TAILOR_EVENT_APP_EXEC 'M'  /* boot mark: /init is about to exec the app */
#define TAILOR_EVENT_STATUS 'S'    /* followed by one byte: the exit status, written just
                                      before the exit port (QEMU's exit code keeps only 7 bits) */
#define TAILOR_EVENT_CLOCK 'T'     /* followed by one tag byte (below) and the guest's TSC
                                      (rdtsc) as 8 bytes, least significant first */

/* Tags of a clock event: which moment of the boot it stamps. Under QEMU's
 * instruction counting (-icount shift=0) the TSC is the guest's virtual time
 * in nanoseconds since reset, so these stamps put /init's moments on the same
 * deterministic timeline as the kernel's printk times. */
#define TAILOR_CLOCK_INIT 'I'      /* /init's first instruction of its own */
#define TAILOR_CLOCK_APP_EXEC 'M'  /* just before the boot mark */
#define TAILOR_CLOCK_EXIT 'S'      /* just before the status event */

/* The stop channel (BootSpec::stop_channel): a second 16550 serial port,
 * COM2 (I/O 0x2f8, IRQ 3; the guest's ttyS1), owned by the monitor, present
 * only when the run asks for it. The host writes only TAILOR_STOP_REQUEST to it,
 * once, when the user asks the run to stop (the first SIGINT/SIGTERM/SIGHUP):
 * the guest's /init opens TAILOR_STOP_SERIAL raw (no echo, no line discipline),
 * polls it while the app runs and, on the request, stops the app, syncs and
 * reports the app's status through the exit port as usual. The guest writes
 * nothing back; the host stops the guest itself after its grace time
 * (BootSpec::stop_grace) or on a second signal. Bytes other than a whole
 * request are to be ignored. */
#define TAILOR_STOP_SERIAL "ttyS1"
#define TAILOR_STOP_SERIAL_PORT 0x2f8
#define TAILOR_STOP_SERIAL_IRQ 3
#define TAILOR_STOP_REQUEST "stop\n"

#endif
