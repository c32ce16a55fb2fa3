#!/usr/bin/env bash
# tools/deps.py on this tree (no cycle but known ones) and on two small
# trees: one whose folders include each other and one whose libraries link
# each other, which it must refuse.
#
#   deps_test.sh REPO_ROOT
set -euo pipefail
root=${1:?REPO_ROOT}
deps=$root/tools/deps.py
python3 "$deps" "$root" --quiet
echo "ok: $root has no dependency cycle but the known ones"

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
mkdir -p "$scratch/includes/alpha" "$scratch/includes/beta"
echo '#include "beta/b.h"' > "$scratch/includes/alpha/a.h"
echo '#include "alpha/a.h"' > "$scratch/includes/beta/b.h"
if out=$(python3 "$deps" "$scratch/includes" --quiet); then
  echo "FAIL: folders that include each other passed: $out"; exit 1
fi
grep -q 'CYCLE: folder:alpha <-> folder:beta' <<<"$out" || { echo "FAIL: no cycle named: $out"; exit 1; }
echo "ok: a folder cycle fails"

mkdir -p "$scratch/links/one" "$scratch/links/two"
printf 'add_library(one_lib STATIC a.cpp)\ntarget_link_libraries(one_lib PUBLIC two_lib)\n' > "$scratch/links/one/CMakeLists.txt"
printf 'add_library(two_lib STATIC b.cpp)\ntarget_link_libraries(two_lib PRIVATE one_lib)\n' > "$scratch/links/two/CMakeLists.txt"
if out=$(python3 "$deps" "$scratch/links" --quiet); then
  echo "FAIL: libraries that link each other passed: $out"; exit 1
fi
grep -q 'CYCLE: library:one_lib <-> library:two_lib' <<<"$out" || { echo "FAIL: no library cycle named: $out"; exit 1; }
echo "ok: a library cycle fails"

mkdir -p "$scratch/layers/common" "$scratch/layers/cli"
echo '#include "cli/wiring.h"' > "$scratch/layers/common/fs.h"
echo '// nothing' > "$scratch/layers/cli/wiring.h"
if out=$(python3 "$deps" "$scratch/layers" --quiet); then
  echo "FAIL: common including cli passed: $out"; exit 1
fi
grep -q 'LAYER: common -> cli' <<<"$out" || { echo "FAIL: no layer violation named: $out"; exit 1; }
echo "ok: an edge up the layers fails"
