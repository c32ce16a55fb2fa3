#!/bin/busybox sh
# Run by tests/kml/apps/redis-kml.toml inside the guest (by a shell that itself
# runs at CPL 0 from /trusted): copies redis-server under /trusted so that it
# runs at CPL 0 too, starts it on the loopback interface, shows which
# processes are trusted, and talks to it with redis-cli.
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
$bb mkdir -p /trusted/usr/bin
$bb cp /usr/bin/redis-server /trusted/usr/bin/redis-server
/trusted/usr/bin/redis-server --bind 127.0.0.1 --port 6379 --save '' --appendonly no --daemonize yes \
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
echo "redis-server AT_SYSINFO -> $(has_sysinfo "$($bb cat /tmp/redis.pid)")"

# A program outside /trusted (here /bin/busybox reading its own vector) does not.
echo "untrusted AT_SYSINFO -> $(/bin/busybox od -A n -t u8 -v /proc/self/auxv | auxv_has_sysinfo)"

cli() { redis-cli --raw -h 127.0.0.1 -p 6379 "$@"; }
echo "PING -> $(cli PING)"
echo "SET -> $(cli SET tailor kernel-plus-app)"
echo "GET -> $(cli GET tailor)"
echo "INCRBY -> $(cli INCRBY counter 42)"
echo "server -> $(cli INFO server | $bb grep -E '^redis_version:' | $bb tr -d '\r')"
cli SHUTDOWN NOSAVE >/dev/null 2>&1 || true
echo "redis done"
