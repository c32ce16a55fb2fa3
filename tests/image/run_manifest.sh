#!/usr/bin/env bash
# Boots one manifest with `tailor run --check` (QEMU unless KVM is usable) and
# passes when its [check] does.
#
#   run_manifest.sh TAILOR_BINARY MANIFEST WORK_DIR
set -euo pipefail
tailor=${1:?usage: run_manifest.sh TAILOR_BINARY MANIFEST WORK_DIR}
manifest=${2:?usage: run_manifest.sh TAILOR_BINARY MANIFEST WORK_DIR}
work=${3:?usage: run_manifest.sh TAILOR_BINARY MANIFEST WORK_DIR}
start=$(date +%s)
set +e
"$tailor" run "$manifest" -o "$work" --check --timings
rc=$?
set -e
echo "tailor run exited $rc after $(( $(date +%s) - start )) s"
if [[ $rc -ne 0 ]]; then echo "FAIL: $manifest did not pass its check"; exit 1; fi
echo "PASS"
