#!/usr/bin/env bash
# The KML end-to-end tests, one per name; each boots the fixture kernels under
# QEMU TCG through tests/kml/kml_guest.py, which fails on a wrong status, a
# missing expected line, or any WARN/BUG/oops/double fault in the kernel log.
#
#   e2e.sh cpl|refusal|trust|stress_1cpu|stress_2cpu|stress_debug_entry|stress_nested_kvm|bench_smoke
#   e2e.sh app_sqlite3|app_redis|app_musl_static
#
# The app_* tests are real applications through tailor's image builder with
# [kernel] kml = true (`tailor run --check`), on the KML fixture kernel's
# .config, so that they share its build.
#
# Env: KML_FIXTURES (kernels and KML-musl programs), KML_GUEST_BIN (guest
# programs built by CMake), TAILOR (the tailor binary).
set -euo pipefail
: "${KML_FIXTURES:?}" "${KML_GUEST_BIN:?}" "${TAILOR:?}"
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
guest=("$here/kml_guest.py" --init "$KML_GUEST_BIN/init")
kernel() { echo "$KML_FIXTURES/$1/bzImage"; }
musl=$KML_FIXTURES/musl

cpl_files=(--file "/trusted/kml-cpl=$KML_GUEST_BIN/kml-cpl" --file "/bin/kml-cpl=$KML_GUEST_BIN/kml-cpl"
           --file "/trusted/kml-cpl-glibc=$KML_GUEST_BIN/kml-cpl-glibc")
stress_files=("${cpl_files[@]}"
  --file "/trusted/kml-stress=$KML_GUEST_BIN/kml-stress" --file "/bin/kml-stress=$KML_GUEST_BIN/kml-stress"
  --file "/trusted/kml-stress-glibc=$KML_GUEST_BIN/kml-stress-glibc"
  --file "/trusted/kml-stress-glibc-rw=$KML_GUEST_BIN/kml-stress-glibc-rw"
  --file "/trusted/kml-stress-kmlmusl=$musl/kml-stress" --file "/trusted/kml-stress-kmlmusl-dyn=$musl/kml-stress-dyn"
  --file "/lib/ld-musl-x86_64.so.1=$musl/ld-musl-x86_64.so.1")
# Run n: the stress suite at CPL 0 (musl, glibc, KML musl static and dynamic,
# glibc with its syscall sites rewritten to go through the sled) and at CPL 3.
stress_runs=(--run /trusted/kml-stress --expect '0=stress: CPL 0, KML call entry yes'
             --run /bin/kml-stress --expect '1=stress: CPL 3, KML call entry no'
             --run /trusted/kml-stress-glibc --expect '2=stress: CPL 0'
             --run /trusted/kml-stress-kmlmusl --expect '3=stress: CPL 0, KML call entry yes'
             --run /trusted/kml-stress-kmlmusl-dyn --expect '4=stress: CPL 0, KML call entry yes'
             --run /trusted/kml-stress-glibc-rw --expect '5=stress: CPL 0' --expect '5=stress: sled yes'
             --expect '5=ok sled_restart' --expect '1=skip sled_basic')
enabled_log='KML: executables under /trusted/ run at CPL 0'

case ${1:-} in
cpl)
  echo "== KML kernel: CPL 0 under /trusted, 3 elsewhere"
  "${guest[@]}" --kernel "$(kernel kml)" "${cpl_files[@]}" \
    --run /trusted/kml-cpl --expect '0=^CPL 0 cs=0x10 sysinfo=yes' \
    --run /bin/kml-cpl --expect '1=^CPL 3 cs=0x33 sysinfo=no' \
    --run /trusted/kml-cpl-glibc --expect '2=^CPL 0 cs=0x10 sysinfo=yes' \
    --expect-log "$enabled_log"
  echo "== baseline kernel: /trusted means nothing"
  "${guest[@]}" --kernel "$(kernel base)" "${cpl_files[@]}" \
    --run /trusted/kml-cpl --expect '0=^CPL 3 cs=0x33 sysinfo=no'
  ;;
