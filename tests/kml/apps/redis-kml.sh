#!/bin/busybox sh
# Run by tests/kml/apps/redis-kml.toml inside the guest (by a shell that itself
# runs at CPL 0 from /trusted): starts the rewritten redis-server the image
# builder put under /trusted through the rewritten loader (as /init starts a
# trusted app; image.lock.json's kml.programs has the command line), on the
# loopback interface, shows which processes are trusted, talks to it with
# redis-cli, and runs the KML stress suite on the same rewritten libc.
set -e
bb=/bin/busybox
[ -x /trusted/bin/busybox ] && bb=/trusted/bin/busybox

# "yes" when an auxiliary vector (words as od prints them) has AT_SYSINFO (type 32).
auxv_has_sysinfo() {
  $bb tr -s ' ' '\n' | $bb grep -v '^$' |
    $bb awk 'NR % 2 == 1 && $1 == 32 { found = 1 } END { print found ? "yes" : "no" }'
}
has_sysinfo() { $bb od -A n -t u8 -v "/proc/$1/auxv" | auxv_has_sysinfo; }

echo "shell AT_SYSINFO -> $(has_sysinfo $$)"
# The rewritten copies: the loader finds the libraries' copies first.
trusted_ld() {
  /trusted/lib64/ld-linux-x86-64.so.2 --library-path /trusted/lib/x86_64-linux-gnu:/trusted/usr/lib/x86_64-linux-gnu "$@"
}
trusted_ld --argv0 redis-server /trusted/usr/bin/redis-server --bind 127.0.0.1 --port 6379 --save '' --appendonly no --daemonize yes \
  --pidfile /tmp/redis.pid --logfile /tmp/redis.log

tries=0
until redis-cli -h 127.0.0.1 -p 6379 PING >/dev/null 2>&1; do
  tries=$((tries + 1))
  if [ "$tries" -gt 300 ]; then
    echo "redis-server did not come up; its log:"
    $bb cat /tmp/redis.log
    exit 1
  fi
  $bb usleep 100000
done
pid=$($bb cat /tmp/redis.pid)
echo "redis-server AT_SYSINFO -> $(has_sysinfo "$pid")"
if $bb grep -q '\[kml_sled\]' "/proc/$pid/maps"; then echo "redis-server sled -> yes"; else echo "redis-server sled -> no"; fi
echo "redis-server libc -> $($bb awk '$6 ~ /libc[.]so/ { print $6; exit }' "/proc/$pid/maps")"

# A program outside /trusted (here /bin/busybox reading its own vector) does not.
echo "untrusted AT_SYSINFO -> $(/bin/busybox od -A n -t u8 -v /proc/self/auxv | auxv_has_sysinfo)"

cli() { redis-cli --raw -h 127.0.0.1 -p 6379 "$@"; }
echo "PING -> $(cli PING)"
echo "SET -> $(cli SET tailor kernel-plus-app)"
echo "GET -> $(cli GET tailor)"
echo "INCRBY -> $(cli INCRBY counter 42)"
echo "server -> $(cli INFO server | $bb grep -E '^redis_version:' | $bb tr -d '\r')"
cli SHUTDOWN NOSAVE >/dev/null 2>&1 || true

# The KML stress suite on the rewritten libc (not "exec" and "migration":
# they need programs and CPUs this image does not have).
if [ -x /app/kml-stress-dyn ]; then
  trusted_ld /app/kml-stress-dyn stack_growth red_zone sigalrm sigsegv stack_overflow fork_wait pthreads \
    bad_sigreturn stub_basic stub_restart stub_clone sled_basic sled_restart || echo "stress exit status $?"
fi
echo "redis done"
