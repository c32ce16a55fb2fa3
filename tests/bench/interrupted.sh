#!/usr/bin/env bash
# A study that fails midway keeps its samples and resumes: starts `tailor bench
# smp`, waits for the first samples to reach results.json, kills the guest's
# QEMU (a monitor dying mid-run), and expects a clear error, a non-zero exit
# and the samples kept; a rerun of the same command then completes without
# taking those samples again.   Env: TAILOR, BENCH_WORK
set -euo pipefail
: "${TAILOR:?}" "${BENCH_WORK:?}"
dir=$BENCH_WORK/interrupted
rm -rf "$dir"
mkdir -p "$dir"
args=(bench smp --quick --fixed-config --workers 1,2 --make-jobs 1 --repeats 2 --seconds 0.5 -o "$dir")

"$TAILOR" "${args[@]}" > "$dir/first.log" 2>&1 &
pid=$!
samples() {
  /usr/bin/python3 -c 'import json,sys
try: r = json.load(open(sys.argv[1]))
except Exception: print(0); raise SystemExit
print(sum(len(m["samples"]) for m in r["measurements"]))' "$dir/results.json"
}
for _ in $(seq 1 600); do
  [[ $(samples) -ge 2 ]] && break
  kill -0 $pid 2>/dev/null || break
  sleep 0.5
done
taken=$(samples)
[[ $taken -ge 2 ]] || { cat "$dir/first.log"; echo "FAIL: no samples arrived"; exit 1; }
# The monitor: QEMU, a child of this tailor process.
qemu=$(pgrep -P $pid -f qemu-system || true)
[[ -n $qemu ]] || { cat "$dir/first.log"; echo "FAIL: no QEMU child of tailor ($pid) to stop"; exit 1; }
kill -KILL $qemu
rc=0
wait $pid || rc=$?
cat "$dir/first.log"
[[ $rc -ne 0 ]] || { echo "FAIL: tailor exited 0 although its guest was killed"; exit 1; }
grep -q "samples taken so far are kept in $dir/results.json" "$dir/first.log" ||
  { echo "FAIL: the error does not say where the samples are"; exit 1; }
kept=$(samples)
[[ $kept -ge $taken ]] || { echo "FAIL: samples lost ($taken taken, $kept kept)"; exit 1; }
cp "$dir/results.json" "$dir/first.json"
echo "PASS: killed mid-run: exit $rc, $kept samples kept"

"$TAILOR" "${args[@]}" > "$dir/second.log" 2>&1 || { cat "$dir/second.log"; echo "FAIL: the resumed run failed"; exit 1; }
/usr/bin/python3 - "$dir" <<'PY'
import json, sys
d = sys.argv[1]
first = {m["id"]: m for m in json.load(open(d + "/first.json"))["measurements"]}
second = {m["id"]: m for m in json.load(open(d + "/results.json"))["measurements"]}
for id, m in second.items():
    assert len(m["samples"]) == m["target_samples"], f"{id} incomplete after the rerun"
    old = first.get(id, {"samples": []})["samples"]
    assert m["samples"][:len(old)] == old, f"{id}: samples of the first run were replaced"
failed = [m for m in second.values() if m["errors"]]
assert failed, "the killed step's error should stay on record"
print(f"PASS: resumed: {sum(len(m['samples']) for m in second.values())} samples, "
      f"{sum(len(first[i]['samples']) for i in first)} of them from the first run")
PY
