#!/usr/bin/env bash
# The parsed-tree cache on a real kernel tree (Debian's 6.1): a warm run is
# answered from <cache>/kconfig-tree and writes the same .config as a fresh
# parse; after the cache file is damaged (truncated, a byte changed, garbage,
# emptied) or replaced by another tree's entry, the next run still writes the
# right .config (parsing again) and the run after it is warm again. Every
# mode is checked warm against a fresh parse.
#
#   tree_cache.sh TAILOR_BINARY
set -uo pipefail
tailor=$1
work=$(mktemp -d /tmp/tailor-kconfig-tree-cache.XXXXXX)
trap 'rm -rf "$work"' EXIT
src=$("$tailor" kernel source --version 6.1) || exit 1
export TAILOR_CACHE=$work/cache
# (The kernel tree stays in the shared cache; the Kconfig caches are this test's own.)
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

xz -dc /usr/src/linux-config-6.1/config.amd64_none_amd64.xz > "$work/in.config" || exit 1
common=(--srctree "$src" --arch x86_64 -q --stats)

# run NAME MODE [ARGS...]: runs a mode, output in $work/NAME.config, how the
# tree was read ("cache" or "parsed") in $how.
run() {
  local name=$1 mode=$2; shift 2
  local err
  err=$("$tailor" kconfig "$mode" "${common[@]}" --out "$work/$name.config" "$@" 2>&1 >/dev/null)
  local rc=$?
  if ((rc != 0)); then fail "$name: exit status $rc: $err"; how=failed; return; fi
  if [[ "$err" == *"from the parsed-tree cache"* ]]; then how=cache; else how=parsed; fi
}

run fresh olddefconfig --in "$work/in.config" --no-tree-cache
[[ $how == parsed ]] || fail "--no-tree-cache read the cache"
run first olddefconfig --in "$work/in.config"
[[ $how == parsed ]] || fail "the first run with an empty cache was $how"
run warm olddefconfig --in "$work/in.config"
[[ $how == cache ]] || fail "the second run was $how, not from the cache"
cmp -s "$work/fresh.config" "$work/warm.config" || fail "warm output differs from a fresh parse"

# Every mode, warm, against a fresh parse.
for mode in allnoconfig allyesconfig allmodconfig alldefconfig defconfig tinyconfig savedefconfig; do
  args=()
  [[ $mode == savedefconfig ]] && args=(--in "$work/in.config")
  run "$mode-fresh" "$mode" "${args[@]}" --no-tree-cache
  run "$mode-warm" "$mode" "${args[@]}"
  [[ $how == cache ]] || fail "$mode: the tree was $how, not from the cache"
  cmp -s "$work/$mode-fresh.config" "$work/$mode-warm.config" || fail "$mode: warm output differs from a fresh parse"
done
if out=$("$tailor" kconfig explain NET --srctree "$src" --arch x86_64 -q --stats 2>&1 >/dev/null) &&
  [[ "$out" == *"from the parsed-tree cache"* ]]; then
  echo "ok   explain reads the cache"
else
  fail "explain did not read the cache: $out"
fi

entries=("$TAILOR_CACHE"/kconfig-tree/*.tree)
((${#entries[@]} == 1)) || fail "expected one cache entry, found ${#entries[@]}"
entry=${entries[0]}
cp "$entry" "$work/good.tree"
size=$(stat -c %s "$work/good.tree")

# Another tree's entry: a tiny fake kernel tree, read once.
other=$work/other
mkdir -p "$other"
printf 'VERSION = 6\nPATCHLEVEL = 1\n' > "$other/Makefile"
printf 'config OTHER\n\tbool "o"\n' > "$other/Kconfig"
"$tailor" kconfig allnoconfig --srctree "$other" --arch x86_64 -q --out "$work/other.config" || fail "fake tree"
foreign=$(ls "$TAILOR_CACHE"/kconfig-tree/*.tree | grep -v "$(basename "$entry")")

damage() {
  case $1 in
    truncated) head -c $((size / 2)) "$work/good.tree" > "$entry" ;;
    header-only) head -c 84 "$work/good.tree" > "$entry" ;;
    byte-changed)
      cp "$work/good.tree" "$entry"
      printf '\x55' | dd of="$entry" bs=1 seek=$((size * 2 / 3)) conv=notrunc status=none ;;
    garbage) head -c "$size" /dev/urandom > "$entry" ;;
    empty) : > "$entry" ;;
    foreign) cp "$foreign" "$entry" ;;
  esac
}

for kind in truncated header-only byte-changed garbage empty foreign; do
  damage "$kind"
  run "after-$kind" olddefconfig --in "$work/in.config"
  if [[ $how != parsed ]]; then
    fail "$kind: the damaged cache was used ($how)"
  elif ! cmp -s "$work/fresh.config" "$work/after-$kind.config"; then
    fail "$kind: output differs from a fresh parse"
  else
    run "again-$kind" olddefconfig --in "$work/in.config"
    if [[ $how == cache ]] && cmp -s "$work/fresh.config" "$work/again-$kind.config"; then
      echo "ok   $kind cache file: ignored, right output, rewritten"
    else
      fail "$kind: the run after was $how or gave another output"
    fi
  fi
done

# A changed Kconfig file is noticed: a copy of the tree whose init/Kconfig
# gains a symbol (hard links keep the copy cheap; the edited file is new).
copy=$work/linux
cp -al "$src" "$copy"
rm "$copy/init/Kconfig"
{ cat "$src/init/Kconfig"; printf '\nconfig TREE_CACHE_TEST\n\tbool\n\tdefault y\n'; } > "$copy/init/Kconfig"
"$tailor" kconfig olddefconfig --srctree "$copy" --arch x86_64 -q --in "$work/in.config" --out "$work/copy1.config" &&
  "$tailor" kconfig olddefconfig --srctree "$copy" --arch x86_64 -q --in "$work/in.config" --out "$work/copy2.config" ||
  fail "copied tree"
grep -qx 'CONFIG_TREE_CACHE_TEST=y' "$work/copy2.config" || fail "the new symbol is missing"
printf '\nconfig TREE_CACHE_TEST2\n\tbool\n\tdefault y\n' >> "$copy/init/Kconfig"
"$tailor" kconfig olddefconfig --srctree "$copy" --arch x86_64 -q --in "$work/in.config" --out "$work/copy3.config" ||
  fail "copied tree after an edit"
grep -qx 'CONFIG_TREE_CACHE_TEST2=y' "$work/copy3.config" && echo "ok   an edited Kconfig file is parsed again" ||
  fail "an edit to init/Kconfig was not noticed"

if ((failures)); then echo "$failures failure(s)"; exit 1; fi
echo "tree cache: all checks passed"
