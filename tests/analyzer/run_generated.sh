#!/usr/bin/env bash
# Boots MANIFEST with the kernel config the analyzer derives for it (tailor's
# default config source) and passes when the app's [check] passes. Also checks
# that the generated config is what the image used and that no option was
# added by hand (the manifest's [kernel] extra is empty for shipped apps).
#
#   run_generated.sh TAILOR_BINARY MANIFEST WORK_DIR
set -euo pipefail
tailor=${1:?usage: run_generated.sh TAILOR_BINARY MANIFEST WORK_DIR}
manifest=${2:?usage: run_generated.sh TAILOR_BINARY MANIFEST WORK_DIR}
work=${3:?usage: run_generated.sh TAILOR_BINARY MANIFEST WORK_DIR}
if [[ ${TAILOR_E2E_FULL_ONLY:-0} == 1 && ${TAILOR_E2E_FULL:-0} != 1 ]]; then
  echo "SKIP: one more kernel build; runs with TAILOR_E2E_FULL=1"
  exit 77
fi
if grep -q '^extra' "$manifest"; then echo "FAIL: $manifest adds kernel options by hand ([kernel] extra)"; exit 1; fi
start=$(date +%s)
set +e
nice -n 5 "$tailor" run "$manifest" -o "$work" --check --timings
rc=$?
set -e
echo "tailor run exited $rc after $(( $(date +%s) - start )) s"
[[ $rc -eq 0 ]] || { echo "FAIL: $manifest did not pass its check with the generated config"; exit 1; }
grep -q '"config_source": *"analyzer' "$work/image.lock.json" ||
  { echo "FAIL: image.lock.json does not say the kernel config came from the analyzer"; exit 1; }
echo "options on: $(grep -c '=[ym]$' "$work/kernel.config")"
echo "PASS"
