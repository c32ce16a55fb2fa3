#!/usr/bin/env bash
# CTest fixture: the three kernels of the KML tests, built through tailor's
# content-addressed cache (a second run is a cache hit):
#   kml        small.config + apps.config + kml.config, with kml-patches/series
#   kml-debug  the same + CONFIG_DEBUG_ENTRY
#   base       small.config + apps.config, no series (the baseline kernel: the
#              same kernel as the image tests' fixed-config kernel, one build)
# Env: TAILOR (the tailor binary), KML_FIXTURES (output folder).
set -euo pipefail
: "${TAILOR:?}" "${KML_FIXTURES:?}"
root=$(cd "$(dirname "$0")/../.." && pwd)
source "$root/tests/kernel/test_kernel.sh"
common=(kernel build "${TEST_KERNEL[@]}" --strict)
kml=(--config "$root/kml-patches/kml.config" --patches "$root/kml-patches/series")

mkdir -p "$KML_FIXTURES"
echo "== kml kernel"
"$TAILOR" "${common[@]}" "${kml[@]}" -o "$KML_FIXTURES/kml"
echo "== kml kernel with CONFIG_DEBUG_ENTRY"
"$TAILOR" "${common[@]}" "${kml[@]}" --config "$root/tests/kml/debug-entry.config" -o "$KML_FIXTURES/kml-debug"
echo "== baseline kernel (same config, no KML series)"
"$TAILOR" "${common[@]}" -o "$KML_FIXTURES/base"
for k in kml kml-debug base; do
  [[ -f $KML_FIXTURES/$k/bzImage ]] || { echo "FAIL: $k/bzImage missing"; exit 1; }
done
grep -q '^CONFIG_KERNEL_MODE_LINUX=y' "$KML_FIXTURES/kml/.config" || { echo "FAIL: kml kernel lacks CONFIG_KERNEL_MODE_LINUX"; exit 1; }
grep -q '^CONFIG_DEBUG_ENTRY=y' "$KML_FIXTURES/kml-debug/.config" || { echo "FAIL: kml-debug kernel lacks CONFIG_DEBUG_ENTRY"; exit 1; }
echo "PASS: kernels in $KML_FIXTURES/{kml,kml-debug,base}"
