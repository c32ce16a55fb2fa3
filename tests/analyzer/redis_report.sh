#!/usr/bin/env bash
# The analyzer's report for redis names the options a network server needs,
# each with a reason chain that ends at a program of the image.
#
#   redis_report.sh TAILOR_BINARY WORK_DIR
set -euo pipefail
tailor=${1:?usage: redis_report.sh TAILOR_BINARY WORK_DIR}
work=${2:?usage: redis_report.sh TAILOR_BINARY WORK_DIR}
root=$(cd "$(dirname "$0")/../.." && pwd)
rm -rf "$work"
"$tailor" analyze "$root/manifests/redis.toml" -o "$work"
for f in kernel.config report.json report.txt; do
  [[ -s $work/$f ]] || { echo "FAIL: $f not written"; exit 1; }
done
fail=0
for opt in FUTEX EPOLL NET INET UNIX; do
  grep -q "^CONFIG_$opt=y" "$work/kernel.config" || { echo "FAIL: CONFIG_$opt is not on"; fail=1; }
  line=$(grep -E "^  $opt <- " "$work/report.txt" || true)
  if [[ -z $line ]]; then echo "FAIL: report.txt gives no reason for $opt"; fail=1; else echo "ok: $line"; fi
done
grep -q "Unmet requirements: none" "$work/report.txt" || { echo "FAIL: unmet requirements"; fail=1; }
# The JSON carries the same reasons.
/usr/bin/python3 - "$work/report.json" <<'PY' || fail=1
import json, sys
r = json.load(open(sys.argv[1]))
text = json.dumps(r)
missing = [o for o in ("FUTEX", "EPOLL", "NET", "INET", "UNIX") if f'"{o}"' not in text]
if missing:
    print("FAIL: report.json lacks", missing); sys.exit(1)
print("ok: report.json names them")
PY
exit $fail
