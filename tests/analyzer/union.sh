#!/usr/bin/env bash
# One kernel for many apps (issue 19): `tailor analyze --union` of the shipped
# manifests. Always: the union config meets every app's requirements, every
# option an app's own kernel chose is in it with that app's reason, the
# result does not depend on the order of the manifests, and each app's cost
# is reported. With --boot (one more kernel build) every app boots on that
# one kernel and passes its [check], and all images share the kernel's cache
# key.
#
#   union.sh TAILOR_BINARY WORK_DIR [--boot] MANIFEST...
set -euo pipefail
tailor=${1:?usage: union.sh TAILOR_BINARY WORK_DIR [--boot] MANIFEST...}
work=${2:?usage: union.sh TAILOR_BINARY WORK_DIR [--boot] MANIFEST...}
shift 2
boot=0
if [[ ${1:-} == --boot ]]; then boot=1; shift; fi
(( $# >= 2 )) || { echo "usage: union.sh TAILOR_BINARY WORK_DIR [--boot] MANIFEST..."; exit 2; }
rm -rf "$work"
mkdir -p "$work"
"$tailor" analyze --union "$@" -o "$work/union" > "$work/union.out"
for f in kernel.config report.json report.txt; do
  [[ -s $work/union/$f ]] || { echo "FAIL: $f not written"; exit 1; }
done
grep -q "Unmet requirements: none" "$work/union/report.txt" || { echo "FAIL: unmet requirements"; exit 1; }

if [[ $boot == 0 ]]; then
  fail=0
  for m in "$@"; do
    name=$(basename "$m" .toml)
    # Every option the app's own kernel chose (required or a dependency) is on in the union, with the app's reason.
    /usr/bin/python3 - "$work/union/apps/$name/report.json" "$work/union/report.json" "$name" <<'PY' || fail=1
import json, sys
own, uni, name = json.load(open(sys.argv[1])), json.load(open(sys.argv[2])), sys.argv[3]
options = {o["name"]: o for o in uni["options"]}
chosen = [o for o in own["options"] if o["kind"] != "kconfig"]
bad = [o["name"] for o in chosen if name not in options.get(o["name"], {}).get("apps", {})]
if bad:
    print(f"FAIL: {name}: options its own kernel chose that the union lacks or does not attribute to it: {bad}")
    sys.exit(1)
cost = [c for c in uni["costs"] if c["app"] == name]
if not cost or cost[0]["own_options_on"] != sum(1 for o in own["options"] if o["value"] != "n"):
    print(f"FAIL: {name}: the union report's cost does not match its own kernel"); sys.exit(1)
print(f"ok: {name}: {len(chosen)} chosen options all in the union; own {cost[0]['own_options_on']}, "
      f"union {cost[0]['union_options_on']} options on")
PY
  done
  # The order of the manifests does not matter (apps are sorted by name):
  # the two smallest apps, both ways round.
  "$tailor" analyze --union "$1" "$2" -o "$work/ab" > /dev/null
  "$tailor" analyze --union "$2" "$1" -o "$work/ba" > /dev/null
  cmp "$work/ab/kernel.config" "$work/ba/kernel.config" ||
    { echo "FAIL: the union depends on the order of the manifests"; fail=1; }
  [[ $fail == 0 ]] || exit 1
  sed -n '/What the union costs/,/^$/p' "$work/union/report.txt"
  echo "PASS"
  exit 0
fi

keys=()
for m in "$@"; do
  name=$(basename "$m" .toml)
  start=$(date +%s)
  set +e
  nice -n 5 "$tailor" run "$m" --kernel-config "$work/union/kernel.config" -o "$work/img-$name" --check
  rc=$?
  set -e
  echo "$name: tailor run exited $rc after $(( $(date +%s) - start )) s"
  [[ $rc -eq 0 ]] || { echo "FAIL: $name did not pass its check on the union kernel"; exit 1; }
  keys+=("$(/usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["kernel"]["cache_key"])' \
            "$work/img-$name/image.lock.json")")
done
distinct=$(printf '%s\n' "${keys[@]}" | sort -u | wc -l)
[[ $distinct == 1 ]] || { echo "FAIL: the apps booted $distinct different kernels: ${keys[*]}"; exit 1; }
echo "ok: $# apps passed their checks on one kernel (${keys[0]})"
echo "PASS"
