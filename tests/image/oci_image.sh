#!/usr/bin/env bash
# A container image as payload, end to end: a docker-save archive and an OCI
# image archive (gzip layers, digests) are made here with tar(1), with a second
# layer that whites out a file of the first; each boots and runs its script.
# Then the same image made by umoci (an OCI layout) and copied by skopeo into
# a docker-archive and an oci-archive boots the same way.
#
#   oci_image.sh TAILOR_BINARY WORK_DIR
set -euo pipefail
tailor=${1:?usage: oci_image.sh TAILOR_BINARY WORK_DIR}
source "$(dirname "$0")/fixed_config.sh"
work=${2:?usage: oci_image.sh TAILOR_BINARY WORK_DIR}
rm -rf "$work" && mkdir -p "$work" && cd "$work"
busybox=$(command -v busybox)  # Debian busybox-static: one static binary

# Layer 1: busybox with sh, a file that layer 2 deletes, a file it keeps.
mkdir -p l1/bin l1/etc && cp "$busybox" l1/bin/busybox && ln -s busybox l1/bin/sh && ln -s busybox l1/bin/cat
echo "delete me" > l1/etc/motd && echo "kept from layer 1" > l1/etc/kept
# Layer 2: the whiteout and the app.
mkdir -p l2/etc && : > l2/etc/.wh.motd
printf '#!/bin/sh\ncat /etc/kept\nif [ -e /etc/motd ]; then echo "motd still there"; else echo "motd whited out"; fi\n' > l2/hello.sh
chmod +x l2/hello.sh
tar --sort=name --owner=0 --group=0 -C l1 -cf layer1.tar .
tar --sort=name --owner=0 --group=0 -C l2 -cf layer2.tar .

# docker save layout.
mkdir -p docker/a docker/b && cp layer1.tar docker/a/layer.tar && cp layer2.tar docker/b/layer.tar
echo '{}' > docker/config.json
echo '[{"Config":"config.json","RepoTags":["tailor/hello:1"],"Layers":["a/layer.tar","b/layer.tar"]}]' > docker/manifest.json
tar -C docker -cf docker-save.tar manifest.json config.json a b

# OCI layout with gzip layers and real digests.
mkdir -p oci/blobs/sha256
/usr/bin/python3 - <<'PY'
import gzip, hashlib, json, os
def blob(data):
    d = hashlib.sha256(data).hexdigest()
    open(f"oci/blobs/sha256/{d}", "wb").write(data)
    return {"digest": "sha256:" + d, "size": len(data)}
layers = []
for name in ("layer1.tar", "layer2.tar"):
    gz = gzip.compress(open(name, "rb").read(), mtime=0)
    layers.append(dict(blob(gz), mediaType="application/vnd.oci.image.layer.v1.tar+gzip"))
config = dict(blob(b"{}"), mediaType="application/vnd.oci.image.config.v1+json")
manifest = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                       "config": config, "layers": layers}).encode()
m = dict(blob(manifest), mediaType="application/vnd.oci.image.manifest.v1+json",
         annotations={"org.opencontainers.image.ref.name": "1"})
json.dump({"schemaVersion": 2, "manifests": [m]}, open("oci/index.json", "w"))
open("oci/oci-layout", "w").write('{"imageLayoutVersion":"1.0.0"}')
PY
tar -C oci -cf oci.tar oci-layout index.json blobs

# Boots the image at SOURCE (an archive or a layout), optionally picking
# OCI_REF, and checks what its script printed.
boots() {  # KIND SOURCE [OCI_REF]
  local kind=$1 src=$2 ref=${3:-}
  cat > "$kind.toml" <<TOML
name = "oci-$kind"
[app]
argv = ["/hello.sh"]
mounts = []
[[payload]]
oci = "$src"
${ref:+oci_ref = \"$ref\"}
[run]
memory_mib = 96
timeout_s = 120
[check]
stdout = ["kept from layer 1", "motd whited out"]
TOML
  "$tailor" run $FIXED "$kind.toml" -o "out-$kind" --check
  grep -q '"path": "/etc/motd"' "out-$kind/image.lock.json" && { echo "FAIL: /etc/motd is in the $kind image"; exit 1; }
  echo "ok: $kind"
}
boots docker-save docker-save.tar
boots oci oci.tar

# The same image made by the real tools: umoci builds an OCI layout (layer 2
# deletes /etc/motd, which umoci writes as a whiteout), skopeo copies it into
# a docker-archive (whose layer.tar entries are relative symlinks) and an
# oci-archive. All three boot.
if ! command -v umoci > /dev/null || ! command -v skopeo > /dev/null; then
  echo "SKIP: umoci and skopeo are not installed (setup.sh installs them); the tar-made images above passed"
  echo "PASS"
  exit 0
fi
umoci init --layout umoci-layout && umoci new --image umoci-layout:1
umoci unpack --image umoci-layout:1 bundle
cp -a l1/. bundle/rootfs/ && umoci repack --image umoci-layout:1 bundle && rm -rf bundle
umoci unpack --image umoci-layout:1 bundle
rm bundle/rootfs/etc/motd && cp l2/hello.sh bundle/rootfs/hello.sh && umoci repack --image umoci-layout:1 bundle && rm -rf bundle
skopeo --insecure-policy copy -q oci:umoci-layout:1 docker-archive:skopeo-docker.tar:tailor/hello:1
skopeo --insecure-policy copy -q oci:umoci-layout:1 oci-archive:skopeo-oci.tar:1
tar -tvf skopeo-docker.tar > skopeo-docker.list
grep -q -- '/layer.tar -> \.\./' skopeo-docker.list || { echo "FAIL: skopeo wrote no relative layer links"; exit 1; }
boots umoci-layout umoci-layout 1
boots skopeo-docker skopeo-docker.tar docker.io/tailor/hello:1
boots skopeo-oci skopeo-oci.tar
echo "PASS"