refusal)
  echo "== pti=on: KML refuses, trusted programs run at CPL 3"
  "${guest[@]}" --kernel "$(kernel kml)" "${cpl_files[@]}" --append "console=ttyS0 pti=on panic=-1" \
    --run /trusted/kml-cpl --expect '0=^CPL 3 cs=0x33 sysinfo=no' \
    --expect-log 'KML: disabled, /trusted/ programs will run at CPL 3: page table isolation is active \(boot with pti=off\)' \
    --expect-log 'KML: /trusted/kml-cpl runs at CPL 3: KML is disabled'
  echo "== kml=off"
  "${guest[@]}" --kernel "$(kernel kml)" "${cpl_files[@]}" --append "console=ttyS0 pti=off kml=off panic=-1" \
    --run /trusted/kml-cpl --expect '0=^CPL 3 cs=0x33 sysinfo=no' \
    --expect-log 'KML: disabled, /trusted/ programs will run at CPL 3: kml=off on the command line'
  echo "== kml=off: a rewritten trusted program gets the CPL 3 sled (syscall; ret) and still works"
  "${guest[@]}" --kernel "$(kernel kml)" "${cpl_files[@]}" --file "/trusted/kml-stress-glibc-rw=$KML_GUEST_BIN/kml-stress-glibc-rw" \
    --append "console=ttyS0 pti=off kml=off panic=-1" \
    --run "/trusted/kml-stress-glibc-rw sled_basic sled_restart fork_wait sigalrm sigsegv pthreads" \
    --expect '0=stress: CPL 3' --expect '0=stress: sled yes' --expect '0=ok sled_basic' --expect '0=ok sled_restart' \
    --expect '0=ok pthreads'
  echo "== -cpu max: SMEP and SMAP present, KML leaves them off"
  "${guest[@]}" --kernel "$(kernel kml)" "${cpl_files[@]}" --cpu max \
    --run /trusted/kml-cpl --expect '0=^CPL 0 cs=0x10 sysinfo=yes' \
    --run /bin/kml-cpl --expect '1=^CPL 3' \
    --expect-log 'KML: left disabled for trusted processes: SMEP SMAP' --expect-log "$enabled_log"
  ;;
trust)
  # kml-patches 0007: what an untrusted root process must not do to or with
  # a trusted program (tests/kml/guest/trust.c; each check fails on 0001-0006).
  "${guest[@]}" --kernel "$(kernel kml)" --file "/bin/kml-trust=$KML_GUEST_BIN/kml-trust" \
    --file "/trusted/kml-trust=$KML_GUEST_BIN/kml-trust" --run /bin/kml-trust \
    --expect '0=ok plain' --expect '0=ok ptrace_and_memory' --expect '0=ok traceme' --expect '0=ok chroot' \
    --expect '0=ok mount_namespace' --expect '0=ok detached_mount' --expect '0=trust: 0 failed' \
    --expect-log 'KML: /trusted/kml-trust runs at CPL 3: it is being traced'
  ;;
stress_1cpu)
  "${guest[@]}" --kernel "$(kernel kml)" "${stress_files[@]}" "${stress_runs[@]}" --cpus 1 --expect-log "$enabled_log"
  ;;
stress_nested_kvm)
  # The KML kernel as a real KVM guest: tailor-vmm inside the runner's
  # KVM-in-TCG harness (L1 Linux with kvm-amd under QEMU), 1 and 2 vCPUs.
  : "${NESTED_KVM:?}" "${TAILOR_VMM:?}"
  for cpus in 1 2; do
    echo "== nested KVM, $cpus vCPU(s)"
    migration=()
    ((cpus > 1)) && migration=(--expect '0=ok migration')
    "${guest[@]}" --nested-kvm "$NESTED_KVM" --vmm "$TAILOR_VMM" --kernel "$(kernel kml)" "${stress_files[@]}" \
      "${stress_runs[@]}" --cpus "$cpus" --timeout 300 --expect-log "$enabled_log" "${migration[@]}"
  done
  ;;
stress_2cpu)
  # -cpu max: FSGSBASE, SMEP, SMAP, PCID and friends present.
  "${guest[@]}" --kernel "$(kernel kml)" "${stress_files[@]}" "${stress_runs[@]}" --cpus 2 --cpu max \
    --expect-log "$enabled_log" --expect '0=ok migration'
  ;;
