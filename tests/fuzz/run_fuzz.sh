#!/usr/bin/env bash
# Runs one libFuzzer target of a sanitizer build (see tests/fuzz/README.md).
#
#   run_fuzz.sh BUILD_DIR TARGET replay [LIBFUZZER_ARGS...]
#       runs every regression input and seed of TARGET once; fails on a crash.
#   run_fuzz.sh BUILD_DIR TARGET SECONDS [LIBFUZZER_ARGS...]
#       fuzzes TARGET for SECONDS from its seeds; a crash, leak, timeout or
#       out-of-memory input is saved under BUILD_DIR/fuzz/work/TARGET/artifacts/.
#
# Inputs of TARGET: tests/fuzz/regressions/TARGET (committed crash inputs),
# tests/fuzz/corpus/TARGET (committed text seeds) and BUILD_DIR/tests/fuzz/seeds/TARGET
# (seeds make_seeds generated at build time).
set -euo pipefail

if (($# < 3)); then
  sed -n '2,13p' "$0" >&2
  exit 2
fi
build=$(cd "$1" && pwd)
target=$2
mode=$3
shift 3
here=$(cd "$(dirname "$0")" && pwd)
source_dir=$(cd "$here/../.." && pwd)
fuzzer=$build/fuzz/fuzz_$target
[[ -x $fuzzer ]] || { echo "run_fuzz.sh: no fuzzer $fuzzer (build the target fuzz_$target in a -DTAILOR_SANITIZE=ON clang build)" >&2; exit 2; }

# Longest input the fuzzer makes. Big enough for every seed; small enough
# that the bugs issue 13 lists as being fixed (Kconfig nesting depth, path
# depth, unbounded unpacking) are not what a short run keeps hitting.
case $target in
  manifest | kconfig | dotconfig) max_len=4096 ;;
  virtio | uart16550 | i8042 | boot_profile | package_setup) max_len=4096 ;;
  oci_image | deb | elf | elf_closure | syscall_sites) max_len=32768 ;;
  *) echo "run_fuzz.sh: unknown target '$target'" >&2; exit 2 ;;
esac

inputs=()
for dir in "$here/regressions/$target" "$here/corpus/$target" "$build/tests/fuzz/seeds/$target"; do
  [[ -d $dir ]] && inputs+=("$dir")
done
# The shipped manifests are the manifest target's best seeds.
[[ $target == manifest ]] && inputs+=("$source_dir/manifests" "$source_dir/tests/manifests")
# A target without any of them is a mistake (a seed directory under another
# name): replay's find would search the working directory instead, and
# libFuzzer would start from an empty corpus; neither fails by itself.
if ((${#inputs[@]} == 0)); then
  echo "run_fuzz.sh: $target has no inputs (no regressions/$target, corpus/$target or $build/tests/fuzz/seeds/$target)" >&2
  exit 1
fi

work=$build/fuzz/work/$target
# Targets that write files (archives, the closure's program) do it under
# TMPDIR: in memory when /dev/shm is there, so that fsyncs cost nothing.
if [[ -d /dev/shm && -w /dev/shm ]]; then
  tmp=/dev/shm/tailor-fuzz-$target-$$
else
  tmp=$work/tmp
fi
rm -rf "$tmp"
mkdir -p "$tmp"
trap 'rm -rf "$tmp"' EXIT
export TMPDIR=$tmp

# The sanitizers' frames (at -O0 above all) need more than the default 8 MiB
# stack to reach the Kconfig parser's nesting limits; a real overflow still
# shows, just deeper.
ulimit -s 65536 2>/dev/null || true
common=(-rss_limit_mb=2048 -timeout=25)
if [[ $mode == replay ]]; then
  mapfile -t files < <(find "${inputs[@]}" -type f ! -name '*.md' | sort)
  if ((${#files[@]} == 0)); then
    echo "run_fuzz.sh: $target has no inputs to replay" >&2
    exit 1
  fi
  echo "replaying ${#files[@]} inputs of $target"
  exec "$fuzzer" "${common[@]}" "$@" "${files[@]}"
fi

[[ $mode =~ ^[0-9]+$ ]] || { echo "run_fuzz.sh: MODE is 'replay' or a number of seconds, not '$mode'" >&2; exit 2; }
# A corpus of this run's own, so that runs of one target at once (a test and
# a campaign) do not share it; the last run's stays in $work/corpus.
corpus=$work/corpus.$$
rm -rf "$corpus"
mkdir -p "$corpus" "$work/artifacts"
status=0
"$fuzzer" "${common[@]}" -max_len=$max_len -max_total_time="$mode" -print_final_stats=1 \
  -artifact_prefix="$work/artifacts/" "$@" "$corpus" "${inputs[@]}" || status=$?
echo "run_fuzz.sh: $target: corpus $(find "$corpus" -type f | wc -l) new inputs, $(du -sk "$corpus" | cut -f1) KiB"
rm -rf "$work/corpus"
mv "$corpus" "$work/corpus"
if ((status != 0)); then
  echo "run_fuzz.sh: $target found a problem; the input is in $work/artifacts/." >&2
  echo "  Reproduce: $fuzzer $work/artifacts/<file>; fix it, then add the input to" >&2
  echo "  tests/fuzz/regressions/$target/ so that every test run replays it." >&2
fi
exit $status
