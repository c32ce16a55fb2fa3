#!/usr/bin/env bash
# Every initramfs compression boots: the app kernel's config can unpack gzip,
# zstd and lz4 (legacy frames), and an uncompressed archive, so each manifest
# below reuses the shared app kernel and only the initramfs differs.
#
#   compression.sh TAILOR_BINARY WORK_DIR
set -euo pipefail
tailor=${1:?usage: compression.sh TAILOR_BINARY WORK_DIR}
source "$(dirname "$0")/fixed_config.sh"
work=${2:?usage: compression.sh TAILOR_BINARY WORK_DIR}
rm -rf "$work" && mkdir -p "$work"
for c in gzip zstd lz4 none; do
  cat > "$work/$c.toml" <<TOML
name = "compression-$c"
[app]
argv = ["/bin/busybox", "echo", "unpacked from $c"]
mounts = []
[[payload]]
deb = ["busybox-static"]
[kernel]
compression = "$c"
[run]
memory_mib = 96
timeout_s = 120
[check]
stdout = ["unpacked from $c"]
TOML
  "$tailor" run $FIXED "$work/$c.toml" -o "$work/out-$c" --check
  case $c in gzip) want=initramfs.cpio.gz ;; zstd) want=initramfs.cpio.zst ;; lz4) want=initramfs.cpio.lz4 ;; none) want=initramfs.cpio ;; esac
  [[ -f "$work/out-$c/$want" ]] || { echo "FAIL: $want not written"; ls "$work/out-$c"; exit 1; }
  echo "ok: $c ($(stat -c %s "$work/out-$c/$want") bytes)"
done
echo "PASS"
