#!/usr/bin/env bash
# Kernel Mode Linux null-syscall benchmark: getppid() in a tight loop, in the
# four variants of issue 7 and the rewritten-site path of issue 16, side by
# side with their ratios to the normal kernel:
#
#   normal-kernel     the baseline kernel (same config, no KML series), raw SYSCALL
#   kml-untrusted     the KML kernel, program outside /trusted/ (CPL 3), raw SYSCALL
#   kml-trusted-raw   the KML kernel, program under /trusted/ (CPL 0), raw SYSCALL
#   kml-trusted-call  the KML kernel, under /trusted/, CALL through AT_SYSINFO
#   kml-trusted-sled  the KML kernel, under /trusted/, CALL *%rax: a SYSCALL as
#                     `tailor kml rewrite` leaves it, through the sled (0006)
#
# All variants boot with the same kernel command line; each variant's number is
# the median of several runs of N calls inside one boot (tests/kml/guest/nullsys.c).
# The kernels come from tailor's cache (built on first use).
#
#   bench/kml-null-syscall.sh            N=10^7 calls, 5 runs
#   KML_BENCH_ITERATIONS=100000 KML_BENCH_RUNS=3 bench/kml-null-syscall.sh
#   KML_BENCH_ICOUNT=1 bench/kml-null-syscall.sh   guest instructions per call
#
# With KML_BENCH_ICOUNT=1 QEMU counts instructions (-icount shift=0,sleep=off):
# the guest's clock advances one ns per instruction, so "ns per call" is the
# number of guest instructions per call: deterministic, and comparable between
# kernels (not with hardware latency: an IRET counts as one instruction).
#
# Env: TAILOR (default build/tailor), KML_FIXTURES (default build/fixtures/kml),
# KML_GUEST_BIN (default build/tests/kml/guest), KML_BENCH_CPU (QEMU -cpu, EPYC).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
export TAILOR=${TAILOR:-$root/build/tailor}
export KML_FIXTURES=${KML_FIXTURES:-$root/build/fixtures/kml}
guest_bin=${KML_GUEST_BIN:-$root/build/tests/kml/guest}
iterations=${KML_BENCH_ITERATIONS:-10000000}
runs=${KML_BENCH_RUNS:-5}
cpu=${KML_BENCH_CPU:-EPYC}
icount=()
unit="ns/call"
if [[ ${KML_BENCH_ICOUNT:-0} == 1 ]]; then
  icount=(--icount)
  unit="insns/call"
fi
append="console=ttyS0 pti=off mitigations=off panic=-1"

for f in "$guest_bin/init" "$guest_bin/kml-nullsys"; do
  [[ -x $f ]] || { echo "kml-null-syscall: $f missing: build first (cmake --build build)" >&2; exit 1; }
done
if [[ ! -f $KML_FIXTURES/kml/bzImage || ! -f $KML_FIXTURES/base/bzImage ]]; then
  echo "== building the KML and baseline kernels (tailor cache)" >&2
  "$root/tests/kml/build_kernels.sh" >&2
fi

timeout=$(( 120 + iterations * runs * 4 / 1000000 * 3 ))
out=$(mktemp -d /tmp/kml-bench.XXXXXX)
trap 'rm -rf "$out"' EXIT
boot() { # boot NAME KERNEL RUN-LINES...
  local name=$1 kernel=$2; shift 2
  local args=()
  for r in "$@"; do args+=(--run "$r"); done
  "$root/tests/kml/kml_guest.py" --kernel "$KML_FIXTURES/$kernel/bzImage" --init "$guest_bin/init" \
    --file "/bin/kml-nullsys=$guest_bin/kml-nullsys" --file "/trusted/kml-nullsys=$guest_bin/kml-nullsys" \
    --cpu "$cpu" --append "$append" --timeout "$timeout" "${icount[@]}" "${args[@]}" > "$out/$name.log" ||
    { cat "$out/$name.log" >&2; echo "kml-null-syscall: the $name boot failed" >&2; exit 1; }
}
echo "== booting the baseline kernel" >&2
boot base base "/bin/kml-nullsys raw $iterations $runs"
echo "== booting the KML kernel" >&2
boot kml kml "/bin/kml-nullsys raw $iterations $runs" "/trusted/kml-nullsys raw $iterations $runs" \
  "/trusted/kml-nullsys call $iterations $runs" "/trusted/kml-nullsys sled $iterations $runs"

median_of() { # LOG INDEX -> the NULLSYS line of that run
  awk -v n="$2" '/--- run /{cur=$3+0} /NULLSYS/{if (cur==n) print}' "$1" | sed -n 's/.*median_ns=\([0-9.]*\).*/\1/p'
}
cpl_of() { awk -v n="$2" '/--- run /{cur=$3+0} /NULLSYS/{if (cur==n) print}' "$1" | sed -n 's/.*cpl=\([0-9]\).*/\1/p'; }

names=(normal-kernel kml-untrusted kml-trusted-raw kml-trusted-call kml-trusted-sled)
logs=("$out/base.log" "$out/kml.log" "$out/kml.log" "$out/kml.log" "$out/kml.log")
index=(0 0 1 2 3)
what=("baseline kernel, /bin, SYSCALL" "KML kernel, /bin, SYSCALL" "KML kernel, /trusted, SYSCALL" "KML kernel, /trusted, CALL *AT_SYSINFO"
      "KML kernel, /trusted, CALL *%rax (sled)")
base_ns=$(median_of "${logs[0]}" 0)
[[ -n $base_ns ]] || { cat "${logs[0]}" >&2; echo "kml-null-syscall: no result from the baseline" >&2; exit 1; }

model=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')
echo "KML null-syscall benchmark: getppid() x $iterations, median of $runs runs, $unit"
echo "machine: $model, $(nproc) host CPUs; backend: QEMU $(qemu-system-x86_64 --version | head -1 | awk '{print $4}') TCG${icount:+ -icount shift=0,sleep=off}, -cpu $cpu, 1 vCPU"
echo "note: TCG emulates every instruction; these ratios say little about hardware (Lupine's goal on KVM: >= 40% lower latency)"
echo "kernel command line (all variants): $append"
printf '%-18s %-40s %4s %12s %10s %9s\n' variant what cpl "$unit" ratio change
for i in 0 1 2 3 4; do
  ns=$(median_of "${logs[$i]}" "${index[$i]}")
  cpl=$(cpl_of "${logs[$i]}" "${index[$i]}")
  [[ -n $ns ]] || { cat "${logs[$i]}" >&2; echo "kml-null-syscall: no result for ${names[$i]}" >&2; exit 1; }
  ratio=$(awk -v a="$ns" -v b="$base_ns" 'BEGIN {printf "%.3fx", a / b}')
  change=$(awk -v a="$ns" -v b="$base_ns" 'BEGIN {printf "%+.1f%%", (a - b) * 100 / b}')
  printf '%-18s %-40s %4s %12s %10s %9s\n' "${names[$i]}" "${what[$i]}" "$cpl" "$ns" "$ratio" "$change"
done
