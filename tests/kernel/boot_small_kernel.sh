#!/usr/bin/env bash
# Builds the test kernel (test_kernel.sh: tinyconfig + small.config +
# apps.config) and boots it under QEMU TCG with a one-file initramfs whose /init
# prints a marker and exits with status 42 through the exit port. Passes when
# the marker is on the console and the status comes back.
#
#   boot_small_kernel.sh TAILOR_BINARY [WORK_DIR]
set -euo pipefail
tailor=${1:?usage: boot_small_kernel.sh TAILOR_BINARY [WORK_DIR]}
root=$(cd "$(dirname "$0")/../.." && pwd)
work=${2:-$(mktemp -d /tmp/tailor-boot-small.XXXXXX)}
mkdir -p "$work"

echo "== building the test kernel (cached after the first time)"
source "$root/tests/kernel/test_kernel.sh"
"$tailor" kernel build "${TEST_KERNEL[@]}" --strict -o "$work/kernel"

echo "== building the test initramfs"
cc=musl-gcc
command -v musl-gcc >/dev/null || cc=gcc
rm -rf "$work/rootfs" && mkdir -p "$work/rootfs"
"$cc" -static -Os -I "$root" -o "$work/rootfs/init" "$root/tests/kernel/marker_init.c"
(cd "$work/rootfs" && echo init | cpio --quiet -o -H newc -R 0:0 | gzip -9n) > "$work/initramfs.cpio.gz"

echo "== booting under QEMU (TCG)"
set +e
timeout 120 qemu-system-x86_64 -accel tcg -M microvm,x-option-roms=off,rtc=off -cpu qemu64 -m 128 -smp 1 \
  -nographic -no-reboot -nodefaults -serial stdio \
  -device isa-debug-exit,iobase=0xf4,iosize=0x04 \
  -kernel "$work/kernel/bzImage" -initrd "$work/initramfs.cpio.gz" \
  -append "console=ttyS0 panic=-1 quiet" > "$work/console.log" 2>&1
status=$?
set -e
cat "$work/console.log"
# isa-debug-exit: QEMU exits with (value << 1) | 1, so 42 comes back as 85.
if ! grep -q "TAILOR-BOOT-MARKER: hello from the small kernel" "$work/console.log"; then
  echo "FAIL: marker missing from the console (QEMU exit $status)"; exit 1
fi
if [[ $status -ne 85 ]]; then
  echo "FAIL: expected QEMU exit 85 (guest status 42), got $status"; exit 1
fi
echo "PASS: marker seen, guest exit status $(( (status - 1) / 2 ))"
