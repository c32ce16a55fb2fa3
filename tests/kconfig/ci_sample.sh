#!/usr/bin/env bash
# CI's sample of the conformance sweep (tests/kconfig/sweep.py --sample ci):
# a fixed handful of cases on Debian's 6.1 and 6.12 trees, tailor against the
# kernel's own conf, byte for byte. Oracle outputs are cached in the tailor
# cache (kconfig-oracle/), so only the first run pays for conf.
#
#   ci_sample.sh TAILOR_BINARY
set -euo pipefail
tailor=$1
here=$(dirname "$0")
src61=$("$tailor" kernel source --version 6.1)
src612=$("$tailor" kernel source --version 6.12)
exec python3 "$here/sweep.py" --tailor "$tailor" --sample ci --tree "6.1=$src61" --tree "6.12=$src612"
