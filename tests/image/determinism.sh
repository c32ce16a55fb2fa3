#!/usr/bin/env bash
# The same manifest built twice gives byte-identical initramfs and
# image.lock.json; the lock names every member of the initramfs with the
# right digest, and the archive carries fixed metadata (checked with cpio(1)
# and zstd(1), not with our own code).
#
#   determinism.sh TAILOR_BINARY WORK_DIR
set -euo pipefail
tailor=${1:?usage: determinism.sh TAILOR_BINARY WORK_DIR}
work=${2:?usage: determinism.sh TAILOR_BINARY WORK_DIR}
root=$(cd "$(dirname "$0")/../.." && pwd)
manifest="$root/manifests/redis.toml"
rm -rf "$work" && mkdir -p "$work"

"$tailor" build "$manifest" -o "$work/a"
"$tailor" build "$manifest" -o "$work/b"
ir=$(cd "$work/a" && ls initramfs.cpio*)
cmp "$work/a/$ir" "$work/b/$ir" || { echo "FAIL: $ir differs between two builds"; exit 1; }
cmp "$work/a/image.lock.json" "$work/b/image.lock.json" || { echo "FAIL: image.lock.json differs"; exit 1; }
echo "identical: $ir ($(sha256sum < "$work/a/$ir" | cut -c1-16)...) and image.lock.json"

# Unpack with the system tools and compare with the lock.
mkdir -p "$work/x"
case "$ir" in
  *.zst) zstd -dc "$work/a/$ir" ;;
  *.gz) gzip -dc "$work/a/$ir" ;;
  *.lz4) lz4 -dc "$work/a/$ir" ;;
  *) cat "$work/a/$ir" ;;
esac > "$work/initramfs.cpio"
(cd "$work/x" && cpio --quiet -idm --no-absolute-filenames < "$work/initramfs.cpio" 2>/dev/null || true)
cpio --quiet -itv < "$work/initramfs.cpio" > "$work/listing"
/usr/bin/python3 - "$work/a/image.lock.json" "$work/x" "$work/listing" <<'PY'
import hashlib, json, os, sys
lock = json.load(open(sys.argv[1]))
root = sys.argv[2]
listing = open(sys.argv[3]).read().splitlines()
files = {f["path"]: f for f in lock["files"]}
problems = []
for path, f in files.items():
    local = os.path.join(root, path.lstrip("/"))
    if f["type"] == "file":
        if not os.path.isfile(local):
            problems.append(f"{path}: in the lock, not in the archive")
        elif hashlib.sha256(open(local, "rb").read()).hexdigest() != f["sha256"]:
            problems.append(f"{path}: digest differs from the lock")
    if not f.get("source") or not f.get("reason"):
        problems.append(f"{path}: no source or reason in the lock")
if len(listing) != len(files):
    problems.append(f"archive has {len(listing)} members, lock lists {len(files)}")
names = [line.split()[-1] if " -> " not in line else line.split(" -> ")[0].split()[-1] for line in listing]
if names != sorted(names):
    problems.append("archive members are not in sorted order")
for line in listing:
    cols = line.split()
    if cols[2] != "root" or cols[3] != "root":
        problems.append(f"not owned by root: {line}"); break
    if "1970" not in line:
        problems.append(f"mtime is not the epoch: {line}"); break
if problems:
    print("FAIL:\n  " + "\n  ".join(problems[:20])); sys.exit(1)
print(f"lock matches the archive: {len(files)} members, sorted, root-owned, mtime 0")
PY
echo "PASS"
