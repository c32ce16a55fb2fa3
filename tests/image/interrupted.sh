#!/usr/bin/env bash
# Interrupted runs leave nothing behind (issue 13, point 9):
# - `tailor run` stopped by SIGINT or SIGTERM while the guest runs stops QEMU,
#   removes its socket directory /tmp/.tailor-qemu-PID.* and exits 128 + N;
# - killed with SIGKILL (no chance to clean up), the directory stays until
#   `tailor kernel cache gc` or the next QEMU run removes it (its pid is gone:
#   both are checked);
# - an image unpack killed half-way leaves .oci-*.tmp-* / .outer-*.tmp-* in the
#   cache, which gc and the next unpack remove.
#
#   interrupted.sh TAILOR_BINARY WORK_DIR
set -euo pipefail
tailor=${1:?usage: interrupted.sh TAILOR_BINARY WORK_DIR}
source "$(dirname "$0")/fixed_config.sh"
work=${2:?usage: interrupted.sh TAILOR_BINARY WORK_DIR}
rm -rf "$work" && mkdir -p "$work" && cd "$work"
tmp=$(dirname "$(mktemp -u)")

cat > sleeper.toml <<'TOML'
name = "sleeper"
[app]
argv = ["/bin/busybox", "sh", "-c", "echo guest-is-up; busybox sleep 600"]
mounts = []
loopback = false
[[payload]]
deb = ["busybox-static"]
[run]
memory_mib = 96
timeout_s = 900
TOML
# The same, with an app that ignores SIGTERM (ignored signals stay ignored in
# its children) and gives itself 2 s to stop.
sed -e 's/^name = "sleeper"/name = "stubborn"/' -e "s/\"echo guest-is-up/\"trap '' TERM; echo guest-is-up/" \
    -e 's/^timeout_s = 900/timeout_s = 900\nstop_timeout_s = 2/' sleeper.toml > stubborn.toml
"$tailor" build $FIXED sleeper.toml -o out > /dev/null 2>&1 || "$tailor" build $FIXED sleeper.toml -o out

# Starts `tailor run` in the background, waits for the guest's first line and
# for QEMU's socket directory; sets PID. MANIFEST: sleeper.toml by default.
start_run() {  # [MANIFEST]
  "$tailor" run $FIXED "${1:-sleeper.toml}" -o out > run.out 2> run.err &
  PID=$!
  for _ in $(seq 600); do
    grep -q guest-is-up run.out 2> /dev/null && compgen -G "$tmp/.tailor-qemu-$PID.*" > /dev/null && return 0
    kill -0 "$PID" 2> /dev/null || { echo "FAIL: tailor run ended early: $(cat run.err)"; exit 1; }
    sleep 0.2
  done
  echo "FAIL: the guest did not come up in 120 s"; kill -KILL "$PID"; exit 1
}
qemu_of() { pgrep -f -- "$tmp/.tailor-qemu-$1\." || true; }

# A first SIGINT or SIGTERM asks the guest to stop: /init sends SIGTERM to the
# app, and tailor exits with the app's status (the shell killed by SIGTERM: 143).
for sig in INT TERM; do
  start_run
  kill "-$sig" "$PID"
  set +e; wait "$PID"; rc=$?; set -e
  [[ $rc -eq 143 ]] || { echo "FAIL: SIG$sig: exit $rc, expected the app's 143 ($(cat run.err))"; exit 1; }
  grep -q "stop requested: SIGTERM to /bin/busybox" run.out || { echo "FAIL: SIG$sig: /init saw no stop request: $(cat run.out)"; exit 1; }
  compgen -G "$tmp/.tailor-qemu-$PID.*" > /dev/null && { echo "FAIL: SIG$sig left $tmp/.tailor-qemu-$PID.*"; exit 1; }
  [[ -z "$(qemu_of "$PID")" ]] || { echo "FAIL: SIG$sig left QEMU running"; exit 1; }
  echo "ok: SIG$sig stops the app through /init, QEMU ends, the socket directory goes, exit $rc"
done

