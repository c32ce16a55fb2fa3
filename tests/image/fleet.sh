#!/usr/bin/env bash
# `tailor build` of several manifests at once (issue 19): every image lands in
# WORK/<name>, identical kernels are shared (the shipped manifests on the
# fixed config: one kernel, the image.app_kernel fixture's, so nothing is
# compiled here), the summary counts them, and two manifests with one name
# are refused before anything is built.
#
#   fleet.sh TAILOR_BINARY WORK_DIR MANIFEST...
set -euo pipefail
tailor=${1:?usage: fleet.sh TAILOR_BINARY WORK_DIR MANIFEST...}
source "$(dirname "$0")/fixed_config.sh"
work=${2:?usage: fleet.sh TAILOR_BINARY WORK_DIR MANIFEST...}
shift 2
rm -rf "$work"
mkdir -p "$work"
"$tailor" build $FIXED "$@" -o "$work/out" 2> "$work/build.err" || { cat "$work/build.err"; echo "FAIL: fleet build"; exit 1; }
cat "$work/build.err"
keys=()
for m in "$@"; do
  name=$(basename "$m" .toml)
  [[ -s $work/out/$name/image.lock.json ]] || { echo "FAIL: no image for $name in $work/out/$name"; exit 1; }
  keys+=("$(/usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["kernel"]["cache_key"])' \
            "$work/out/$name/image.lock.json")")
done
distinct=$(printf '%s\n' "${keys[@]}" | sort -u | wc -l)
[[ $distinct == 1 ]] || { echo "FAIL: $distinct kernels for one fixed config"; exit 1; }
grep -q "^$# image(s), 1 distinct kernel(s), " "$work/build.err" ||
  { echo "FAIL: the summary does not count $# images on 1 kernel"; exit 1; }

# The same manifest twice: refused, naming both, nothing written.
if "$tailor" build $FIXED "$1" "$1" -o "$work/twice" 2> "$work/twice.err"; then
  echo "FAIL: two manifests with one name were accepted"; exit 1
fi
grep -q "both name the app" "$work/twice.err" || { cat "$work/twice.err"; echo "FAIL: unclear refusal"; exit 1; }
[[ ! -e $work/twice ]] || { echo "FAIL: a refused fleet wrote $work/twice"; exit 1; }
echo "PASS"
