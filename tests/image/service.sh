#!/usr/bin/env bash
# A manifest as a service (issue 14), driven from the host: `tailor run` in the
# background, a request through the forwarded port, then SIGINT, which must
# stop the guest cleanly with the app's status and a passing [check].
#
#   service.sh TAILOR MANIFEST WORK_DIR KIND [KIND...]
#
# The manifest is copied (with its directory's files) into WORK_DIR and its
# forwarded host ports are replaced by free ones, so that the test never
# depends on 8080 or 6380 being free. KIND says what to ask and how many
# boots: http (GET / must hold <title>), redis (SET in the first boot, GET of
# the same key after a restart: the volume keeps it), memcached (set, get).
set -euo pipefail
tailor=${1:?usage: service.sh TAILOR MANIFEST WORK_DIR KIND}
source "$(dirname "$0")/fixed_config.sh"
manifest=${2:?}
work=${3:?}
kind=${4:?}
rm -rf "$work" && mkdir -p "$work"
cp -r "$(dirname "$manifest")"/. "$work/src" 2>/dev/null || true
rm -f "$work"/src/*.img
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
# Every forward's host port becomes $port (the shipped manifests have one).
python3 - "$manifest" "$work/src/$(basename "$manifest")" "$port" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
def repl(m):
    parts = m.group(1).split(":")
    proto = ""
    if "/" in parts[-1]: parts[-1], proto = parts[-1].split("/"); proto = "/" + proto
    return '"127.0.0.1:%s:%s%s"' % (sys.argv[3], parts[-1], proto)
text = re.sub(r'ports = \[("[^"]+")\]', lambda m: 'ports = [' + repl(re.match(r'"([^"]+)"', m.group(1))) + ']', text)
open(sys.argv[2], "w").write(text)
PY
copy="$work/src/$(basename "$manifest")"
grep -q "127.0.0.1:$port:" "$copy" || { echo "FAIL: could not rewrite the port in $copy"; exit 1; }

request() {  # what the guest's service answers, or nothing yet
  python3 - "$kind" "$port" "$1" <<'PY'
import socket, sys, urllib.request
kind, port, step = sys.argv[1], int(sys.argv[2]), sys.argv[3]
try:
    if kind == "http":
        print(urllib.request.urlopen("http://127.0.0.1:%d/" % port, timeout=5).read().decode())
    elif kind == "redis":
        s = socket.create_connection(("127.0.0.1", port), timeout=5)
        cmd = ["SET", "tailor-key", "kept-across-boots"] if step == "1" else ["GET", "tailor-key"]
        s.sendall(("*%d\r\n" % len(cmd) + "".join("$%d\r\n%s\r\n" % (len(c), c) for c in cmd)).encode())
        print(s.recv(4096).decode().strip())
    elif kind == "memcached":
        s = socket.create_connection(("127.0.0.1", port), timeout=5)
        s.sendall(b"set tailor 0 0 5\r\nhello\r\nget tailor\r\n")
        data = b""
        while b"END" not in data:
            chunk = s.recv(4096)
            if not chunk: break
            data += chunk
        print(data.decode().replace("\r\n", " "))
except Exception:
    pass
PY
}

boot() {  # STEP EXPECTED: one boot, one request, one SIGINT
  local step=$1 expected=$2 log="$work/run-$1.log"
  "$tailor" run $FIXED "$copy" -o "$work/out" --check > "$log" 2>&1 &
  local pid=$! answer=""
  for _ in $(seq 1 600); do
    kill -0 $pid 2>/dev/null || { echo "FAIL: tailor run ended before answering:"; cat "$log"; exit 1; }
    answer=$(request "$step")
    [[ -n $answer ]] && break
    sleep 0.5
  done
  echo "boot $step answered: ${answer:0:200}"
  if [[ $answer != *"$expected"* ]]; then
    kill -KILL $pid 2>/dev/null || true; wait $pid 2>/dev/null || true
    echo "FAIL: expected '$expected'"; cat "$log"; exit 1
  fi
  grep -q "127.0.0.1:$port -> guest :" "$log" || { echo "FAIL: tailor run did not say where the service is"; cat "$log"; exit 1; }
  kill -INT $pid
  local rc=0
  timeout 120 tail --pid=$pid -f /dev/null || { echo "FAIL: the guest did not stop within 120 s of SIGINT"; kill -KILL $pid; exit 1; }
  wait $pid || rc=$?
  echo "tailor run exited $rc after SIGINT"
  [[ $rc -eq 0 ]] || { echo "FAIL: expected a passing [check] after a clean stop"; cat "$log"; exit 1; }
}

case $kind in
  http) boot 1 "<title>" ;;
  memcached) boot 1 "VALUE tailor 0 5 hello END" ;;
  redis)
    boot 1 "+OK"
    ls -la "$work/src/"*.img
    boot 2 "kept-across-boots"
    ;;
  *) echo "service.sh: unknown kind $kind"; exit 2 ;;
esac
echo "PASS"
