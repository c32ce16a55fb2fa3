#!/usr/bin/env bash
# Runs the whole test suite: installs what is missing (./setup.sh), builds,
# then every unit and end-to-end test through CTest; then the sanitizer pass:
# build-sanitize (clang, ASan + UBSan, libFuzzer) builds the unit tests and
# the fuzz targets and runs them (ctest -L "unit|fuzz": the unit tests, every
# fuzz regression input, a few seconds of fuzzing per target).
#
# Extra arguments go to ctest (e.g. ./test.sh -L unit, ./test.sh -R kernel)
# and then select from the main build only; TAILOR_SANITIZER_PASS=1 adds the
# sanitizer pass with the same arguments (./test.sh -R elf runs the main
# build's elf tests, TAILOR_SANITIZER_PASS=1 ./test.sh -R elf also the
# sanitizer build's). TAILOR_SANITIZER_PASS=0 skips it in a full run.
set -euo pipefail
cd "$(dirname "$0")"
./setup.sh

sanitizer_pass=${TAILOR_SANITIZER_PASS:-$(($# == 0 ? 1 : 0))}
status=0
(cd build && ctest --output-on-failure --timeout 1800 "$@") || status=$?

if [[ $sanitizer_pass == 1 ]]; then
  echo "test.sh: sanitizer pass (build-sanitize: ASan + UBSan unit tests, fuzz targets)"
  launcher=()
  command -v ccache >/dev/null && launcher=(-DCMAKE_C_COMPILER_LAUNCHER=ccache -DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
  # -O0: about half the compile time of -O1; the tests then take longer,
  # so they run two at a time. -O0's bigger frames need more than the
  # default 8 MiB stack for the Kconfig parser's nesting limits: ulimit -s.
  cmake -S . -B build-sanitize -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_C_COMPILER=clang \
    -DCMAKE_CXX_COMPILER=clang++ -DTAILOR_SANITIZE=ON -DTAILOR_SANITIZE_OPT=-O0 "${launcher[@]}" >/dev/null
  cmake --build build-sanitize --target tailor_sanitizer_tests
  (
    ulimit -s 65536 2>/dev/null || true
    cd build-sanitize && ctest -j2 --output-on-failure --timeout 600 -L "unit|fuzz" "$@"
  ) || status=$?
fi
exit $status
