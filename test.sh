#!/usr/bin/env bash
# Runs the whole test suite: installs what is missing (./setup.sh), builds,
# then every unit and end-to-end test through CTest. Extra arguments go to
# ctest (e.g. ./test.sh -L unit, ./test.sh -R kernel).
set -euo pipefail
cd "$(dirname "$0")"
./setup.sh
cd build
exec ctest --output-on-failure --timeout 1800 "$@"
