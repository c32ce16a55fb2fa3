#!/usr/bin/env bash
# The quick start's main job: build the default small kernel and boot it.
# (Later stages replace this with `tailor run manifests/hello.toml`.)
set -euo pipefail
cd "$(dirname "$0")/.."
exec tests/kernel/boot_small_kernel.sh build/tailor