# An app that ignores SIGTERM gets SIGKILL after its stop_timeout_s (137).
start_run stubborn.toml
kill -INT "$PID"
set +e; wait "$PID"; rc=$?; set -e
[[ $rc -eq 137 ]] || { echo "FAIL: stubborn app: exit $rc, expected 137 ($(cat run.err))"; exit 1; }
grep -q "did not stop within 2 s: SIGKILL" run.out || { echo "FAIL: no SIGKILL message: $(cat run.out)"; exit 1; }
echo "ok: an app that ignores SIGTERM is killed after stop_timeout_s (exit $rc)"

# A second signal stops at once: 128+N, as an interrupted run always did.
for sig in INT TERM; do
  start_run stubborn.toml
  kill "-$sig" "$PID"
  sleep 0.5
  kill "-$sig" "$PID"
  set +e; wait "$PID"; rc=$?; set -e
  want=$(( 128 + $(kill -l "$sig") ))
  [[ $rc -eq $want ]] || { echo "FAIL: second SIG$sig: exit $rc, expected $want ($(cat run.err))"; exit 1; }
  grep -q "interrupted by SIG$sig" run.err || { echo "FAIL: second SIG$sig: no message: $(cat run.err)"; exit 1; }
  compgen -G "$tmp/.tailor-qemu-$PID.*" > /dev/null && { echo "FAIL: SIG$sig left $tmp/.tailor-qemu-$PID.*"; exit 1; }
  [[ -z "$(qemu_of "$PID")" ]] || { echo "FAIL: SIG$sig left QEMU running"; exit 1; }
  echo "ok: a second SIG$sig stops QEMU at once, removes the socket directory, exits $rc"
done

start_run
kill -KILL "$PID"
wait "$PID" 2> /dev/null || true
for _ in $(seq 50); do [[ -z "$(qemu_of "$PID")" ]] && break; sleep 0.1; done  # QEMU dies with its parent
left=$(compgen -G "$tmp/.tailor-qemu-$PID.*")
[[ -n "$left" ]] || { echo "FAIL: expected a leftover after SIGKILL"; exit 1; }
"$tailor" --cache "$work/empty-cache" kernel cache gc | tee gc.out
grep -qF "removed $left" gc.out || { echo "FAIL: gc did not remove $left"; exit 1; }
[[ ! -e $left ]] || { echo "FAIL: $left is still there"; exit 1; }
echo "ok: SIGKILL's leftover is removed by gc"

# ... and the next QEMU run removes one too.
start_run
kill -KILL "$PID"
wait "$PID" 2> /dev/null || true
for _ in $(seq 50); do [[ -z "$(qemu_of "$PID")" ]] && break; sleep 0.1; done
left=$(compgen -G "$tmp/.tailor-qemu-$PID.*")
start_run
[[ ! -e $left ]] || { echo "FAIL: the next run left $left"; exit 1; }
kill -INT "$PID"
wait "$PID" 2> /dev/null || true
echo "ok: the next run removes a dead run's socket directory"

# An image unpack killed half-way (512 MiB of zeros in a gzip layer of 512
# KiB take a few seconds to unpack).
mkdir -p big/l && truncate -s 512M big/zeros && tar -C big -czf big/l/layer.tar zeros && rm big/zeros
printf '[{"RepoTags":["big:1"],"Layers":["l/layer.tar"]}]' > big/manifest.json
tar -C big -cf big.tar manifest.json l && rm -rf big
printf 'name = "big"\n[app]\nargv = ["/zeros"]\n[[payload]]\noci = "big.tar"\n' > big.toml
cache="$work/cache"
"$tailor" --cache "$cache" image ls big.toml > /dev/null 2>&1 &
PID=$!
for _ in $(seq 300); do compgen -G "$cache/unpacked/.*.tmp-$PID-*" > /dev/null && break; sleep 0.05; done
kill -KILL "$PID"; wait "$PID" 2> /dev/null || true
left=$(compgen -G "$cache/unpacked/.*.tmp-$PID-*" || true)
[[ -n "$left" ]] || { echo "FAIL: the unpack was not caught half-way"; exit 1; }
"$tailor" --cache "$cache" kernel cache gc | tee gc.out
for l in $left; do
  grep -qF "removed $l" gc.out || { echo "FAIL: gc did not remove $l"; exit 1; }
done
compgen -G "$cache/unpacked/.*.tmp-*" > /dev/null && { echo "FAIL: leftovers after gc"; exit 1; }
echo "ok: a killed unpack's leftovers are removed by gc"
echo "PASS"
