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
# A second table prices SMEP and SMAP for untrusted processes (kml-patches
# 0010): a context switch there and back (a byte through a pipe to a partner
# process and back, N/100 times), between a trusted and an untrusted process
# (KML turns SMEP and SMAP off and on: two CR4 writes per round trip),
# between two trusted ones and two untrusted ones (none), and the first again
# with clearcpuid=smep,smap (SMEP and SMAP off everywhere, as before 0010).
#
#   bench/kml-null-syscall.sh            N=10^7 calls, 5 runs
#   KML_BENCH_ITERATIONS=100000 KML_BENCH_RUNS=3 bench/kml-null-syscall.sh
#   KML_BENCH_ICOUNT=1 bench/kml-null-syscall.sh   guest instructions per call
#   KML_BENCH_NESTED=1 ...                          the same boots under tailor-vmm on KVM,
#                                                   in the nested KVM harness (tests/runner/nested)
#
# With KML_BENCH_ICOUNT=1 QEMU counts instructions (-icount shift=0,sleep=off):
# the guest's clock advances one ns per instruction, so "ns per call" is the
# number of guest instructions per call: deterministic, and comparable between
# kernels (not with hardware latency: an IRET counts as one instruction).
#
# With KML_BENCH_NESTED=1 each boot runs under tailor-vmm on the KVM of an L1
# Linux that QEMU TCG runs: the KML kernel as a KVM guest. With
# KML_BENCH_ICOUNT=1 too, QEMU counts L1's instructions, so the guest's clock
# counts what L0 executes for it: its own instructions plus L1's for its VM
# exits (a null system call makes none).
#
# Env: TAILOR (default build/tailor), KML_FIXTURES (default build/fixtures/kml),
# KML_GUEST_BIN (default build/tests/kml/guest), KML_BENCH_CPU (QEMU -cpu, EPYC),
# NESTED_KVM and TAILOR_VMM (with KML_BENCH_NESTED=1; default build/tests/nested-kvm
# and build/tailor-vmm).
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
backend=(--cpu "$cpu")
where="QEMU $(qemu-system-x86_64 --version | head -1 | awk '{print $4}') TCG${icount:+ -icount shift=0,sleep=off}, -cpu $cpu"
if [[ ${KML_BENCH_NESTED:-0} == 1 ]]; then
  backend=(--nested-kvm "${NESTED_KVM:-$root/build/tests/nested-kvm}" --vmm "${TAILOR_VMM:-$root/build/tailor-vmm}")
  where="tailor-vmm on KVM in the nested harness (L1 under $where)"
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
boot() { # boot NAME KERNEL EXTRA-APPEND RUN-LINES...
  local name=$1 kernel=$2 extra=$3; shift 3
  local args=()
  for r in "$@"; do args+=(--run "$r"); done
  "$root/tests/kml/kml_guest.py" --kernel "$KML_FIXTURES/$kernel/bzImage" --init "$guest_bin/init" \
    --file "/bin/kml-nullsys=$guest_bin/kml-nullsys" --file "/trusted/kml-nullsys=$guest_bin/kml-nullsys" \
    "${backend[@]}" --append "$append$extra" --timeout "$timeout" "${icount[@]}" "${args[@]}" > "$out/$name.log" ||
    { cat "$out/$name.log" >&2; echo "kml-null-syscall: the $name boot failed" >&2; exit 1; }
}
switches=$(( iterations / 100 > 0 ? iterations / 100 : 1 ))
switch() { echo "$1/kml-nullsys switch $switches $runs $2/kml-nullsys"; }
echo "== booting the baseline kernel" >&2
boot base base "" "/bin/kml-nullsys raw $iterations $runs" "$(switch /bin /bin)"
echo "== booting the KML kernel" >&2
boot kml kml "" "/bin/kml-nullsys raw $iterations $runs" "/trusted/kml-nullsys raw $iterations $runs" \
  "/trusted/kml-nullsys call $iterations $runs" "/trusted/kml-nullsys sled $iterations $runs" \
  "$(switch /trusted /bin)" "$(switch /trusted /trusted)" "$(switch /bin /bin)"
echo "== booting the KML kernel with clearcpuid=smep,smap" >&2
boot kml-nosmap kml " clearcpuid=smep,smap" "$(switch /trusted /bin)"

median_of() { # LOG INDEX -> the NULLSYS line of that run
  awk -v n="$2" '/--- run /{cur=$3+0} /NULLSYS/{if (cur==n) print}' "$1" | sed -n 's/.*median_ns=\([0-9.]*\).*/\1/p'
}
compare() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.3fx %+.1f%%\n", a / b, (a - b) * 100 / b}'; }
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
echo "machine: $model, $(nproc) host CPUs; backend: $where, 1 vCPU"
echo "note: TCG emulates every instruction; these ratios say little about hardware (Lupine's goal on KVM: >= 40% lower latency)"
echo "kernel command line (all variants): $append"
printf '%-18s %-40s %4s %12s %10s %9s\n' variant what cpl "$unit" ratio change
for i in 0 1 2 3 4; do
  ns=$(median_of "${logs[$i]}" "${index[$i]}")
  cpl=$(cpl_of "${logs[$i]}" "${index[$i]}")
  [[ -n $ns ]] || { cat "${logs[$i]}" >&2; echo "kml-null-syscall: no result for ${names[$i]}" >&2; exit 1; }
  read -r ratio change <<< "$(compare "$ns" "$base_ns")"
  printf '%-18s %-40s %4s %12s %10s %9s\n' "${names[$i]}" "${what[$i]}" "$cpl" "$ns" "$ratio" "$change"
done

echo
echo "SMEP and SMAP for untrusted processes (kml-patches 0010): a context switch there and back, x $switches,"
echo "median of $runs runs, ${unit%/call}/round trip (normal-kernel = 1.000x)"
printf '%-26s %-48s %8s %14s %10s %9s\n' variant what "CR4 w." "${unit%/call}/trip" ratio change
names=(normal-kernel kml-trusted-untrusted kml-trusted-trusted kml-untrusted-pair kml-trusted-untrusted-off)
logs=("$out/base.log" "$out/kml.log" "$out/kml.log" "$out/kml.log" "$out/kml-nosmap.log")
index=(1 4 5 6 0)
writes=(0 2 0 0 0)
what=("baseline kernel, /bin <-> /bin" "KML kernel, /trusted <-> /bin" "KML kernel, /trusted <-> /trusted"
      "KML kernel, /bin <-> /bin" "KML, clearcpuid=smep,smap, /trusted <-> /bin")
base_ns=$(median_of "${logs[0]}" 1)
[[ -n $base_ns ]] || { cat "${logs[0]}" >&2; echo "kml-null-syscall: no switch result from the baseline" >&2; exit 1; }
for i in 0 1 2 3 4; do
  ns=$(median_of "${logs[$i]}" "${index[$i]}")
  [[ -n $ns ]] || { cat "${logs[$i]}" >&2; echo "kml-null-syscall: no result for ${names[$i]}" >&2; exit 1; }
  read -r ratio change <<< "$(compare "$ns" "$base_ns")"
  printf '%-26s %-48s %8s %14s %10s %9s\n' "${names[$i]}" "${what[$i]}" "${writes[$i]}" "$ns" "$ratio" "$change"
done