stress_debug_entry)
  "${guest[@]}" --kernel "$(kernel kml-debug)" "${stress_files[@]}" "${stress_runs[@]}" --cpus 2 \
    --expect-log "$enabled_log" --expect '0=ok migration'
  ;;
bench_smoke)
  KML_BENCH_ITERATIONS=20000 KML_BENCH_RUNS=3 "$root/bench/kml-null-syscall.sh" | tee "$KML_FIXTURES/bench_smoke.txt"
  for v in normal-kernel kml-untrusted kml-trusted-raw kml-trusted-call kml-trusted-sled; do
    grep -q "^$v " "$KML_FIXTURES/bench_smoke.txt" || { echo "FAIL: no $v line"; exit 1; }
  done
  ;;
app_sqlite3)
  "$TAILOR" run --check --kernel-config "$KML_FIXTURES/kml/.config" "$here/apps/sqlite3-kml.toml"
  ;;
app_redis)
  # The manifest plus the glibc stress suite (dynamic), which redis-kml.sh runs
  # on the rewritten libc; the lock file must show rewritten sites.
  work=$KML_FIXTURES/app-redis
  rm -rf "$work" && mkdir -p "$work"
  cp "$here/apps/redis-kml.toml" "$here/apps/redis-kml.sh" "$work/"
  cp "$KML_GUEST_BIN/kml-stress-glibc-dyn" "$work/kml-stress-dyn"
  sed -i 's|^files = { "/app/redis-kml.sh" = "redis-kml.sh" }|files = { "/app/redis-kml.sh" = "redis-kml.sh", "/app/kml-stress-dyn" = "kml-stress-dyn" }|' \
    "$work/redis-kml.toml"
  grep -q kml-stress-dyn "$work/redis-kml.toml" || { echo "FAIL: could not add the stress program to the manifest"; exit 1; }
  "$TAILOR" run --check --kernel-config "$KML_FIXTURES/kml/.config" -o "$work/out" "$work/redis-kml.toml"
  python3 - "$work/out/image.lock.json" <<'PY'
import json, sys
kml = json.load(open(sys.argv[1]))["kml"]
redis = [p for p in kml["programs"] if p["program"] == "/usr/bin/redis-server"]
assert redis, "no redis-server among the trusted programs"
libc = [f for f in redis[0]["files"] if f["path"].endswith("/libc.so.6")]
assert libc and libc[0]["rewritten"] > 0 and libc[0]["trusted_path"], f"libc not rewritten: {libc}"
assert libc[0]["rewritten_sha256"] != libc[0]["sha256"]
print(f"PASS: lock file: redis-server's closure has {redis[0]['rewritten']} rewritten syscall sites, {redis[0]['left']} left")
PY
  ;;
app_musl_static)
  # A static program linked against the KML-aware musl, as the app of a kml = true
  # manifest: the image builder runs it from /trusted (CPL 0, call entry).
  work=$KML_FIXTURES/app-musl-static
  mkdir -p "$work"
  cat > "$work/musl-static-kml.toml" <<EOF
# Generated by tests/kml/e2e.sh app_musl_static.
name = "musl-static-kml"

[app]
argv = ["/app/kml-stress"]
mounts = ["devtmpfs", "proc"]

[[payload]]
files = { "/app/kml-stress" = "$musl/kml-stress", "/trusted/kml-cpl" = "$musl/kml-cpl", "/bin/kml-cpl" = "$KML_GUEST_BIN/kml-cpl" }

[kernel]
kml = true

[run]
memory_mib = 128
timeout_s = 300

[check]
stdout = ["stress: CPL 0, KML call entry yes", "ok stub_restart", "ok exec", " 0 failed"]
exit_code = 0
EOF
  "$TAILOR" run --check --kernel-config "$KML_FIXTURES/kml/.config" "$work/musl-static-kml.toml"
  ;;
*)
  echo "usage: e2e.sh cpl|refusal|trust|stress_1cpu|stress_2cpu|stress_debug_entry|bench_smoke|app_sqlite3|app_redis|app_musl_static" >&2
  exit 2
  ;;
esac
