#!/usr/bin/env bash
# Installs everything tailor needs from Debian 12 packages, then configures and
# builds it (build/tailor, build/tailor-vmm). Idempotent: rerun it at will; it
# only calls apt-get when a package is missing.
#
#   ./setup.sh                 install + build
#   ./setup.sh --run           install + build + run the main job on the default manifest
#   ./setup.sh --no-build      install packages only
set -euo pipefail
cd "$(dirname "$0")"

# One package per line, grouped by what needs it. Keep in step with README.md.
PACKAGES=(
  # C++ toolchain and build
  build-essential cmake ninja-build pkg-config git
  # libraries
  libarchive-dev libcli11-dev libtomlplusplus-dev libfmt-dev nlohmann-json3-dev
  libcapstone-dev libssl-dev zlib1g-dev libzstd-dev liblz4-dev
  libgtest-dev libgmock-dev
  libseccomp-dev
  # tailor-vmm's user-mode networking (issue 14); glib is libslirp's pkg-config dependency
  libslirp-dev libglib2.0-dev
  # kernel builds (kbuild's own needs: libelf-dev for objtool) and our source trees
  flex bison bc cpio kmod patch xz-utils ccache libelf-dev dwarves
  # kbuild's compressors: lz4 for the LZ4 kernels tailor builds (KERNEL_LZ4),
  # zstd for the tests that unpack a zstd initramfs with the system tool
  lz4 zstd
  linux-source-6.1 linux-source-6.12 linux-config-6.1
  # guests: emulator, static userlands for test guests
  qemu-system-x86 busybox-static musl-tools musl-dev
  # [[volume]] images: mke2fs -d makes them without root, e2fsck checks them
  e2fsprogs
  # test oracles and scripts; Kconfiglib is bench/kconfig_bench.py's comparison
  python3 python3-kconfiglib
  # image.oci_image: container images made by the real tools
  umoci skopeo
  # scaling out (issue 19): distributed kernel compiles and the shared cache
  # store that the tests run on loopback (daemons started by the tests only)
  distcc icecc redis-server redis-tools
  # test.sh's sanitizer build: clang with ASan/UBSan and libFuzzer's runtime
  clang libclang-rt-dev
)

want_run=0
want_build=1
for arg in "$@"; do
  case "$arg" in
    --run) want_run=1 ;;
    --no-build) want_build=0 ;;
    -h|--help) sed -n '2,9p' "$0"; exit 0 ;;
    *) echo "setup.sh: unknown option '$arg' (try --help)" >&2; exit 2 ;;
  esac
done

missing=()
for p in "${PACKAGES[@]}"; do
  [[ "$p" == \#* ]] && continue
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if ((${#missing[@]})); then
  echo "setup.sh: installing ${#missing[@]} package(s): ${missing[*]}"
  SUDO=()
  if [[ $(id -u) -ne 0 ]]; then
    command -v sudo >/dev/null || { echo "setup.sh: need root (or sudo) to install packages" >&2; exit 1; }
    SUDO=(sudo)
  fi
  export DEBIAN_FRONTEND=noninteractive
  "${SUDO[@]}" apt-get update -q || { echo "setup.sh: apt-get update failed; check the network and /etc/apt/sources.list" >&2; exit 1; }
  # Check that each package exists before installing, so that the error names it.
  for p in "${missing[@]}"; do
    if ! apt-cache show "$p" >/dev/null 2>&1; then
      echo "setup.sh: package '$p' is not available from the configured Debian archives" >&2
      exit 1
    fi
  done
  "${SUDO[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
else
  echo "setup.sh: all ${#PACKAGES[@]} packages are installed"
fi

if ((want_build)); then
  cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
  cmake --build build
fi

if ((want_run)); then
  exec tools/main-job.sh
fi
