#!/usr/bin/env bash
# Only the devices the app needs (issue 14): the same app analysed without and
# with [net] and [[volume]]. Without them the configuration is what the app's
# own needs give (no virtio, no block layer); with them it gains exactly the
# virtio-mmio devices, the network device and ext4, and the report names each
# with the manifest table that asked for it.
#
#   services.sh TAILOR_BINARY WORK_DIR
set -euo pipefail
tailor=${1:?usage: services.sh TAILOR_BINARY WORK_DIR}
work=${2:?usage: services.sh TAILOR_BINARY WORK_DIR}
root=$(cd "$(dirname "$0")/../.." && pwd)
rm -rf "$work" && mkdir -p "$work"
plain="$work/plain.toml" service="$work/service.toml"
sed -n '/^\[check\]/q;p' "$root/manifests/hello.toml" > "$plain"
cp "$plain" "$service"
printf '\n[net]\nports = ["8080:80"]\n\n[[volume]]\npath = "/data"\nimage = "data.img"\n' >> "$service"
# The manifests name files next to hello.toml.
sed -i "s|= \"hello/|= \"$root/manifests/hello/|g" "$plain" "$service"
"$tailor" analyze "$plain" -o "$work/plain" > /dev/null
"$tailor" analyze "$service" -o "$work/service" > /dev/null
fail=0
for opt in VIRTIO_MMIO VIRTIO_NET VIRTIO_BLK EXT4_FS; do
  grep -q "^CONFIG_$opt=y" "$work/plain/kernel.config" && { echo "FAIL: CONFIG_$opt is on without [net]/[[volume]]"; fail=1; }
  grep -q "^CONFIG_$opt=y" "$work/service/kernel.config" || { echo "FAIL: CONFIG_$opt is not on with them"; fail=1; }
done
for want in "VIRTIO_NET <- \[net\] ports 8080:80" "VIRTIO_BLK <- \[\[volume\]\] /data" "EXT4_FS <- \[\[volume\]\] /data"; do
  line=$(grep -E "^  $want" "$work/service/report.txt" || true)
  if [[ -z $line ]]; then echo "FAIL: report.txt lacks '$want'"; fail=1; else echo "ok: $line"; fi
done
# What changed: only options the two rules ask for and what they depend on.
added=$(comm -13 <(grep '=y$' "$work/plain/kernel.config" | sort) <(grep '=y$' "$work/service/kernel.config" | sort) | tr '\n' ' ')
removed=$(comm -23 <(grep '=y$' "$work/plain/kernel.config" | sort) <(grep '=y$' "$work/service/kernel.config" | sort) | tr '\n' ' ')
echo "added: $added"
[[ -z $removed ]] || { echo "FAIL: adding [net]/[[volume]] removed options: $removed"; fail=1; }
if [[ $fail -ne 0 ]]; then exit 1; fi
echo "PASS"
