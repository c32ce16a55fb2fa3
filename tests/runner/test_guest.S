/* A tiny 64-bit guest for tailor-vmm, loaded as an ELF "kernel" and entered
 * in long mode like vmlinux (RSI = zero page). It exercises the monitor's
 * boot state and devices without Linux:
 *   - the zero page: "HdrS" magic, the command line (echoed to the UART);
 *   - the 16550: scratch register read-back, LSR polling, transmit;
 *   - the event port: read-back of 0xe9, the boot mark 'M', 'S' + status;
 *   - the exit port: status 42 ends the run.
 * Every check that fails prints "TEST-GUEST FAIL: <what>" and exits 99.
 * A command line starting with one of these words asks for a bad ending
 * instead, to test how the monitor reports it:
 *   "!triple-fault"  ud2 with an empty IDT: #UD -> #GP -> #DF -> shutdown
 *   "!hang"          cli; hlt forever (the monitor's timeout must end it)
 *   "!reset"         pulse the reset line through the i8042 (port 0x64, 0xfe) */
#define COM1 0x3f8
#define EXIT_PORT 0xf4
#define EVENT_PORT 0xe9

  .code64
  .section .text
  .globl _start
_start:
  mov %rsi, %r15                  /* keep the zero page */

  /* UART: 8N1, interrupts off, then a scratch-register round trip. */
  mov $COM1 + 3, %dx
  mov $0x03, %al
  out %al, %dx
  mov $COM1 + 1, %dx
  xor %al, %al
  out %al, %dx
  mov $COM1 + 7, %dx
  mov $0x5a, %al
  out %al, %dx
  in %dx, %al
  cmp $0x5a, %al
  lea fail_scratch(%rip), %rdi
  jne fail

  lea hello(%rip), %rdi
  call puts

  /* Zero page: the setup-header magic at 0x202 must be "HdrS". */
  cmpl $0x53726448, 0x202(%r15)
  lea fail_hdrs(%rip), %rdi
  jne fail

  /* Echo the command line (cmd_line_ptr at 0x228) between brackets. */
  lea cmdline_prefix(%rip), %rdi
  call puts
  mov 0x228(%r15), %edi
  call puts
  lea cmdline_suffix(%rip), %rdi
  call puts

  /* Requested bad endings. */
  lea word_triple(%rip), %rsi
  call cmdline_starts_with
  je triple_fault
  lea word_hang(%rip), %rsi
  call cmdline_starts_with
  je hang
  lea word_reset(%rip), %rsi
  call cmdline_starts_with
  je reset

  /* Event port: reads back 0xe9 when present. */
  mov $EVENT_PORT, %dx
  in %dx, %al
  cmp $0xe9, %al
  lea fail_event(%rip), %rdi
  jne fail

  mov $'M', %al                   /* boot mark */
  out %al, %dx
  lea done(%rip), %rdi
  call puts

  mov $EVENT_PORT, %dx
  mov $'S', %al
  out %al, %dx
  mov $42, %al
  out %al, %dx
  mov $EXIT_PORT, %dx
  out %al, %dx
halt:
  hlt
  jmp halt

triple_fault:
  ud2
hang:
  cli
1:
  hlt
  jmp 1b
reset:
  mov $0x64, %dx
  mov $0xfe, %al
  out %al, %dx
  jmp hang                        /* not reached when the monitor resets */

/* ZF set when the command line starts with the NUL-terminated word at %rsi. */
cmdline_starts_with:
  mov 0x228(%r15), %edi
1:
  movzbl (%rsi), %eax
  test %al, %al
  jz 2f                           /* end of word: match (ZF set by test) */
  cmp (%rdi), %al
  jne 2f                          /* mismatch: ZF clear */
  inc %rsi
  inc %rdi
  jmp 1b
2:
  ret

/* Prints "TEST-GUEST FAIL: " and the string at %rdi, then exits with 99. */
fail:
  push %rdi
  lea fail_prefix(%rip), %rdi
  call puts
  pop %rdi
  call puts
  mov $EVENT_PORT, %dx
  mov $'S', %al
  out %al, %dx
  mov $99, %al
  out %al, %dx
  mov $EXIT_PORT, %dx
  out %al, %dx
  jmp halt

/* puts: writes the NUL-terminated string at %rdi to COM1, polling LSR.THRE. */
puts:
  movzbl (%rdi), %eax
  test %al, %al
  jz 2f
  mov %al, %cl
  mov $COM1 + 5, %dx
1:
  in %dx, %al
  test $0x20, %al
  jz 1b
  mov $COM1, %dx
  mov %cl, %al
  out %al, %dx
  inc %rdi
  jmp puts
2:
  ret

  .section .rodata
hello:          .asciz "TEST-GUEST: hello from a 64-bit guest\n"
cmdline_prefix: .asciz "TEST-GUEST: cmdline ["
cmdline_suffix: .asciz "]\n"
done:           .asciz "TEST-GUEST: ports ok, exiting with 42\n"
fail_prefix:    .asciz "TEST-GUEST FAIL: "
fail_scratch:   .asciz "UART scratch register\n"
fail_hdrs:      .asciz "zero page has no HdrS magic\n"
fail_event:     .asciz "event port read-back\n"
word_triple:    .asciz "!triple-fault"
word_hang:      .asciz "!hang"
word_reset:     .asciz "!reset"
