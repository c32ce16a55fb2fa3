#!/usr/bin/env bash
# CTest fixture: the KML-aware musl (kml-patches/libc/build-musl.sh, cached)
# and the guest programs built against it, static and dynamic, into
# $KML_FIXTURES/musl/. The dynamic one needs the KML musl's libc.so as its
# interpreter, /lib/ld-musl-x86_64.so.1, in the guest.
set -euo pipefail
: "${KML_FIXTURES:?}"
root=$(cd "$(dirname "$0")/../.." && pwd)
src=$root/tests/kml/guest
prefix=$("$root/kml-patches/libc/build-musl.sh")
cc=$prefix/bin/musl-gcc
out=$KML_FIXTURES/musl
mkdir -p "$out"
"$cc" -static -O2 -Wall -o "$out/kml-stress" "$src/stress.c" "$src/stress_asm.S" -lpthread
# The guest has the loader at the standard path, not at the build prefix.
"$cc" -O2 -Wall -Wl,--dynamic-linker=/lib/ld-musl-x86_64.so.1 -o "$out/kml-stress-dyn" "$src/stress.c" "$src/stress_asm.S" -lpthread
"$cc" -static -O2 -Wall -mno-red-zone -o "$out/kml-nullsys" "$src/nullsys.c"
"$cc" -static -O2 -Wall -o "$out/kml-cpl" "$src/cpl.c"
cp "$prefix/lib/libc.so" "$out/ld-musl-x86_64.so.1"
# The point of this libc: its system calls go through the KML call entry.
calls=$(objdump -d "$out/kml-stress" | grep -c 'call   \*%' || true)
[[ $calls -gt 20 ]] || { echo "FAIL: the KML musl build has no calls through AT_SYSINFO ($calls)"; exit 1; }
echo "PASS: KML musl in $prefix, programs in $out ($calls indirect call sites in kml-stress)"
