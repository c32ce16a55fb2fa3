#!/usr/bin/env bash
# The quick start's main job: build the default manifest's image (busybox
# greeting; kernel config derived by the analyzer) and boot it, streaming the
# guest's console and checking the manifest's [check]. Extra arguments go to
# `tailor run` (e.g. --backend qemu, --timings).
set -euo pipefail
cd "$(dirname "$0")/.."
exec build/tailor run manifests/hello.toml --check --timings "$@"
