#!/usr/bin/env bash
# `tailor kconfig` with bad inputs: each gives a clear error (file:line where
# there is one) and a non-zero exit, never a crash or a half-written output;
# a bad value in a .config is a warning in conf's words, not an error.
# Uses a tiny fake kernel tree and a private cache: no kernel tree needed.
#
#   bad_inputs.sh TAILOR_BINARY
set -uo pipefail
tailor=$1
work=$(mktemp -d /tmp/tailor-kconfig-bad.XXXXXX)
trap 'rm -rf "$work"' EXIT
export TAILOR_CACHE=$work/cache
failures=0

# expect_error DESCRIPTION EXPECTED-SUBSTRING -- COMMAND...
expect_error() {
  local what=$1 expected=$2; shift 3
  local err rc
  err=$("$@" 2>&1 >/dev/null); rc=$?
  if [[ $rc -eq 0 ]]; then
    echo "FAIL [$what]: exit status 0"; failures=$((failures + 1))
  elif [[ $rc -ge 128 ]]; then
    echo "FAIL [$what]: killed by a signal ($rc)"; failures=$((failures + 1))
  elif [[ "$err" != *"$expected"* ]]; then
    echo "FAIL [$what]: the error does not say '$expected': $err"; failures=$((failures + 1))
  else
    echo "ok   [$what]: ${err%%$'\n'*}"
  fi
}

tree=$work/linux
mkdir -p "$tree/arch/x86/configs" "$tree/sub"
printf 'VERSION = 6\nPATCHLEVEL = 1\nSUBLEVEL = 7\nEXTRAVERSION =\n' > "$tree/Makefile"
printf 'mainmenu "Linux/$(ARCH) $(KERNELVERSION)"\nconfig A\n\tbool "a"\nconfig N\n\tint "n"\n\trange 1 5\n\tdefault 2\nsource "sub/Kconfig"\n' > "$tree/Kconfig"
printf 'config B\n\tbool "b"\n\tdepends on A\n' > "$tree/sub/Kconfig"
printf 'CONFIG_A=y\n' > "$tree/arch/x86/configs/x86_64_defconfig"
k=("$tailor" kconfig)
common=(--srctree "$tree" --arch x86_64)

expect_error "no srctree" "no such file; --srctree must name the top of a kernel source tree" -- \
  "${k[@]}" allnoconfig --srctree "$work/nowhere" --out "$work/o"
expect_error "missing input" "missing.config: no such configuration file" -- \
  "${k[@]}" olddefconfig "${common[@]}" --in "$work/missing.config" --out "$work/o"
expect_error "bad make variable" "expected NAME=VALUE" -- \
  "${k[@]}" allnoconfig "${common[@]}" --make-var CC --out "$work/o"
expect_error "unknown symbol to explain" "no symbol NOPE" -- \
  "${k[@]}" explain NOPE "${common[@]}"

cp -r "$tree" "$work/syntax"
printf 'config C\n\tbool "c"\n\tdepends on (A\n' > "$work/syntax/sub/Kconfig"
expect_error "syntax error" "sub/Kconfig:3: syntax error: expected ')'" -- \
  "${k[@]}" allnoconfig --srctree "$work/syntax" --arch x86_64 --out "$work/o"

cp -r "$tree" "$work/nosource"
printf 'source "sub/missing/Kconfig"\n' >> "$work/nosource/Kconfig"
expect_error "missing source file" 'Kconfig:9: can'"'"'t open file "sub/missing/Kconfig"' -- \
  "${k[@]}" allnoconfig --srctree "$work/nosource" --arch x86_64 --out "$work/o"

cp -r "$tree" "$work/loop"
printf 'config L1\n\tbool "l1"\n\tdepends on L2\nconfig L2\n\tbool "l2"\n\tdepends on L1\n' >> "$work/loop/Kconfig"
expect_error "recursive dependency" "recursive dependency detected" -- \
  "${k[@]}" allnoconfig --srctree "$work/loop" --arch x86_64 --out "$work/o"

# Hostile nesting (generated): an error with file:line, not a stack overflow.
cp -r "$tree" "$work/deep"
python3 -c 'print("if A\n" * 100000 + "config D\n\tbool \"d\"\n" + "endif\n" * 100000, end="")' > "$work/deep/sub/Kconfig"
expect_error "100,000 nested ifs" "sub/Kconfig:1001: blocks nested more than 1000 deep (if)" -- \
  "${k[@]}" allnoconfig --srctree "$work/deep" --arch x86_64 --out "$work/o"
python3 -c 'print("config D\n\tbool \"d\"\n\tdepends on " + "!" * 200000 + "A")' > "$work/deep/sub/Kconfig"
expect_error "200,000 '!'" "sub/Kconfig:3: expression nested more than 1000 deep" -- \
  "${k[@]}" allnoconfig --srctree "$work/deep" --arch x86_64 --out "$work/o"
python3 -c 'print("config D\n\tbool \"d\"\n\tdepends on A" + " && A" * 199999)' > "$work/deep/sub/Kconfig"
expect_error "200,000 '&&' operands" "sub/Kconfig:3: expression has more than 1000 operands" -- \
  "${k[@]}" allnoconfig --srctree "$work/deep" --arch x86_64 --out "$work/o"

[[ -e "$work/o" ]] && { echo "FAIL: a failed run left an output file"; failures=$((failures + 1)); }

# Bad values in a .config are warnings (as conf prints them) and the run succeeds.
printf 'CONFIG_A=maybe\nCONFIG_GONE=y\nCONFIG_N=9\n' > "$work/bad.config"
warn=$("${k[@]}" olddefconfig "${common[@]}" --in "$work/bad.config" --out "$work/ok.config" 2>&1 >/dev/null)
rc=$?
for w in "bad.config:1:warning: symbol value 'maybe' invalid for A" "bad.config:2:warning: unknown symbol: GONE"; do
  if [[ $rc -ne 0 || "$warn" != *"$w"* ]]; then
    echo "FAIL [bad .config values]: expected warning '$w' and success, got rc=$rc: $warn"; failures=$((failures + 1))
  else
    echo "ok   [bad .config values]: $w"
  fi
done
grep -qx 'CONFIG_N=2' "$work/ok.config" || { echo "FAIL: out-of-range N was not reset to its default"; failures=$((failures + 1)); }
grep -qx '# Linux/x86_64 6.1.7' "$work/ok.config" || { echo "FAIL: main menu text not expanded"; failures=$((failures + 1)); }

if ((failures)); then echo "$failures failure(s)"; exit 1; fi
echo "all bad inputs handled"
