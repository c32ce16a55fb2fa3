#!/bin/busybox sh
# Run inside the guest by bench/kml-redis.sh (the app of its manifests): the
# same redis-benchmark against redis-server in each variant this image has,
# one after the other, and redis-server's CPU time for it. Under QEMU's
# instruction counting (tailor run --deterministic) CPU time is guest
# instructions: 1 ns each.
#   guest.sh REQUESTS
# Prints per variant:
#   KMLREDIS variant=V cpl=0|3 requests=N server_ns=T
set -e
bb=/bin/busybox
[ -x /trusted/bin/busybox ] && bb=/trusted/bin/busybox
requests=${1:-2000}
cli() { redis-cli --raw -h 127.0.0.1 -p 6379 "$@"; }
# redis-server's user + system CPU time in ns (INFO cpu: seconds, 6 decimals).
server_ns() {
  cli INFO cpu | $bb tr -d '\r' |
    $bb awk -F: '$1 == "used_cpu_sys" || $1 == "used_cpu_user" { t += $2 } END { printf "%.0f\n", t * 1e9 }'
}
trusted_ld() {
  /trusted/lib64/ld-linux-x86-64.so.2 --library-path /trusted/lib/x86_64-linux-gnu:/trusted/usr/lib/x86_64-linux-gnu "$@"
}
# CPL of a running process: its CS selector's low bits are not visible from
# outside, so ask where KML put it: trusted processes have AT_SYSINFO.
cpl_of() {
  $bb od -A n -t u8 -v "/proc/$1/auxv" | $bb tr -s ' ' '\n' | $bb grep -v '^$' |
    $bb awk 'NR % 2 == 1 && $1 == 32 { found = 1 } END { print found ? 0 : 3 }'
}
run_variant() { # NAME COMMAND...
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
  echo "KMLREDIS variant=$name cpl=$(cpl_of "$pid") requests=$((2 * requests)) server_ns=$((after - before))"
  cli SHUTDOWN NOSAVE >/dev/null 2>&1 || true
  while $bb kill -0 "$pid" 2>/dev/null; do $bb usleep 50000; done
}

run_variant untrusted /usr/bin/redis-server
if [ -d /trusted/usr/bin ]; then
  # The same program under /trusted, not rewritten: raw SYSCALL at CPL 0.
  $bb mkdir -p /trusted/raw
  $bb cp /usr/bin/redis-server /trusted/raw/redis-server
  run_variant trusted-raw /trusted/raw/redis-server
  run_variant trusted-rewritten trusted_ld --argv0 redis-server /trusted/usr/bin/redis-server
fi
echo "KMLREDIS done"
