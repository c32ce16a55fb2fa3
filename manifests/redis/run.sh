#!/bin/busybox sh
# Run by manifests/redis.toml inside the guest: starts redis-server on the
# loopback interface, then talks to it with redis-cli (PING, SET, GET, INCRBY)
# over TCP, and shuts it down.
set -e
redis-server --bind 127.0.0.1 --port 6379 --save '' --appendonly no --daemonize yes --logfile /tmp/redis.log

# Wait (up to ~20 s) until the server answers.
tries=0
until redis-cli -h 127.0.0.1 -p 6379 PING >/dev/null 2>&1; do
  tries=$((tries + 1))
  if [ "$tries" -gt 200 ]; then
    echo "redis-server did not come up; its log:"
    busybox cat /tmp/redis.log
    exit 1
  fi
  busybox usleep 100000
done

cli() { redis-cli --raw -h 127.0.0.1 -p 6379 "$@"; }
echo "PING -> $(cli PING)"
echo "SET -> $(cli SET tailor kernel-plus-app)"
echo "GET -> $(cli GET tailor)"
echo "INCRBY -> $(cli INCRBY counter 42)"
echo "server -> $(cli INFO server | busybox grep -E '^redis_version:' | busybox tr -d '\r')"
cli SHUTDOWN NOSAVE >/dev/null 2>&1 || true
echo "redis done"
