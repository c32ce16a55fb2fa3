#!/usr/bin/env bash
# Each bad input gives a clear error naming the problem and a non-zero exit,
# and leaves the cache consistent: a later good run in the same cache works.
# Uses a private cache and a tiny fake kernel tree, so it needs no kernel build.
#
#   bad_inputs.sh TAILOR_BINARY
set -uo pipefail
tailor=$1
work=$(mktemp -d /tmp/tailor-bad-inputs.XXXXXX)
trap 'rm -rf "$work"' EXIT
export TAILOR_CACHE=$work/cache
failures=0

# expect_error DESCRIPTION EXPECTED-SUBSTRING -- COMMAND...
expect_error() {
  local what=$1 expected=$2; shift 3
  local err rc
  err=$("$@" 2>&1 >/dev/null); rc=$?
  local first_line=${err%%$'\n'*}
  if [[ $rc -eq 0 ]]; then
    echo "FAIL [$what]: exit status 0"; failures=$((failures + 1))
  elif [[ "$first_line" != *"$expected"* || "$first_line" != "tailor: error: "* ]]; then
    echo "FAIL [$what]: first line does not name the problem: $first_line"; failures=$((failures + 1))
  else
    echo "ok   [$what]: $first_line"
  fi
}

# A small tree shaped like Debian's linux-source tarball.
tree=$work/src/linux-source-6.1
mkdir -p "$tree/arch/x86" "$tree/scripts/kconfig" "$tree/kernel"
printf 'VERSION = 6\nPATCHLEVEL = 1\nSUBLEVEL = 7\nEXTRAVERSION =\n' > "$tree/Makefile"
echo 'mainmenu "x"' > "$tree/Kconfig"
echo 'config X86' > "$tree/arch/x86/Kconfig"
printf 'int a;\nint b;\nint c;\n' > "$tree/kernel/fork.c"
tar -C "$work/src" -cJf "$work/good.tar.xz" linux-source-6.1
head -c $(( $(stat -c %s "$work/good.tar.xz") / 2 )) "$work/good.tar.xz" > "$work/corrupt.tar.xz"

expect_error "corrupt tarball" "corrupt.tar.xz" -- "$tailor" kernel source --tarball "$work/corrupt.tar.xz"
expect_error "missing tarball" "no-such.tar.xz: no such" -- "$tailor" kernel source --tarball "$work/no-such.tar.xz"
expect_error "non-existent --kernel-src" "/no/such/linux: no such directory" -- "$tailor" kernel source --kernel-src /no/such/linux
expect_error "not a kernel tree" "not a Linux source tree" -- "$tailor" kernel source --kernel-src "$work"
expect_error "invalid .config path" "--config $work/missing.config: no such file" -- \
  "$tailor" kernel build --kernel-src "$tree" --config "$work/missing.config"
expect_error "unknown base" "unknown config base 'randconfig'" -- \
  "$tailor" kernel build --kernel-src "$tree" --base randconfig --config "$work/good.tar.xz"

mkdir -p "$work/patches"
echo "0001-bad.patch" > "$work/patches/series"
printf -- '--- a/kernel/fork.c\n+++ b/kernel/fork.c\n@@ -1,3 +1,3 @@\n int zzz;\n-int yyy;\n+int xxx;\n int c;\n' > "$work/patches/0001-bad.patch"
expect_error "patch that does not apply" "patch 0001-bad.patch" -- \
  "$tailor" kernel source --kernel-src "$tree" --patches "$work/patches/series"
expect_error "missing series" "no such patch series file" -- \
  "$tailor" kernel source --kernel-src "$tree" --patches "$work/patches/nope"

# A build that fails shows the end of the build log and where the log is.
broken=$work/broken-tree
cp -r "$tree" "$broken"
printf 'VERSION = 6\nPATCHLEVEL = 1\nSUBLEVEL = 7\n%%config:\n\t@echo "kconfig says: this tree is broken" >&2; exit 2\n' > "$broken/Makefile"
echo "CONFIG_X=y" > "$work/x.config"
err=$("$tailor" kernel build --kernel-src "$broken" --config "$work/x.config" 2>&1 >/dev/null)
if [[ "$err" == *"make olddefconfig failed"* && "$err" == *"kconfig says: this tree is broken"* && "$err" == *"full log: $TAILOR_CACHE/kernels/logs/"* ]]; then
  echo "ok   [failing build]: shows the log's end and its path"
else
  echo "FAIL [failing build]: $err"; failures=$((failures + 1))
fi

# Nothing half-done is left where a finished tree would be.
if ls "$TAILOR_CACHE/sources" | grep -v '^digests$' | grep -q .; then
  echo "FAIL: the failed runs left trees behind:"; ls "$TAILOR_CACHE/sources"; failures=$((failures + 1))
fi
# A good run in the same cache now succeeds.
if dir=$("$tailor" kernel source --tarball "$work/good.tar.xz" 2>/dev/null) && [[ -f "$dir/kernel/fork.c" ]]; then
  echo "ok   [later good run]: $dir"
else
  echo "FAIL [later good run]"; failures=$((failures + 1))
fi
[[ $failures -eq 0 ]] && echo "PASS" || { echo "$failures failure(s)"; exit 1; }
