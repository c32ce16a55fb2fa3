#!/bin/busybox sh
# Run inside the guest by bench/kml-apps.sh (the app of its manifests): each
# workload in each variant this image has, one after the other, and the CPU
# time of the program under test. Under QEMU's instruction counting (tailor
# run --deterministic) CPU time is guest instructions: 1 ns each.
#   guest.sh REQUESTS ITERATIONS
#   redis:  redis-benchmark (SET and GET, REQUESTS each, one connection, at
#           CPL 3) against redis-server; redis-server's CPU time
#   python: os.getppid() ITERATIONS times in a python3 loop; the loop's CPU time
# Prints per workload and variant:
#   KMLAPP app=redis|python variant=V cpl=0|3 ops=N ns=T
set -e
bb=/bin/busybox
[ -x /trusted/bin/busybox ] && bb=/trusted/bin/busybox
requests=${1:-2000}
iterations=${2:-20000}
cli() { redis-cli --raw -h 127.0.0.1 -p 6379 "$@"; }
# redis-server's user + system CPU time in ns (INFO cpu: seconds, 6 decimals).
server_ns() {
  cli INFO cpu | $bb tr -d '\r' |
    $bb awk -F: '$1 == "used_cpu_sys" || $1 == "used_cpu_user" { t += $2 } END { printf "%.0f\n", t * 1e9 }'
}
# The image builder's start command for a trusted dynamic program: the
# rewritten loader, looking in the rewritten copies' directories first.
trusted_ld() {
  /trusted/lib64/ld-linux-x86-64.so.2 --library-path /trusted/lib/x86_64-linux-gnu:/trusted/usr/lib/x86_64-linux-gnu "$@"
}
# CPL of a running process: its CS selector's low bits are not visible from
# outside, so ask where KML put it: trusted processes have AT_SYSINFO.
cpl_of() {
  $bb od -A n -t u8 -v "/proc/$1/auxv" | $bb tr -s ' ' '\n' | $bb grep -v '^$' |
    $bb awk 'NR % 2 == 1 && $1 == 32 { found = 1 } END { print found ? 0 : 3 }'
}
redis_variant() { # NAME COMMAND...
  name=$1; shift
  "$@" --bind 127.0.0.1 --port 6379 --save '' --appendonly no --daemonize yes --pidfile /tmp/redis.pid \
    --logfile /tmp/redis.log
  tries=0
  until cli PING >/dev/null 2>&1; do
    tries=$((tries + 1))
    [ "$tries" -gt 600 ] && { $bb cat /tmp/redis.log; exit 1; }
    $bb usleep 50000
  done
  pid=$($bb cat /tmp/redis.pid)
  # Warm up (page faults, allocations), then measure.
  redis-benchmark -h 127.0.0.1 -p 6379 -q -c 1 -n 200 -t set,get >/dev/null
  before=$(server_ns)
  redis-benchmark -h 127.0.0.1 -p 6379 -q -c 1 -n "$requests" -t set,get >/dev/null
  after=$(server_ns)
  echo "KMLAPP app=redis variant=$name cpl=$(cpl_of "$pid") ops=$((2 * requests)) ns=$((after - before))"
  cli SHUTDOWN NOSAVE >/dev/null 2>&1 || true
  while $bb kill -0 "$pid" 2>/dev/null; do $bb usleep 50000; done
}
# The loop's own CPU time (process_time_ns: user + system of the process),
# after a warm-up; the CPL from the interpreter's own auxiliary vector.
python_loop="import os, struct, time
aux = open('/proc/self/auxv', 'rb').read()
cpl = 0 if 32 in struct.unpack('%dQ' % (len(aux) // 8), aux)[0::2] else 3
n = $iterations
for _ in range(200): os.getppid()
t = time.process_time_ns()
for _ in range(n): os.getppid()
t = time.process_time_ns() - t
print('cpl=%d ops=%d ns=%d' % (cpl, n, t))"
python_variant() { # NAME COMMAND...
  name=$1; shift
  # PYTHONHOME: a copy under /trusted would look for its library next to itself.
  echo "KMLAPP app=python variant=$name $(PYTHONHOME=/usr "$@" -c "$python_loop")"
}

redis_variant untrusted /usr/bin/redis-server
python_variant untrusted /usr/bin/python3.11
if [ -d /trusted/usr/bin ]; then
  # The same programs under /trusted, not rewritten: raw SYSCALL at CPL 0.
  $bb mkdir -p /trusted/raw
  $bb cp /usr/bin/redis-server /usr/bin/python3.11 /trusted/raw/
  redis_variant trusted-raw /trusted/raw/redis-server
  python_variant trusted-raw /trusted/raw/python3.11
  # The image builder's rewritten copies (redis-server, python3.11, libc, the loader).
  redis_variant trusted-rewritten trusted_ld --argv0 redis-server /trusted/usr/bin/redis-server
  python_variant trusted-rewritten trusted_ld --argv0 python3.11 /trusted/usr/bin/python3.11
fi
echo "KMLAPP done"
