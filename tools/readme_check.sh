#!/usr/bin/env bash
# Every top-level folder and every library folder has a README.md (issue 18):
# a few lines that say what the folder is and, for a library, its front
# header and what it may depend on.
#
#   readme_check.sh REPO_ROOT
#
# Checked folders:
#   - each top-level folder, except hidden ones, build*, out and shared:
#     it has a README.md;
#   - each folder (at any depth, outside hidden folders, build, build-*, out
#     and shared) whose CMakeLists.txt has an add_library(...) outside a
#     comment: it has a README.md with a line that starts "Front header" and
#     one that starts "May depend on" (the layers are tools/deps.py's LAYERS).
# Exits 1 naming each folder that fails, 0 otherwise. First checks itself on
# scratch trees (as tools/deps_test.sh does): a library folder without a
# README, and one whose README lacks the two lines, must fail.
set -euo pipefail
root=${1:?REPO_ROOT}

# check ROOT: prints one line per failing folder (relative to ROOT); returns 1
# when there is any.
check() {
  local top=$1 failed=0 dir rel name
  for dir in "$top"/*/; do
    dir=${dir%/}
    name=${dir##*/}
    case $name in .* | build* | out | shared) continue ;; esac
    [[ -d $dir ]] || continue
    if [[ ! -f $dir/README.md ]]; then
      echo "MISSING: $name/README.md (every top-level folder has one)"
      failed=1
    fi
  done
  while IFS= read -r -d '' cmake; do
    grep -Eq '^[^#]*\badd_library[[:space:]]*\(' "$cmake" || continue
    dir=$(dirname "$cmake")
    rel=${dir#"$top"/}
    [[ $dir == "$top" ]] && continue  # the top-level CMakeLists.txt: the project, not a library folder
    if [[ ! -f $dir/README.md ]]; then
      # A top-level folder was named above already.
      [[ $rel == */* ]] && echo "MISSING: $rel/README.md (its CMakeLists.txt adds a library)"
      failed=1
      continue
    fi
    if ! grep -q '^Front header' "$dir/README.md"; then
      echo "INCOMPLETE: $rel/README.md has no line starting \"Front header\""
      failed=1
    fi
    if ! grep -q '^May depend on' "$dir/README.md"; then
      echo "INCOMPLETE: $rel/README.md has no line starting \"May depend on\""
      failed=1
    fi
  done < <(find "$top" -mindepth 1 \
             \( -type d \( -name '.*' -o -name build -o -name 'build-*' -o -name out -o -name shared \) -prune \) \
             -o \( -type f -name CMakeLists.txt -print0 \) | sort -z)
  return $failed
}

# Self-test on scratch trees.
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
good() {  # a README a library folder passes with
  printf '# %s\n\nFront header: x.h.\nMay depend on: nothing.\n' "$1" > "$2/README.md"
}
mkdir -p "$scratch/t/alpha/lib" "$scratch/t/docs" "$scratch/t/build-x" "$scratch/t/out" "$scratch/t/.hidden"
printf 'add_subdirectory(lib)\n' > "$scratch/t/alpha/CMakeLists.txt"
printf '# one library\nadd_library(alpha_lib STATIC a.cpp)\n' > "$scratch/t/alpha/lib/CMakeLists.txt"
printf '# add_library(not_one STATIC a.cpp) is only a comment\n' > "$scratch/t/docs/CMakeLists.txt"
printf 'add_library(skipped STATIC a.cpp)\n' > "$scratch/t/build-x/CMakeLists.txt"
printf 'add_library(skipped STATIC a.cpp)\n' > "$scratch/t/out/CMakeLists.txt"
printf 'add_library(skipped STATIC a.cpp)\n' > "$scratch/t/.hidden/CMakeLists.txt"
echo '# alpha' > "$scratch/t/alpha/README.md"
echo '# docs' > "$scratch/t/docs/README.md"

if out=$(check "$scratch/t"); then
  echo "FAIL: a library folder without README.md passed: $out"; exit 1
fi
grep -q 'MISSING: alpha/lib/README.md' <<<"$out" || { echo "FAIL: the library folder not named: $out"; exit 1; }
if grep -Eq 'build-x|out|hidden|docs' <<<"$out"; then
  echo "FAIL: a skipped folder or a commented add_library was checked: $out"; exit 1
fi
echo "ok (self-test): a library folder without README.md fails"

printf '# lib\n\nThe front header is x.h; it may depend on nothing.\n' > "$scratch/t/alpha/lib/README.md"
if out=$(check "$scratch/t"); then
  echo "FAIL: a library README without the two lines passed: $out"; exit 1
fi
for phrase in "Front header" "May depend on"; do
  grep -q "INCOMPLETE: alpha/lib/README.md has no line starting \"$phrase\"" <<<"$out" ||
    { echo "FAIL: the missing \"$phrase\" line not named: $out"; exit 1; }
done
echo "ok (self-test): a library README without \"Front header\" and \"May depend on\" lines fails"

good lib "$scratch/t/alpha/lib"
rm "$scratch/t/docs/README.md"
if out=$(check "$scratch/t"); then
  echo "FAIL: a top-level folder without README.md passed: $out"; exit 1
fi
grep -q 'MISSING: docs/README.md' <<<"$out" || { echo "FAIL: the top-level folder not named: $out"; exit 1; }
echo "ok (self-test): a top-level folder without README.md fails"

echo '# docs' > "$scratch/t/docs/README.md"
out=$(check "$scratch/t") || { echo "FAIL: a complete tree failed: $out"; exit 1; }
echo "ok (self-test): a complete tree passes"

# The real tree.
if ! out=$(check "$root"); then
  printf '%s\n' "$out"
  echo "FAIL: $root: folders above lack a README.md or its \"Front header\"/\"May depend on\" lines"
  exit 1
fi
echo "ok: $root: every top-level and library folder has a README.md, libraries with their front header and dependencies"
